"""The secret-link feeds (no log-in: the link is the key) and the person's own page of
links at /profil/kalender/."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from parties.access import access_for, request_access

from . import calendars, services
from .models import FeedToken

ICAL_CONTENT_TYPE = "text/calendar; charset=utf-8"
FILTERS = ("part", "spor", "aktivitet")


@login_not_required
@require_safe
def feed(request, secret: str, feed: str):
    """A calendar feed for the link's owner: 404 for an unknown or revoked link, an
    inactive person, or a feed they may not read."""
    user = services.feed_token_user(secret)
    if user is None or feed not in calendars.FEEDS:
        raise Http404
    access = access_for(user)
    if not calendars.may_read_feed(access, feed):
        raise Http404
    filters = {k: request.GET[k] for k in FILTERS if request.GET.get(k)}
    content = calendars.feed_ical(
        access, feed, filters=filters, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(content, content_type=ICAL_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="sorplan-{feed}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    # The secret is in the URL: no referrer leaves with it, no search engine keeps it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def profile_calendar(request):
    """The person's secret calendar links: made (shown once), made anew, or revoked."""
    access = request_access(request)
    secret = None
    message = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            secret = services.feed_token_create(user=request.user)
        elif action == "revoke":
            services.feed_token_revoke(user=request.user)
            message = _(
                "Dit kalenderlink er tilbagekaldt. Kalendere, der bruger det, får ikke flere opdateringer."
            )
    token = FeedToken.objects.filter(user=request.user).first()
    feeds = []
    for name, label in calendars.feed_names().items():
        if not calendars.may_read_feed(access, name):
            continue
        url = (
            request.build_absolute_uri(reverse("feeds:feed", args=[secret, name])) if secret else ""
        )
        feeds.append({"name": name, "label": label, "url": url})
    return render(
        request,
        "feeds/profile_calendar.html",
        {"token": token, "secret": secret, "feeds": feeds, "message": message},
    )
