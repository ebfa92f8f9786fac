"""The status report's section "Kan SHAK slukkes?": its figures and text in the PDF
for a known month with a register, and a published report keeping them after the
register changes."""

import pytest
import time_machine
from django.utils import timezone

from core.history import system_user_get
from milestones.rag import add_months
from parties.models import Party
from register import services as register_services
from register.models import Entry, Step
from reports import services
from reports.selectors import switch_off as gate
from tests.helpers import entry_state_move
from tests.reports.helpers import at, known_month_build, pdf_text

pytestmark = pytest.mark.django_db


def _entry(user, key, owner_key, name, state, **extra) -> Entry:
    data = {
        "key": key,
        "name": name,
        "kind": extra.pop("kind", Entry.Kind.SYSTEM),
        "owner": Party.objects.get(key=owner_key),
        "state": state,
        **extra,
    }
    return register_services.entry_create(user=user, data=data, reason="Testdata")


def known_register_build(known) -> None:
    """A month before the period: four entries (SHAK, not mapped, SHAK and SOR, SHAK).
    In the period: the NSP service moves to "kun SOR", the laboratory system is mapped
    (SHAK), and a new entry is added, not mapped (new, so not a move)."""
    # The register's counts are exact: without the seed's entries and their history.
    Entry.objects.all().delete()
    Entry.history.all().delete()
    Step.history.all().delete()
    editor = known.editor
    with time_machine.travel(at(add_months(known.period, -1).replace(day=20)), tick=False):
        _entry(editor, "t-midt-epj", "region-midtjylland", "Midt EPJ", "shak")
        _entry(editor, "t-syd-lab", "region-syddanmark", "Syd laboratoriesystem", "not_mapped")
        _entry(
            editor,
            "t-sds-nsp",
            "sds",
            "NSP-opslag",
            "shak_and_sor",
            kind=Entry.Kind.SERVICE,
            is_nsp_service=True,
        )
        _entry(editor, "t-sum-reg", "sum-koncernen", "Koncernregister", "shak")
    with time_machine.travel(at(known.period.replace(day=12)), tick=False):
        entry_state_move(
            "t-sds-nsp",
            "sor_only",
            user=editor,
            date=known.period.replace(day=11),
            confirmed_by="Systemejeren",
        )
        entry_state_move("t-syd-lab", "shak", user=editor)
        _entry(editor, "t-sum-ny", "sum-koncernen", "Nyt koncernsystem", "not_mapped")


@pytest.fixture
def known(db):
    known = known_month_build()
    known_register_build(known)
    return known


def _draft(known):
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        return report, services.status_report_data(report), services.status_report_pdf(report)


def test_the_section_figures_for_a_known_month(known):
    _report, data, _content = _draft(known)
    section = data["switch_off"]
    readiness = section["readiness"]
    assert {k: readiness[k] for k in ("total", "depending", "not_mapped", "done")} == {
        "total": 5,
        "depending": 4,
        "not_mapped": 1,
        "done": 1,
    }
    assert readiness["before"] == {"total": 4, "depending": 4, "not_mapped": 1, "done": 0}
    assert readiness["change"] == {
        "total": "+1",
        "depending": "\u00b10",
        "not_mapped": "\u00b10",
        "done": "+1",
    }
    assert {s["state"]: (s["before"], s["count"], s["change"]) for s in readiness["by_state"]} == {
        "not_mapped": (1, 1, "\u00b10"),
        "shak": (2, 3, "+1"),
        "shak_plus": (0, 0, "\u00b10"),
        "shak_and_sor": (1, 0, "\u22121"),
        "sor_only": (0, 1, "+1"),
        "retired": (0, 0, "\u00b10"),
    }
    assert [(m["key"], m["from"], m["to"]) for m in section["moved"]] == [
        ("t-syd-lab", "not_mapped", "shak"),
        ("t-sds-nsp", "shak_and_sor", "sor_only"),
    ]
    assert section["moved_total"] == 2
    assert section["verdict"] == "no"
    assert section["answer"].startswith(
        "Nej: 3 poster i registeret bruger stadig SHAK; 1 er ikke kortlagt;"
    )
    assert [c["key"] for c in section["conditions"]] == [
        "register_sor",
        "register_mapped",
        "regions",
        "municipalities",
        "medcom",
    ]
    assert section["burndown"]["svg"].startswith("<svg")
    # The burn-down from history: four depending at the end of the month before, four now.
    assert section["burndown"]["points"][0]["actual"] == 4


def test_the_section_text_in_the_pdf(known, tmp_path):
    _report, data, content = _draft(known)
    text = pdf_text(content, tmp_path)
    start = text.index("7. Kan SHAK slukkes?")
    section = text[start : text.index("9. Tidslinje", start)]
    assert data["switch_off"]["answer"] in section
    assert "Nej: 3 poster i registeret bruger stadig SHAK; 1 er ikke kortlagt" in section
    for words in (
        "poster i registeret afhænger stadig af SHAK er ikke kortlagt bruger kun SOR eller er udfaset",
        f"Ændring siden {data['since_label']}: afhænger af SHAK \u00b10, ikke kortlagt \u00b10, kun SOR eller udfaset +1",
        "Ikke kortlagt 1 1 \u00b10 SHAK 2 3 +1 SHAK+ 0 0 \u00b10 SHAK og SOR 1 0 \u22121 Kun SOR 0 1 +1",
        "Kun SOR 0 1 +1",
        "Betingelser for at slukke SHAK",
        "Alle poster er kortlagt Ikke opfyldt 1 post er ikke kortlagt.",
        "Følges endnu ikke",
        "Udbrænding: poster, der stadig bruger SHAK",
        "Poster, der stadig bruger SHAK, pr. månedsafslutning",
        "Poster, der har skiftet SHAK-anvendelse i perioden",
        "Syd laboratoriesystem Ikke kortlagt SHAK",
        "SHAK og SOR Kun SOR",
        "NSP-opslag",
        "Rikke Redaktør",
    ):
        assert words in section, words
    # Added in the period, not mapped: not a move.
    assert "Nyt koncernsystem" not in section


def test_a_published_report_keeps_its_figures_after_a_register_change(
    known, report_media, tmp_path, django_capture_on_commit_callbacks
):
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        with django_capture_on_commit_callbacks(execute=False):
            report, _now = services.status_report_publish(report_id=report.pk, user=known.editor)
    frozen = dict(report.snapshot["switch_off"])
    assert frozen["readiness"]["done"] == 1

    # After publishing: two more entries reach "kun SOR" and one is retired.
    day = timezone.localdate()
    for key in ("t-midt-epj", "t-sum-reg"):
        entry_state_move(key, "sor_only", user=known.editor, date=day, confirmed_by="Systemejeren")
    entry_state_move(
        "t-sum-ny", "retired", user=known.editor, date=day, confirmed_by="Systemejeren"
    )
    assert gate.switch_off().readiness.done == 4

    report.refresh_from_db()
    assert report.snapshot["switch_off"] == frozen
    assert services.status_report_data(report)["switch_off"] == frozen
    text = pdf_text(services.status_report_pdf(report), tmp_path)
    assert frozen["answer"] in text
    assert "SHAK og SOR 1 0 \u22121 Kun SOR 0 1 +1" in text


def test_moved_entries_are_capped_in_order_and_all_counted(known, monkeypatch):
    """Only the first moved entries (by owner and name) are worded and shown; the rest
    are counted."""
    from reports import report_switch_off

    monkeypatch.setattr(report_switch_off, "MOVED_LIMIT", 1)
    _report, data, _content = _draft(known)
    section = data["switch_off"]
    assert section["moved_total"] == 2
    (first,) = section["moved"]
    # The first of the two by owner and name, as in the uncapped list.
    assert (first["key"], first["from"], first["to"]) == ("t-syd-lab", "not_mapped", "shak")
    assert first["who"] and first["when"] and first["from_label"] and first["to_label"]


def test_the_figures_at_the_previous_moment_are_those_of_the_registers_readiness(known):
    """The previous moment's figures are counted from the entries as they stood alone
    (the report rates no step for them); they are `register.selectors.readiness`'s."""
    from register import selectors as register_selectors
    from reports import report_switch_off

    for day in (known.period.replace(day=1), known.period.replace(day=12)):
        moment = at(day)
        rows = register_selectors.entry_rows(moment)
        assert report_switch_off._figures_of(rows) == report_switch_off._figures(
            register_selectors.readiness(at=moment)
        )
