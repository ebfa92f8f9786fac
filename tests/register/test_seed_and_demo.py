"""The register's seed facts (load_sor_roadmap) and the demo inventory (load_demo_data)."""

import pytest
from django.core.management import call_command

from register import selectors
from register.models import Entry

pytestmark = pytest.mark.django_db


@pytest.mark.with_seed
def test_load_sor_roadmap_adds_the_documents_entries_once_and_never_overwrites(editor, capsys):
    # The session's database is loaded as load_sor_roadmap loads it (tests/conftest.py).
    keys = set(Entry.objects.values_list("key", flat=True))
    assert {"sor", "shak-navigator", "sorls", "sorus", "sor-gui"} <= keys
    assert len([k for k in keys if k.startswith("lpr-indberetning-region-")]) == 5
    sorls = Entry.objects.get(key="sorls")
    assert sorls.is_nsp_service and sorls.state == "not_mapped" and not sorls.is_demo
    assert "SEARCH" in sorls.description
    assert [m.key for m in sorls.milestones.order_by("key")] == [
        "sorls-i-drift-paa-nsp",
        "sorls-udviklet-og-testet",
    ]
    navigator = Entry.objects.get(key="shak-navigator")
    assert navigator.state == "shak"
    assert navigator.history.earliest("history_date").history_change_reason == (
        "Indlæst fra kildedokumenterne"
    )
    # Someone records the closing; a second load leaves it as they wrote it.
    from register import services

    services.entry_state_set(
        entry_id=navigator.pk,
        version=navigator.version,
        user=editor,
        state="retired",
        date=navigator.created_at.date(),
        confirmed_by="SOR-teamet",
    )
    history = Entry.history.count()
    call_command("load_sor_roadmap")
    assert "allerede indlæst" in capsys.readouterr().out
    Entry.objects.filter(key="sorls").delete()  # a missing seed entry comes back
    call_command("load_sor_roadmap")
    assert "poster i SHAK-registeret: 1" in capsys.readouterr().out
    history = Entry.history.count()
    assert Entry.history.count() == history
    assert Entry.objects.get(key="shak-navigator").state == "retired"


def test_the_demo_inventory_is_marked_has_a_past_and_loads_once(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    demo = Entry.objects.filter(is_demo=True)
    assert 30 <= demo.count() <= 60
    assert set(demo.values_list("owner__kind", flat=True)) == {"ministry_group", "region"}
    assert {s for s in demo.values_list("state", flat=True)} >= {
        "not_mapped",
        "shak",
        "shak_plus",
        "shak_and_sor",
        "sor_only",
        "retired",
    }
    burndown = selectors.burndown()
    actual = [p.actual for p in burndown.points if p.actual is not None]
    assert len(actual) >= 12 and max(actual) > actual[-1]  # it burns down over the year
    history = Entry.history.count()
    call_command("load_demo_data")
    assert Entry.history.count() == history
