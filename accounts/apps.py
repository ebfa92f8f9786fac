from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Log-in mechanics: throttling, password reset limits, the idle session."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Log-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from .middleware import session_mark_active, session_track, session_untrack

        user_logged_in.connect(session_mark_active, dispatch_uid="accounts.session_mark_active")
        user_logged_in.connect(session_track, dispatch_uid="accounts.session_track")
        user_logged_out.connect(session_untrack, dispatch_uid="accounts.session_untrack")
