from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(admin.AdminSite):
    """Django admin for superusers only: it bypasses the rules the pages enforce."""

    site_header = _("sorplan – administration")
    site_title = _("sorplan")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class SorplanAdminConfig(AdminConfig):
    default_site = "sorplan.admin.SuperuserAdminSite"
