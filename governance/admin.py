from django.contrib import admin

from milestones.admin import VersionedHistoryAdmin

from .models import Action, Decision, DeliveryConfidence, ExceptionNote, Issue, Meeting, Risk


@admin.register(Risk, Issue, Decision, Action, Meeting, ExceptionNote, DeliveryConfidence)
class GovernanceAdmin(VersionedHistoryAdmin):
    search_fields = ["key"]
