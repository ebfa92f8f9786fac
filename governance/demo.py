"""The steering group's records for the demo: a held meeting with minutes, a decision
taken there and the actions agreed, the next meeting with its agenda drafted from the
records, a handful of risks (one in the top band, one past its review date), an issue
and an open decision request with its options.

Everything is illustrative and says so: every title ends in "(demo)" and every key
starts with "demo-". Written through the governance services (history with who and
why), then the history is dated back to when a real programme would have written it,
so the logs at a past moment have a past. Safe to run again: once the demo meeting
exists, nothing is written.

What the records say is data, in `demo_records.toml`; this module writes them."""

import datetime
import tomllib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from milestones.models import Activity, Milestone
from parties.models import Party

from .models import Decision, Meeting
from .services import records
from .services.meetings import (
    meeting_action_record,
    meeting_create,
    meeting_decision_record,
    meeting_minutes_save,
    meeting_participants_set,
)

REASON = "Demodata (illustrativ)"
RECORDS = Path(__file__).with_name("demo_records.toml")
PARTY_KEYS = ("sor-team", "rsi", "medcom", "kombit", "sds")
HELD_MEETING_KEY = "demo-styregruppemoede-forrige"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _backdate(record, day: datetime.date) -> None:
    """Date a record's history (and its creation) back to `day`: the demo's past."""
    model = type(record)
    rows = model.history.filter(id=record.pk).order_by("history_id")
    for n, row_id in enumerate(rows.values_list("history_id", flat=True)):
        # A minute apart, in the order they were written: "as it stood" stays unambiguous.
        moment = _at(day) + datetime.timedelta(minutes=n)
        model.history.filter(history_id=row_id).update(history_date=moment)
    if hasattr(record, "created_at"):
        model.objects.filter(pk=record.pk).update(created_at=_at(day))


def _party(key: str) -> Party | None:
    return Party.objects.filter(key=key).first()


def _links(*, activities=(), milestones=()) -> dict:
    return {
        "activities": list(Activity.objects.filter(key__in=activities)),
        "milestones": list(Milestone.objects.filter(key__in=milestones)),
    }


def governance_demo_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo's governance records once."""
    if Meeting.objects.filter(key=HELD_MEETING_KEY).exists():
        return {}
    if Party.objects.filter(key__in=PARTY_KEYS).count() < len(PARTY_KEYS):
        return {}  # the SOR plan's parties are not loaded
    today = today or timezone.localdate()
    with transaction.atomic():
        return _load(by=by, today=today, demo=tomllib.loads(RECORDS.read_text("utf-8")))


def _data(entry: dict, today: datetime.date) -> dict:
    """A record's fields from its entry in `demo_records.toml`: `*_days` dates from today,
    `*_party` parties by key, `activities` links by key; `written` the day its history is
    dated back to."""
    data = {}
    for name, value in entry.items():
        if name.endswith("_days"):
            data[name.removesuffix("_days")] = today + datetime.timedelta(days=value)
        elif name.endswith("_party"):
            data[name] = _party(value)
        elif name == "activities":
            data.update(_links(activities=value))
        else:
            data[name] = value
    return data


def _load(*, by, today: datetime.date, demo: dict) -> dict[str, int]:
    users = get_user_model().objects
    created = dict.fromkeys(("risici", "problemer", "beslutninger", "handlinger", "møder"), 0)

    def made(kind: str, record, written: datetime.date | None):
        if written is not None:
            _backdate(record, written)
        created[kind] += 1
        return record

    def write(kind: str, entries, create) -> dict:
        """Each entry through `create(data)`, dated back; the records by key."""
        done = {}
        for entry in entries:
            data = _data(entry, today)
            written = data.pop("written", None)
            done[data["key"]] = made(kind, create(data), written)
        return done

    risks = write(
        "risici", demo["risks"], lambda d: records.risk_create(data=d, user=by, reason=REASON)
    )
    write(
        "problemer", demo["issues"], lambda d: records.issue_create(data=d, user=by, reason=REASON)
    )
    decisions = write(
        "beslutninger",
        demo["decisions"],
        lambda d: records.decision_request(
            data=d, options=[tuple(o) for o in d.pop("options")], user=by, reason=REASON
        ),
    )
    held_entry, next_entry = demo["meetings"]
    meeting = made("møder", _meeting(held_entry, today, by), None)
    held_on = meeting.held_on
    meeting_participants_set(
        meeting=meeting,
        users=[
            u for u in (users.filter(username=n).first() for n in ("styregruppe", "redaktoer")) if u
        ],
        others=[
            ("Repræsentant for RSI (demo)", _party("rsi")),
            ("Repræsentant for KOMBIT (demo)", _party("kombit")),
        ],
        by=by,
    )
    taken = next(iter(decisions.values()))
    meeting_decision_record(
        meeting=meeting,
        decision_id=taken.pk,
        version=taken.version,
        outcome="Baselinen er godkendt; status måles mod den fra næste måned.",
        user=by,
    )
    for entry in demo["agreed_actions"]:
        data = _data(entry, today)
        status = data.pop("status")
        action = meeting_action_record(meeting=meeting, data=data, user=by)
        if status != action.status:
            records.action_progress(
                pk=action.pk,
                version=action.version,
                status=status,
                progress_note="Afholdt; referat sendt til styregruppen (demo).",
                user=by,
                reason=REASON,
            )
        made("handlinger", action, held_on)
    write(
        "handlinger",
        demo["actions"],
        lambda d: records.action_create(
            data={**d, "risk": risks[d["risk"]]}, user=by, reason=REASON
        ),
    )
    meeting = Meeting.objects.get(pk=meeting.pk)
    meeting_minutes_save(
        pk=meeting.pk,
        version=meeting.version,
        minutes=(
            "Referat (demo)\n\n1. Status: samlet status gul; ID27 er den største risiko.\n"
            "2. Baselinen blev godkendt.\n3. RSI sender planen for ID27-test."
        ),
        held=True,
        user=by,
        reason=REASON,
    )
    _backdate(meeting, held_on)
    for n, row_id in enumerate(
        Decision.history.filter(id=taken.pk, history_type="~")
        .order_by("history_id")
        .values_list("history_id", flat=True)
    ):  # taken at the meeting, after the request was made
        Decision.history.filter(history_id=row_id).update(
            history_date=_at(held_on, 15) + datetime.timedelta(minutes=n)
        )
    made("møder", _meeting(next_entry, today, by), None)
    return created


def _meeting(entry: dict, today: datetime.date, by) -> Meeting:
    data = {**_data(entry, today), "starts_at": datetime.time(13, 0)}
    return meeting_create(data=data, user=by, reason=REASON)
