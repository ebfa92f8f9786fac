from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Entry, Step


class StepInline(admin.TabularInline):
    model = Step
    extra = 0


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "key", "kind", "category", "owner", "supplier", "state", "is_demo"]
    list_filter = ["state", "kind", "category", "is_nsp_service", "is_demo"]
    search_fields = ["name", "key", "description"]
    autocomplete_fields = ["owner", "supplier"]
    filter_horizontal = ["activities", "milestones"]
    inlines = [StepInline]
