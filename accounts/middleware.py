import time

from django.conf import settings

from . import people

ACTIVITY_KEY = "sorplan_activity"


def session_mark_active(sender, request, user, **kwargs):
    """user_logged_in: the log-in saves the session anyway, so the first page after it
    need not save it again."""
    request.session[ACTIVITY_KEY] = int(time.time())


def session_track(sender, request, user, **kwargs):
    """user_logged_in: the session joins the person's list on their own page."""
    people.session_track(
        user=user,
        session_key=request.session.session_key,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def session_untrack(sender, request, user, **kwargs):
    people.session_untrack(session_key=request.session.session_key)


class SessionIdleTimeoutMiddleware:
    """Keep a logged-in person's session alive while they work.

    The session expires SESSION_IDLE_TIMEOUT seconds after it was last saved
    (SESSION_COOKIE_AGE is that timeout). A request marks the session changed
    when it was last refreshed more than SESSION_REFRESH_SECONDS ago, so the
    expiry moves forward with activity without a database write on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(ACTIVITY_KEY, 0)
            if now - last >= settings.SESSION_REFRESH_SECONDS:
                request.session[ACTIVITY_KEY] = now
        return self.get_response(request)
