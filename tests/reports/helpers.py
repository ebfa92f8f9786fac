"""Plain helpers for the reports' tests, imported by name; the fixtures are in
this folder's conftest.py.

The dashboard, timeline and trend tests make a test party with its own
activities and milestones, written with backdated history where a test needs a
past.

The status report reads the plan as it stood at its moment (history), so the
known data set is written at chosen moments with time-machine: its setup a month
before the report's period, its changes inside the period, and the report is
made on the first working day after. The period is two months after the real
today, so it always lies after the SOR plan the session loaded.
"""

import datetime
import subprocess
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import time_machine
from django.test import override_settings
from django.utils import timezone, translation

from core.history import record_save, system_user_get
from milestones.dates import format_plan_date
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from milestones.rag import active_baseline, add_months
from milestones.workdays import first_working_day
from parties.models import Membership, Party
from tests.helpers import member, scope_transaction

# ---------------------------------------------------------------------------
# Dashboard data with a past
# ---------------------------------------------------------------------------
D = datetime.date
REASON = "Test"


def ago(days: float, hour: int = 12) -> datetime.datetime:
    """An aware moment `days` days before now (at `hour` o'clock, Copenhagen time)."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def save_at(instance, when: datetime.datetime | None = None, reason: str = REASON):
    """Save through the history helper, with the history row dated `when` (None: now)."""
    # simple-history keeps _history_date on the instance: set or clear it each time.
    if when is not None:
        instance._history_date = when
    elif hasattr(instance, "_history_date"):
        del instance._history_date
    return record_save(instance, user=system_user_get(), reason=reason)


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def make_party(key: str = "t-part", when=None, **kw) -> Party:
    return save_at(
        Party(
            key=key,
            name=kw.pop("name", f"Testpart {key}"),
            kind=Party.Kind.AUTHORITY,
            side=Party.Side.EXTERNAL,
            **kw,
        ),
        when,
    )


def make_activity(party: Party, key: str, when=None, **kw) -> Activity:
    kw.setdefault("track", Activity.Track.EXTERNAL)
    return save_at(
        Activity(key=key, title=kw.pop("title", f"Aktivitet {key}"), responsible_party=party, **kw),
        when,
    )


def make_milestone(
    activity: Activity, key: str, forecast=None, when=None, baseline=None, **kw
) -> Milestone:
    """A milestone; with `baseline` (a date) it gets an entry in the active baseline."""
    milestone = save_at(
        Milestone(
            key=key,
            title=kw.pop("title", f"Milepæl {key}"),
            activity=activity,
            forecast_date=forecast,
            **kw,
        ),
        when,
    )
    if baseline is not None:
        BaselineEntry.objects.create(
            baseline=Baseline.objects.get(is_active=True), milestone=milestone, date=baseline
        )
    return milestone


def change_at(milestone: Milestone, when=None, **changes) -> Milestone:
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.version += 1
    return save_at(milestone, when)


def depend(predecessor: Milestone, successor: Milestone, when=None) -> Dependency:
    return save_at(Dependency(predecessor=predecessor, successor=successor), when)


# ---------------------------------------------------------------------------
# The status report's known month
# ---------------------------------------------------------------------------
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")

SLIPPING_KEY = "sor-tilpasning-region-midtjylland-klar"
REACHED_KEY = "sorls-udviklet-og-testet"
STEADY_KEY = "kombit-pilot-gennemfoert"
MIDT_ACTIVITY = "sor-tilpasning-region-midtjylland"
RSI_ACTIVITY = "sor-i-regionernes-sundheds-it"
SLIP_REASON = "Leverandøren er forsinket med NSP-tilslutningen"
DONE_REASON = "Godkendt ved accepttest"
ACHIEVEMENT = "Testmiljøet i Aarhus kører med SOR-koder"
HELP_NEEDED = "Afklaring af ID27-kodelisten fra Sundhedsdatastyrelsen"


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CPH)


def report_period() -> datetime.date:
    """A month certainly after the session's plan load: two months from now."""
    return add_months(timezone.localdate().replace(day=1), 2)


def report_day(period: datetime.date) -> datetime.datetime:
    """07:00 on the first working day of the month after the period (when beat runs)."""
    return at(first_working_day(add_months(period, 1)), 7)


def da_date(date: datetime.date) -> str:
    with translation.override("da"):
        return format_plan_date(date, "day")


@dataclass
class KnownMonth:
    """What the known data set did, for the tests to look for."""

    period: datetime.date
    run_at: datetime.datetime
    editor: object
    slipping: Milestone
    reached: Milestone
    steady: Milestone
    baseline_date: datetime.date
    old_forecast: datetime.date
    new_forecast: datetime.date
    reached_on: datetime.date
    texts: dict = field(default_factory=dict)


def _set_baseline(milestone: Milestone, date: datetime.date) -> None:
    baseline = active_baseline()
    BaselineEntry.objects.update_or_create(
        baseline=baseline, milestone=milestone, defaults={"date": date, "precision": "day"}
    )


def _save_milestone(milestone: Milestone, *, user, reason: str, **values) -> Milestone:
    milestone.refresh_from_db()
    for name, value in values.items():
        setattr(milestone, name, value)
    milestone.version += 1
    return record_save(milestone, user=user, reason=reason)


def known_month_build(
    *,
    period: datetime.date | None = None,
    editor=None,
    slipping_title: str | None = None,
    update_texts: dict | None = None,
) -> KnownMonth:
    """Write the known data set around `period` (time travels; returns outside it).

    A month before the period: three milestones green on their baselines.
    In the period: one slips more than three months (red), one is reached,
    one stays; Region Midtjylland reports (RSI does not).
    """
    period = period or report_period()
    before = add_months(period, -1).replace(day=20)
    in_period = period.replace(day=10)
    baseline_date = add_months(period, 1).replace(day=15)
    new_forecast = add_months(baseline_date, 4)
    reached_on = period.replace(day=9)
    system = system_user_get()

    with time_machine.travel(at(before), tick=False):
        if editor is None:
            editor = member(
                "t-rapport-redaktoer",
                "sor-team",
                Membership.Role.EDITOR,
                first_name="Rikke",
                last_name="Redaktør",
            )
        slipping = Milestone.objects.get(key=SLIPPING_KEY)
        reached = Milestone.objects.get(key=REACHED_KEY)
        steady = Milestone.objects.get(key=STEADY_KEY)
        _set_baseline(slipping, baseline_date)
        _set_baseline(reached, period.replace(day=20))
        _set_baseline(steady, add_months(period, 3))
        extra = {"title": slipping_title} if slipping_title else {}
        _save_milestone(
            slipping, user=editor, reason="Plan lagt", forecast_date=baseline_date, **extra
        )
        _save_milestone(
            reached,
            user=editor,
            reason="Plan lagt",
            forecast_date=period.replace(day=20),
            status=Milestone.Status.IN_PROGRESS,
        )
        _save_milestone(
            steady, user=editor, reason="Plan lagt", forecast_date=add_months(period, 3)
        )

    with time_machine.travel(at(in_period), tick=False):
        _save_milestone(slipping, user=editor, reason=SLIP_REASON, forecast_date=new_forecast)
        _save_milestone(
            reached,
            user=editor,
            reason=DONE_REASON,
            status=Milestone.Status.DONE,
            actual_date=reached_on,
        )
        round_ = record_save(
            ReportingRound(
                period=period,
                opens_on=period,
                due_on=period.replace(day=25),
                created_by=system,
            ),
            user=system,
            reason="Runde oprettet",
        )
        midt = Party.objects.get(key="region-midtjylland")
        rsi = Party.objects.get(key="rsi")
        midt_activity = Activity.objects.get(key=MIDT_ACTIVITY)
        rsi_activity = Activity.objects.get(key=RSI_ACTIVITY)
        for party, activity in ((midt, midt_activity), (rsi, rsi_activity)):
            record_save(
                RoundObligation(round=round_, party=party, activity=activity),
                user=system,
                reason="Pligt",
            )
        texts = {
            "achievements": ACHIEVEMENT,
            "help_needed": HELP_NEEDED,
            "narrative": "Arbejdet skrider frem som planlagt.",
            "next_steps": "Produktion i næste kvartal.",
            **(update_texts or {}),
        }
        record_save(
            ProgressUpdate(
                round=round_,
                party=midt,
                activity=midt_activity,
                status=ProgressUpdate.Status.SUBMITTED,
                self_rag="yellow",
                self_rag_reason="En leverandør er lidt bagud.",
                percent_complete=60,
                submitted_at=timezone.now(),
                submitted_by=editor,
                **texts,
            ),
            user=editor,
            reason="Indsendt",
        )

    return KnownMonth(
        period=period,
        run_at=report_day(period),
        editor=editor,
        slipping=Milestone.objects.get(pk=slipping.pk),
        reached=Milestone.objects.get(pk=reached.pk),
        steady=Milestone.objects.get(pk=steady.pk),
        baseline_date=baseline_date,
        old_forecast=baseline_date,
        new_forecast=new_forecast,
        reached_on=reached_on,
        texts=texts,
    )


@contextmanager
def known_report_once(
    django_db_blocker, tmp_path_factory, then: Callable[[KnownMonth, object], object]
) -> Iterator[tuple[KnownMonth, object]]:
    """The known month's draft report, for the tests of a class (a render or a publish
    takes seconds): written once, in a transaction rolled back after the class's last test
    (`scope_transaction`), its files in a media folder of its own. `then(known, report)`
    runs on the new draft on the report's day (the clock stopped there), and what it
    returns comes back with the known month: `(known, then's result)`."""
    from reports import services

    media = tmp_path_factory.mktemp("media")
    with scope_transaction(django_db_blocker), override_settings(MEDIA_ROOT=media):
        with django_db_blocker.unblock():
            known = known_month_build()
            with time_machine.travel(known.run_at, tick=False):
                report, _ = services.status_report_generate(
                    period=known.period, user=system_user_get()
                )
                made = then(known, report)
        yield known, made


# ---------------------------------------------------------------------------
# PDF text
# ---------------------------------------------------------------------------
def pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text by pdftotext, whitespace collapsed."""
    path = tmp_path / f"t{time.monotonic_ns()}.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode("utf-8").split())


def published_report_make(period: datetime.date, content: bytes = b"%PDF-1.7 test\n%%EOF"):
    """A published report with a small stored PDF, for delivery tests."""
    from django.core.files.base import ContentFile

    from reports import services
    from reports.models import StatusReport

    report = StatusReport(
        period=period,
        as_of=services.report_as_of(period),
        status=StatusReport.Status.PUBLISHED,
        published_at=timezone.now(),
        snapshot={
            "period_label": "januar 2020",
            "overall": {"now": {"label": "Gul", "reason": "En milepæl er forsinket."}},
        },
        pdf_sha256="0" * 64,
    )
    report.pdf.save(report.filename, ContentFile(content), save=False)
    report.save()
    return report


# ---------------------------------------------------------------------------
# Governance records in the known month (written through governance's services)
# ---------------------------------------------------------------------------
@dataclass
class KnownGovernance:
    risk: object
    requested: object
    taken: object
    action: object
    exception: object


def known_governance_build(known: KnownMonth, texts: dict | None = None) -> KnownGovernance:
    """Governance records as they stand at the report's moment: written on the 12th of
    the period (a decision requested the month before is taken then). `texts` replaces
    the titles and texts, e.g. with hostile content."""
    from governance.services import records
    from tests.governance.helpers import make_action, make_decision, make_risk

    t = {
        "risk": "Leverandøren af EPJ når ikke SOR-opdateringen",
        "mitigation": "Ugentlig opfølgning med leverandøren.",
        "requested": "Skal bølge 2 udskydes?",
        "option": "Udskyd bølge 2 til 2027",
        "consequences": "Regionerne får tre måneder mere.",
        "recommendation": "SOR-teamet anbefaler at udskyde.",
        "taken": "Valg af testmiljø",
        "outcome": "Styregruppen valgte testmiljø B.",
        "action": "Send revideret tidsplan",
        "cause": "Leverandøren mangler folk.",
        "justification": "Regionerne er bagud, men indhenter.",
        **(texts or {}),
    }
    editor = known.editor
    with time_machine.travel(at(add_months(known.period, -1).replace(day=22)), tick=False):
        taken = make_decision(editor, title=t["taken"])
    with time_machine.travel(at(known.period.replace(day=12)), tick=False):
        risk = make_risk(
            editor, title=t["risk"], p=5, i=4, owner_person=editor, mitigation=t["mitigation"]
        )
        requested = make_decision(
            editor,
            title=t["requested"],
            options=[(t["option"], t["consequences"]), ("Fasthold planen", "")],
            recommendation=t["recommendation"],
            needed_by=add_months(known.period, 1).replace(day=20),
        )
        taken = records.decision_take(
            pk=taken.pk,
            version=taken.version,
            outcome=t["outcome"],
            decided_on=known.period.replace(day=12),
            user=editor,
        )
        action = make_action(
            editor, title=t["action"], owner_person=editor, due_on=known.period.replace(day=20)
        )
        exception = records.exception_raise(
            milestone=known.slipping,
            cause=t["cause"],
            consequences="Bølge 2 forsinkes.",
            options="Udskyd eller tilfør ressourcer.",
            recommendation="Tilfør ressourcer.",
            user=editor,
        )
        records.confidence_set(
            activity=None,
            level="amber_red",
            justification=t["justification"],
            version=0,
            user=editor,
        )
    return KnownGovernance(
        risk=risk, requested=requested, taken=taken, action=action, exception=exception
    )


def milestone_update_as_system(milestone: Milestone, **data) -> None:
    """`data` saved on the milestone through the plan's service, as the system user."""
    from milestones.services import plan as plan_services

    milestone.refresh_from_db()
    plan_services.milestone_update(
        milestone_id=milestone.pk,
        version=milestone.version,
        user=system_user_get(),
        data=data,
        reason="Test",
    )


def synthetic_programme(**scale) -> None:
    """The synthetic generator's programme of `scale` (`bench.loaddata.Scale`'s fields),
    rated by the rule and materialised (`status_rebuild`), as the bench's."""
    from bench.loaddata import Scale, load_data_generate
    from milestones.services.status import status_rebuild

    load_data_generate(scale=Scale(**scale))
    status_rebuild()
