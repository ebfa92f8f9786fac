"""The project's own middleware: response headers (the rest come from Django and
django-csp) and the 503 page when the database is down."""

import logging

from django.conf import settings

from .errors import DATABASE_ERRORS, database_unavailable_response

logger = logging.getLogger("sorplan.errors")


class DatabaseUnavailableMiddleware:
    """A view that meets a database that is down answers 503 with a page saying the
    change was not saved, instead of a bare 500.

    Errors raised before the view (loading the session or the user in another
    middleware) reach handler500 instead, which gives the same page
    (sorplan.errors.server_error).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error(
            "Database unavailable during %s %s",
            request.method,
            request.path,
            exc_info=exception,
        )
        return database_unavailable_response()


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
