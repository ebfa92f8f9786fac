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


# Pages a person who must still set up or confirm two-factor may open.
TWO_FACTOR_OPEN_URL_NAMES = {
    "logout",
    "session_keepalive",
    "set_language",
    "accessibility",
    "no_membership",
    "accounts:two_factor_setup",
}


class TwoFactorRequiredMiddleware:
    """Editors and superusers logged in with a password reach no page and make no write
    until their session is confirmed with two-factor: without it set up they are led
    to set it up, with it they are asked for a code. An SSO log-in relies on the
    provider's own strength. After django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        from parties.access import request_access

        from .audit import Method
        from .signals import SESSION_LOGIN_METHOD
        from .two_factor import two_factor_required

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        in_api = match is not None and "api" in match.namespaces
        if not getattr(view_func, "login_required", True) and not in_api:
            return None  # open pages (log-in, the code step, password reset, ...)
        # (The API's views answer 401 themselves, so they are open to the log-in rule;
        # a browser session's call still needs the confirmed session. A token is made on
        # a page behind this rule and is authenticated by the view, not seen here.)
        if match is not None and match.view_name in TWO_FACTOR_OPEN_URL_NAMES:
            return None
        if request.session.get(SESSION_LOGIN_METHOD) == Method.OIDC:
            return None
        if not two_factor_required(user, request_access(request)):
            return None
        target = redirect("accounts:two_factor_setup")
        if request.method in ("GET", "HEAD"):
            target["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return target
