from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class DeliveryInline(admin.TabularInline):
    model = models.ReportDelivery
    extra = 0
    can_delete = False
    fields = ["address", "status", "attempts", "sent_at", "last_error", "message_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.StatusReport)
class StatusReportAdmin(SimpleHistoryAdmin):
    """Read-mostly: reports are made, edited and published on the site's own pages."""

    list_display = ["period", "status", "published_at", "published_by"]
    list_filter = ["status"]
    date_hierarchy = "period"
    inlines = [DeliveryInline]
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


@admin.register(models.ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: written by the send task only."""

    list_display = ["report", "address", "status", "attempts", "sent_at"]
    list_filter = ["status", "report"]
    search_fields = ["address"]
    readonly_fields = [f.name for f in models.ReportDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
