"""The API's two pages: a person's own access tokens (/profil/tokens/) and the API's
browsable docs (/api/v1/docs/), both in the site's layout."""

import functools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.generators import SchemaGenerator

from parties.access import request_access

from .forms import TokenForm
from .models import AccessToken
from .tokens import token_create, token_revoke


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request):
    """Every token of the person, with its last use; a new one is shown once, here."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, text = token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
        )
        created = {"token": token, "text": text}
        form = TokenForm()
    status = 400 if request.method == "POST" and created is None else 200
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": AccessToken.objects.filter(user=request.user),
            "may_write": request_access(request).has_membership,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def token_revoke_page(request, pk):
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    if token.revoked_at is not None:
        raise Http404
    if request.method == "POST":
        token_revoke(token=token, user=request.user)
        messages.success(request, _("Nøglen “%(name)s” er tilbagekaldt.") % {"name": token.name})
        return redirect("tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})


@functools.cache
def _schema() -> dict:
    """The API's OpenAPI schema, built once per process (it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _fields(schema: dict, components: dict) -> list[dict]:
    ref = schema.get("$ref", "")
    if ref:
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": prop.get("type") or prop.get("$ref", "").rsplit("/", 1)[-1] or "",
            "format": prop.get("format", ""),
            "required": name in required,
            "read_only": prop.get("readOnly", False),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def api_operations() -> list[dict]:
    """Every operation of the schema, grouped by its first tag, for the docs page."""
    schema = _schema()
    components = schema.get("components", {}).get("schemas", {})
    groups: dict[str, list] = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = operation.get("requestBody", {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema", {}) if body else {}
            ok = operation.get("responses", {}).get("200", {}).get("content", {})
            ok_schema = next(iter(ok.values()), {}).get("schema", {}) if ok else {}
            if ok_schema.get("type") == "array" or "results" in str(ok_schema):
                ok_schema = {}
            groups.setdefault((operation.get("tags") or ["api"])[0], []).append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "body": _fields(body_schema, components),
                    "answer": _fields(ok_schema, components),
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def docs(request):
    """The API's docs, rendered on the server from its schema (no script, the site's
    layout): each operation with its parameters, body and answer."""
    return render(request, "api/docs.html", {"groups": api_operations()})
