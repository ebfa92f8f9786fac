from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class VersionedHistoryAdmin(SimpleHistoryAdmin):
    """Admin edits count as a new version, so a page save started earlier is
    refused as a conflict instead of silently overwriting the admin's change;
    the history row says it came from the admin."""

    def save_model(self, request, obj, form, change):
        if change and hasattr(obj, "version"):
            obj.version = (
                type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first() or 0
            ) + 1
        obj._change_reason = (
            "Ændret i administrationen" if change else "Oprettet i administrationen"
        )
        super().save_model(request, obj, form, change)


class MilestoneInline(admin.TabularInline):
    model = models.Milestone
    extra = 0
    fields = ["key", "title", "forecast_date", "forecast_precision", "actual_date", "status"]
    show_change_link = True


class PlanVersionInline(admin.TabularInline):
    model = models.ActivityPlanVersion
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = models.ActivityParticipant
    extra = 0
    autocomplete_fields = ["party"]


@admin.register(models.Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner"]


@admin.register(models.Goal)
class GoalAdmin(VersionedHistoryAdmin):
    list_display = ["title", "kind", "parent", "number"]
    list_filter = ["kind"]
    search_fields = ["title", "key"]


@admin.register(models.Baseline)
class BaselineAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_plan_version", "is_active", "frozen_at"]
    search_fields = ["name", "key"]


@admin.register(models.Activity)
class ActivityAdmin(VersionedHistoryAdmin):
    list_display = ["title", "track", "responsible_party", "status", "goal"]
    list_filter = ["track", "status", "responsible_party"]
    search_fields = ["title", "key", "description"]
    autocomplete_fields = ["responsible_party", "goal"]
    inlines = [PlanVersionInline, ParticipantInline, MilestoneInline]


@admin.register(models.Milestone)
class MilestoneAdmin(VersionedHistoryAdmin):
    list_display = ["title", "activity", "forecast_date", "actual_date", "status", "demo_fields"]
    list_filter = ["status", "activity__track", "status_source"]
    search_fields = ["title", "key", "activity__title"]
    autocomplete_fields = ["activity"]


@admin.register(models.BaselineEntry)
class BaselineEntryAdmin(admin.ModelAdmin):
    list_display = ["baseline", "milestone", "date", "precision"]
    list_filter = ["baseline"]
    search_fields = ["milestone__title"]


@admin.register(models.Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    list_display = ["predecessor", "successor", "note"]
    autocomplete_fields = ["predecessor", "successor"]


@admin.register(models.RolloutPhase)
class RolloutPhaseAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "activity", "milestone"]


@admin.register(models.MunicipalityRollout)
class MunicipalityRolloutAdmin(VersionedHistoryAdmin):
    list_display = ["municipality", "phase", "status", "status_date"]
    list_filter = ["phase", "status"]
    search_fields = ["municipality__name"]


@admin.register(models.ReportingRound)
class ReportingRoundAdmin(SimpleHistoryAdmin):
    list_display = ["period", "opens_on", "due_on"]


@admin.register(models.RoundObligation)
class RoundObligationAdmin(SimpleHistoryAdmin):
    list_display = ["round", "party", "activity"]
    list_filter = ["round"]


@admin.register(models.ProgressUpdate)
class ProgressUpdateAdmin(VersionedHistoryAdmin):
    list_display = ["round", "party", "activity", "status", "self_rag"]
    list_filter = ["round", "status", "party"]


@admin.register(models.ForecastProposal)
class ForecastProposalAdmin(SimpleHistoryAdmin):
    list_display = ["update", "milestone", "proposed_date", "decision"]


@admin.register(models.ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["round", "party", "kind", "sent_at"]
