from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Log-in mechanics: throttling, password reset limits, the idle session, the audit log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Log-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import signals
        from .middleware import session_mark_active, session_track, session_untrack

        user_logged_in.connect(session_mark_active, dispatch_uid="accounts.session_mark_active")
        user_logged_in.connect(session_track, dispatch_uid="accounts.session_track")
        user_logged_out.connect(session_untrack, dispatch_uid="accounts.session_untrack")
        user_logged_in.connect(signals.logged_in, dispatch_uid="accounts.audit_logged_in")
        user_logged_out.connect(signals.logged_out, dispatch_uid="accounts.audit_logged_out")
        user_login_failed.connect(signals.login_failed, dispatch_uid="accounts.audit_login_failed")
