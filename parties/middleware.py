from django.shortcuts import render
from django.urls import resolve
from django.urls.exceptions import Resolver404

from .access import request_access

# URL names a logged-in person without membership may still reach.
ALLOWED_WITHOUT_MEMBERSHIP = {
    "logout",
    "no_membership",
    "set_language",
    "accessibility",
    "password_change",
    "password_change_done",
    "session_keepalive",
    "profile",
    "sessions_end_all",
    "own_data_json",
    "own_data_xlsx",
    "privacy",
}


class MembershipRequiredMiddleware:
    """A logged-in person with no membership sees a page saying so, and nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None  # open pages (log-in, password reset, ...)
        if request_access(request).has_membership:
            return None
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in ALLOWED_WITHOUT_MEMBERSHIP or request.path_info.startswith("/static/"):
            return None
        return render(request, "parties/no_membership.html", status=403)
