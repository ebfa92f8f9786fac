from django.conf import settings


def session_timeout(request):
    """The idle timeout and the warning time, for the session-timeout warning in base.html."""
    return {
        "session_idle_seconds": settings.SESSION_IDLE_TIMEOUT,
        "session_warning_seconds": min(
            settings.SESSION_WARNING_SECONDS, settings.SESSION_IDLE_TIMEOUT
        ),
    }
