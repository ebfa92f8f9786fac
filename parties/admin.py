from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, Party


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "side", "official_code", "coordinator", "region"]
    list_filter = ["kind", "side"]
    search_fields = ["name", "short_name", "official_code", "key"]
    autocomplete_fields = ["coordinator", "region"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "party", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "party__name"]
    autocomplete_fields = ["user", "party"]
