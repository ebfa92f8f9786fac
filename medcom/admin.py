from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Certification, MessageType


@admin.register(MessageType)
class MessageTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "family", "cutover_date", "plan_state", "is_demo"]
    list_filter = ["family", "plan_state", "is_demo"]
    search_fields = ["code", "name", "key"]


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ["entry", "message_type", "direction", "state", "is_demo"]
    list_filter = ["state", "direction", "is_demo"]
    search_fields = ["entry__name", "message_type__code"]
    raw_id_fields = ["entry", "message_type"]
