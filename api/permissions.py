"""Who may call the API at all: a member (as on the pages), and a read-only token only
reads. What each person may read or write is `parties.access.Access`, in the views."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from parties.access import request_access

from .models import AccessToken


class MemberWithScope(permissions.BasePermission):
    message = _("Du har ikke adgang til dette.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if not request_access(request).has_membership:
            self.message = _("Du er ikke medlem af nogen part i programmet.")
            return False
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 itself
        token = request.auth if isinstance(request.auth, AccessToken) else None
        if token is not None and request.method not in permissions.SAFE_METHODS:
            if not token.may_write:
                self.message = _("Nøglen må kun læse. Opret en nøgle, der må skrive.")
                return False
        return True
