"""
The error pages: Danish, in the site's layout, with the reason the view gave.

400, 403 and 404 render with the request (navigation for the logged-in person).
500 and 503 render without the request, so no context processor runs and no
query is made: they must answer while the database is down. A database that is
down during a request gives the 503 page (see sorplan.middleware), also when the
error comes from a middleware (the session or the user) and reaches handler500.
CSRF failures use Django's own view with the Danish template 403_csrf.html.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import Resolver404
from django.views.decorators.csrf import requires_csrf_token

DATABASE_ERRORS = (OperationalError, InterfaceError)


def _reason(exception) -> str:
    """The message the view gave, when it is one meant for a person.

    URL resolution and get_object_or_404 give English technical messages; those
    are left out and the page's own Danish text stands alone.
    """
    if exception is None or isinstance(exception, Resolver404) or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str):
        return ""
    if message.startswith("No ") and message.endswith(" matches the given query."):
        return ""
    return message


@requires_csrf_token
def bad_request(request, exception=None):
    # A SuspiciousOperation's message (e.g. a bad Host header) is for the log, not the page.
    html = loader.render_to_string("400.html", {}, request)
    return HttpResponseBadRequest(html)


@requires_csrf_token
def permission_denied(request, exception=None):
    html = loader.render_to_string("403.html", {"reason": _reason(exception)}, request)
    return HttpResponseForbidden(html)


@requires_csrf_token
def page_not_found(request, exception=None):
    html = loader.render_to_string("404.html", {"reason": _reason(exception)}, request)
    return HttpResponseNotFound(html)


def database_unavailable_response():
    """The 503 page, rendered without the request: no context processor, no query."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


def server_error(request):
    """handler500: the static 500 page, or the 503 page when the database is down."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html"))
