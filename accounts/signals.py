"""Django's log-in signals into the security audit log."""

from django.contrib.auth import get_user_model

from .audit import Kind, Method, security_event_record
from .oidc import REQUEST_FAILURE

# A log-in flow that is not the plain password form sets this on the request before
# it calls django.contrib.auth.login (the OIDC callback, the two-factor step).
METHOD_ATTRIBUTE = "sorplan_login_method"
# The session remembers how it was logged in (two-factor is not asked after SSO).
SESSION_LOGIN_METHOD = "sorplan_login_method"


def login_method_set(request, method: str) -> None:
    setattr(request, METHOD_ATTRIBUTE, method)


def _method(request) -> str:
    return getattr(request, METHOD_ATTRIBUTE, Method.PASSWORD) if request is not None else ""


def logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_METHOD] = _method(request)
    security_event_record(
        Kind.LOGIN_SUCCESS, request=request, actor=user, subject=user, method=_method(request)
    )


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(Kind.LOGOUT, request=request, actor=user, subject=user)


def login_failed(sender, credentials, request=None, **kwargs):
    """A refused log-in. The typed username is kept only if it is a user's (a mistyped
    password in the username field stays out of the log)."""
    username = (credentials or {}).get("username") or ""
    subject = get_user_model().objects.filter(username=username).first() if username else None
    security_event_record(
        Kind.LOGIN_FAILURE,
        request=request,
        actor=None,
        subject=subject,
        method=_method(request),
        detail=getattr(request, REQUEST_FAILURE, "") or ("" if subject else "ukendt bruger"),
    )
