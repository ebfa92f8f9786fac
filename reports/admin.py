from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.StatusReport)
class StatusReportAdmin(SimpleHistoryAdmin):
    """Read-mostly: reports are made, edited and published on the site's own pages."""

    list_display = ["period", "status", "published_at", "published_by"]
    list_filter = ["status"]
    date_hierarchy = "period"
    readonly_fields = [
        "period",
        "status",
        "as_of",
        "previous",
        "pdf",
        "pdf_sha256",
        "published_at",
        "published_by",
        "version",
        "publish_error",
        "created_at",
        "updated_at",
    ]
    exclude = ["snapshot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(models.ReportRecipient)
class ReportRecipientAdmin(SimpleHistoryAdmin):
    list_display = ["email", "name", "organisation", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["email", "name", "organisation"]
