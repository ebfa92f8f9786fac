"""The API's two pages: a person's own access tokens (/profil/tokens/) and the API's
browsable docs (/api/v1/docs/), both in the site's layout."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

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


def docs(request):
    """Swagger UI (vendored by drf-spectacular-sidecar) on the live schema; its start-up
    script is a static file, so the CSP holds."""
    return render(request, "api/docs.html")
