"""reports.templatetags.board: the dashboard's long tables built in Python give the HTML
their templates gave (the templates as they were are written out here), escaped and
localised alike, in both languages."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from parties.models import Party
from reports.selectors.rounds import RoundPartyRow
from reports.selectors.snapshot import PartyRef

# `reports/_round_table.html` as it was, its rows a loop in the template.
ROUND_TABLE_AS_IT_WAS = """{% load i18n %}
<div class="sp-scroll"><table class="table table--compact sp-table">
  <thead><tr><th scope="col">{% translate "Part" %}</th><th scope="col">{% translate "Status" %}</th><th scope="col" class="sp-num">{% translate "Rapporteret" %}</th><th scope="col" class="sp-num">{% translate "Kladder" %}</th><th scope="col" class="sp-num">{% translate "Sendt retur" %}</th><th scope="col" class="sp-num">{% translate "Mangler" %}</th></tr></thead>
  <tbody>
  {% for r in rows %}
    <tr>
      <th scope="row">{{ r.party.name }}</th>
      <td><span class="sp-state sp-state--{{ r.state }}">{{ r.state_label }}</span></td>
      <td class="sp-num">{{ r.reported }}/{{ r.obligations }}</td>
      <td class="sp-num">{{ r.drafts }}</td>
      <td class="sp-num">{{ r.returned }}</td>
      <td class="sp-num">{{ r.missing }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table></div>
"""


def _party(n, name):
    return PartyRef(id=n, key=f"p{n}", name=name, label=name, kind=Party.Kind.REGION)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_round_rows_are_the_html_the_template_gave(language):
    rows = [
        RoundPartyRow(_party(1, "Region <Syd> & \"Øst\" 'x'"), 3, 3, 0, 0, False),
        RoundPartyRow(_party(2, "Kommune"), 4, 1, 2, 1, True),
        RoundPartyRow(_party(3, "Leverandør"), 2, 0, 0, 0, False),
        RoundPartyRow(_party(4, "Stor part"), 12345, 2, 1, 0, False),
    ]
    with translation.override(language):
        for shown in (rows, rows[1:2], []):
            old = Template(ROUND_TABLE_AS_IT_WAS).render(Context({"rows": shown}))
            new = render_to_string("reports/_round_table.html", {"rows": shown})
            assert new == old
            if shown == rows:
                assert "&lt;Syd&gt; &amp; &quot;Øst&quot; &#x27;x&#x27;" in new


# The party filter's options in `reports/_filter_fields.html` as they were, a loop.
PARTY_OPTIONS_AS_THEY_WERE = (
    '{% for p in party_choices %}<option value="{{ p.key }}"{% if party and p.key == party.key %}'
    " selected{% endif %}>{{ p.name }}</option>{% endfor %}"
)


@pytest.mark.django_db
def test_the_party_options_are_the_html_the_template_gave():
    from reports.templatetags.board import party_options

    refs = [
        _party(1, "Region <Syd> & \"Øst\" 'x'"),
        _party(2, "Kommune"),
        PartyRef(id=3, key="a&b", name="Nøgle med &", label="", kind=Party.Kind.REGION),
    ]
    models = list(Party.objects.order_by("name")[:5])
    assert models
    for choices, chosen in (
        (refs, None),
        (refs, refs[1]),
        (refs, refs[2]),
        (refs, _party(9, "Ikke blandt dem")),
        ([], refs[0]),
        (models, None),
        (models, models[-1]),
        (Party.objects.order_by("name")[:3], models[0]),
    ):
        old = Template(PARTY_OPTIONS_AS_THEY_WERE).render(
            Context({"party_choices": choices, "party": chosen})
        )
        assert str(party_options(choices, chosen)) == old
    safe = [PartyRef(id=4, key="s", name=mark_safe("<b>Sikker</b>"), label="", kind="")]
    assert str(party_options(safe)) == Template(PARTY_OPTIONS_AS_THEY_WERE).render(
        Context({"party_choices": safe})
    )
    assert 'value="p2" selected>Kommune<' in str(party_options(refs, refs[1]))
    assert "&lt;Syd&gt; &amp; &quot;Øst&quot; &#x27;x&#x27;" in str(party_options(refs))
