"""The iCal feeds (RFC 5545, written with the `icalendar` library): the plan's
milestones, the reporting rounds' deadlines and the steering group's meetings, each
showing only what the link's owner may read (`parties.access.Access`).

Every event has a stable UID (the record's kind and database id) and its version as
SEQUENCE, so a calendar moves an event when its date changes instead of adding a
second one. Dates of day precision are all-day events on that day; a coarser date
(month, quarter, year) is an all-day event on the period's last day, with the
precision in the title ("… (kvartal: 4. kvt. 2026)")."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from governance.models import Meeting
from milestones.dates import format_plan_date
from milestones.models import DatePrecision, Milestone, ReportingRound
from milestones.models.dates import period_end

UID_DOMAIN = "sorplan"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MEETING_LENGTH = datetime.timedelta(hours=2)
PRODID = "-//sorplan//Fuld overgang til SOR//DA"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    return cal


def _event(*, uid: str, summary: str, day: datetime.date, changed, sequence: int) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("dtstamp", changed or timezone.now())
    if changed:
        event.add("last-modified", changed)
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT")
    return event


def _title_with_precision(title: str, date: datetime.date, precision: str) -> str:
    if precision == DatePrecision.DAY:
        return title
    return _("%(title)s (%(precision)s: %(period)s)") % {
        "title": title,
        "precision": str(DatePrecision(precision).label).lower(),
        "period": format_plan_date(date, precision),
    }


def milestone_events(milestones, *, base_url: str) -> list[Event]:
    """One all-day event per dated milestone: its actual date once reached, else its
    forecast."""
    events = []
    for m in milestones:
        if m.actual_date:
            date, precision = m.actual_date, m.actual_precision
        elif m.forecast_date:
            date, precision = m.forecast_date, m.forecast_precision
        else:
            continue
        summary = _title_with_precision(m.title, date, precision)
        if m.status == Milestone.Status.DONE:
            summary = _("Nået: %(title)s") % {"title": summary}
        event = _event(
            uid=f"milestone-{m.pk}",
            summary=summary,
            day=period_end(date, precision),
            changed=m.updated_at,
            sequence=m.version,
        )
        url = base_url + reverse("milestones:milestone_detail", args=[m.key])
        party = m.activity.responsible_party
        event.add(
            "description",
            "\n".join(
                [
                    _("Aktivitet: %(title)s") % {"title": m.activity.title},
                    _("Ansvarlig part: %(party)s") % {"party": party.label},
                    _("Status: %(status)s") % {"status": m.get_status_display()},
                    url,
                ]
            ),
        )
        event.add("url", url)
        event.add("categories", [str(m.activity.get_track_display())])
        if m.status == Milestone.Status.CANCELLED:
            event.add("status", "CANCELLED")
        events.append(event)
    return events


def round_events(rounds, *, base_url: str) -> list[Event]:
    events = []
    for r in rounds:
        month = format_plan_date(r.period, DatePrecision.MONTH)
        event = _event(
            uid=f"reporting-round-{r.pk}",
            summary=_("Frist for fremdriftsrapportering, %(month)s") % {"month": month},
            day=r.due_on,
            changed=r.updated_at,
            sequence=int(r.updated_at.timestamp()) if r.updated_at else 0,
        )
        event.add("url", base_url + reverse("milestones:reporting_home"))
        events.append(event)
    return events


def meeting_events(meetings, *, base_url: str) -> list[Event]:
    events = []
    for m in meetings:
        title = (
            m.title if not m.is_draft else _("%(title)s (dagsorden i udkast)") % {"title": m.title}
        )
        event = _event(
            uid=f"steering-meeting-{m.pk}",
            summary=title,
            day=m.held_on,
            changed=m.updated_at,
            sequence=m.version,
        )
        if m.starts_at:
            start = datetime.datetime.combine(m.held_on, m.starts_at, tzinfo=COPENHAGEN)
            event.pop("dtstart")
            event.pop("dtend")
            event.add("dtstart", start)
            event.add("dtend", start + MEETING_LENGTH)
            event.pop("transp")
            event.add("transp", "OPAQUE")
        if m.place:
            event.add("location", m.place)
        url = base_url + reverse("governance:meeting_detail", args=[m.key])
        event.add("url", url)
        event.add("description", url)
        events.append(event)
    return events


# ---------------------------------------------------------------------------
# The feeds: which rows a person may read
# ---------------------------------------------------------------------------
FEEDS = ("milepaele", "rapportering", "moeder")


def feed_names() -> dict[str, str]:
    return {
        "milepaele": _("Milepæle"),
        "rapportering": _("Frister for fremdriftsrapportering"),
        "moeder": _("Styregruppemøder"),
    }


def may_read_feed(access, feed: str) -> bool:
    if feed == "milepaele":
        return access.can_read_programme
    if feed == "rapportering":
        return access.may_read_round_deadlines
    if feed == "moeder":
        return access.may_read_meetings
    return False


def milestones_for(filters: dict):
    """The milestones of the feed, narrowed by party, track and activity keys."""
    milestones = Milestone.objects.select_related("activity__responsible_party").order_by("pk")
    if party := filters.get("part"):
        milestones = milestones.filter(activity__responsible_party__key=party)
    if track := filters.get("spor"):
        milestones = milestones.filter(activity__track=track)
    if activity := filters.get("aktivitet"):
        milestones = milestones.filter(activity__key=activity)
    return milestones


def meetings_for(access):
    meetings = Meeting.objects.prefetch_related("participants").order_by("held_on", "pk")
    return [
        m
        for m in meetings
        if not m.is_draft
        or access.may_read_meeting_draft({p.user_id for p in m.participants.all()})
    ]


def feed_ical(access, feed: str, *, filters: dict, base_url: str) -> bytes:
    """The feed as iCalendar bytes, in Danish (the caller has checked `may_read_feed`)."""
    with translation.override("da"):
        cal = _calendar(_("sorplan: %(name)s") % {"name": feed_names()[feed]})
        if feed == "milepaele":
            events = milestone_events(milestones_for(filters), base_url=base_url)
        elif feed == "rapportering":
            rounds = ReportingRound.objects.order_by("period")
            events = round_events(rounds, base_url=base_url)
        else:
            events = meeting_events(meetings_for(access), base_url=base_url)
        for event in events:
            cal.add_component(event)
        cal.add_missing_timezones()
        return cal.to_ical()
