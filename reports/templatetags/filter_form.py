"""The steering group's pages' filter form (`reports/_filter_fields.html`: the party, the
track and the moment) as HTML cached under what it shows (`filter_fields`)."""

import hashlib

from django import template
from django.template.loader import render_to_string

from core.cache import cached

register = template.Library()

# How long the filter form's HTML is kept: as the pages it is part of.
FILTER_FIELDS_SECONDS = 600


@register.simple_tag(takes_context=True)
def filter_fields(context, party_choices, party, track):
    """The filter form's fields, cached under what they show: the parties offered (key and
    name) and the one chosen, the tracks and the one chosen, the moment's field as bound
    (its value and errors) and the language; live pages only (no moment asked). Rendered on every cold request of the
    dashboard, timeline, trend and switch-off pages (outside their cached content), it was
    1.3 ms of a cold dashboard's main template at the large scale: the 160 party options
    and the moment's widget."""
    form = context["form"]
    moment = form["som_den_var"]
    tracks = context.get("tracks")

    def render():
        return render_to_string(
            "reports/_filter_fields.html",
            {
                "party_choices": party_choices,
                "party": party,
                "track": track,
                "tracks": tracks,
                "form": form,
            },
        )

    if moment.value():
        # A moment asked for: its page is keyed by the moment's data, and a moment not
        # asked before would only add an entry (no read ahead there).
        return render()
    shows = repr(
        (
            [(p.key, p.name) for p in party_choices or ()],
            getattr(party, "key", None) if party else None,
            list(tracks or ()),
            track,
            form.is_bound,
            moment.value(),
            list(map(str, moment.errors)),
        )
    )
    return cached(
        "reports",
        ("filter-fields", 1, hashlib.sha256(shows.encode()).hexdigest()),
        render,
        seconds=FILTER_FIELDS_SECONDS,
    )
