from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(admin.AdminSite):
    """Django admin for superusers only: it bypasses the rules the pages enforce."""

    site_header = _("sorplan – administration")
    site_title = _("sorplan")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def login(self, request, extra_context=None):
        """One log-in page for the whole site: the admin's own is not offered."""
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.GET.get("next", self.index_url()))

    def index_url(self):
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)


class SorplanAdminConfig(AdminConfig):
    default_site = "sorplan.admin.SuperuserAdminSite"
