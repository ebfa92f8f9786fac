"""The project's own response headers (the rest come from Django and django-csp)."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.SORPLAN_PERMISSIONS_POLICY) on every response:
    the browser features the product never uses stay off even if a script asked."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.SORPLAN_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
