"""Every API error is JSON: `{"detail": "<Danish message>", "errors": {field: [...]}}`."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.versioning import EditConflict

logger = logging.getLogger(__name__)

MESSAGES = {
    400: lambda: _("Forespørgslen er ikke gyldig. Se fejlene pr. felt."),
    401: lambda: _("Log ind eller send en adgangsnøgle (Authorization: Bearer …)."),
    403: lambda: _("Du har ikke adgang til dette."),
    404: lambda: _("Findes ikke, eller du har ikke adgang til det."),
    405: lambda: _("Metoden er ikke tilladt her."),
    406: lambda: _("Svaret kan kun gives som JSON."),
    409: lambda: _("En anden har gemt en nyere version. Hent den og prøv igen."),
    415: lambda: _("Send data som JSON (Content-Type: application/json)."),
    429: lambda: _("For mange forespørgsler. Vent lidt og prøv igen."),
}


def message_for(code: int) -> str:
    return MESSAGES.get(code, MESSAGES[400])()


def error_body(code: int, detail: str | None = None, errors: dict | None = None) -> dict:
    """The body of every error; a validation error that names no field says it in `detail`."""
    errors = errors or {}
    if detail is None and set(errors) == {"__all__"} and errors["__all__"]:
        detail = " ".join(errors["__all__"])
    return {"detail": str(detail or message_for(code)), "errors": errors}


def _flat(detail) -> dict:
    """DRF's error detail as {field: [messages]} (non-field errors under "__all__")."""
    if isinstance(detail, dict):
        return {
            ("__all__" if k in ("non_field_errors", "__all__") else k): (
                [str(m) for m in v]
                if isinstance(v, list)
                else _flat(v)
                if isinstance(v, dict)
                else [str(v)]
            )
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"__all__": [str(m) for m in detail]}
    return {"__all__": [str(detail)]}


def django_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def api_exception_handler(exc, context):
    """DRF's handler with the project's body; Django's own errors mapped first."""
    if isinstance(exc, EditConflict):
        current = exc.current
        return Response(
            {
                **error_body(409),
                "current_version": getattr(current, "version", None),
                "seen_version": exc.seen_version,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        return Response(
            error_body(400, errors=django_errors(exc)), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args[:1] or ()))
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return Response(error_body(500, _("Der skete en fejl hos os.")), status=500)
    code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(code, errors=_flat(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.NotFound | exceptions.Throttled):
        response.data = error_body(code)
    elif isinstance(exc, exceptions.MethodNotAllowed | exceptions.UnsupportedMediaType):
        response.data = error_body(code)
    elif isinstance(exc, exceptions.NotAcceptable):
        response.data = error_body(code)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else None
        response.data = error_body(code, detail)
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a JSON 404, not the site's HTML page."""
    return JsonResponse(error_body(404), status=404)
