"""The log-in mechanics' pages, by topic: log-in and reset (`login`), the audit log
(`audit`), single sign-on (`oidc`), two-factor (`two_factor`)."""

from .login import LoginView, LogoutView, PasswordResetView, locked_out, session_keepalive

__all__ = ["LoginView", "LogoutView", "PasswordResetView", "locked_out", "session_keepalive"]
