"""'Kan SHAK slukkes?': the switch-off gate, composed from the SHAK dependency
register, the regions' milestones, KOMBIT's roll-out and MedCom's certification
matrix, with the register's readiness and burn-down.

One place answers the question for the page, the dashboard and the PDF. Every
figure honours the point in time (`at`) and the filters by party and track.
"""

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.cache import cached, kept, stamp
from core.history import as_of_queryset, changed_since
from medcom import selectors as medcom_selectors
from medcom.models import Certification, MessageType
from milestones.models import Activity, Milestone, MunicipalityRollout
from parties.models import Party
from register import selectors as register_selectors
from register.models import ShakState

from .. import moment_store
from . import snapshot
from .status import CACHE_SECONDS

HOLDS, FAILS, NOT_TRACKED, NOT_APPLICABLE = "holds", "fails", "not_tracked", "not_applicable"


@dataclass
class Condition:
    """One condition of the gate: holds, fails (with how many are left) or not tracked."""

    key: str
    title: str
    status: str
    count: int = 0
    total: int = 0
    detail: str = ""
    url: str = ""
    left: list[tuple[str, str]] = field(default_factory=list)  # (name, url) of what is left

    @property
    def holds(self) -> bool:
        return self.status == HOLDS

    @property
    def status_label(self) -> str:
        return {
            HOLDS: _("Opfyldt"),
            FAILS: _("Ikke opfyldt"),
            NOT_TRACKED: _("Følges endnu ikke"),
            NOT_APPLICABLE: _("Ikke omfattet af filtret"),
        }[self.status]


@dataclass
class SwitchOff:
    at: datetime.datetime | None
    today: datetime.date
    party: Party | None
    track: str | None
    readiness: register_selectors.Readiness
    burndown: register_selectors.Burndown | None
    conditions: list[Condition]
    answer: str
    verdict: str  # "yes", "no", "undecided"
    # The stamp of the plan (and the parties) the figures were read under.
    plan_version: tuple = ()

    @property
    def is_past(self) -> bool:
        return self.at is not None


def _register_url(**params) -> str:
    return reverse("register:entry_list") + ("?" + urlencode(params) if params else "")


def _region_ids(party: Party | None) -> set[int] | None:
    """The regions a party filter covers (None: all; empty: none)."""
    regions = set(Party.objects.regions().values_list("pk", flat=True))
    if party is None:
        return regions
    if party.kind == Party.Kind.REGION:
        return {party.pk}
    coordinated = set(party.coordinated_parties.values_list("pk", flat=True))
    return regions & coordinated


def _regions_condition(at, party, track) -> Condition:
    """Every region ready: every milestone of the activities a region is responsible
    for is reached (as the plan stood at `at`)."""
    title = _("Alle regioner er klar til fuld SOR-anvendelse")
    region_ids = _region_ids(party)
    if (track and track != Activity.Track.EXTERNAL) or not region_ids:
        return Condition("regions", title, NOT_APPLICABLE)
    activities = {
        row["id"]: row["responsible_party_id"]
        for row in snapshot.rows(
            Activity, at, ("id", "responsible_party_id"), responsible_party_id__in=region_ids
        )
    }
    open_by_region: dict[int, int] = {pk: 0 for pk in region_ids}
    # The open milestones per activity as they stood, by one aggregate.
    for activity_id, n in (
        as_of_queryset(Milestone, at)
        .filter(activity_id__in=list(activities))
        .exclude(status__in=(Milestone.Status.DONE, Milestone.Status.CANCELLED))
        .values_list("activity_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        open_by_region[activities[activity_id]] += n
    names = dict(Party.objects.filter(pk__in=region_ids).values_list("pk", "name"))
    keys = dict(Party.objects.filter(pk__in=region_ids).values_list("pk", "key"))
    not_ready = sorted((names[pk], pk) for pk, n in open_by_region.items() if n)
    return Condition(
        "regions",
        title,
        FAILS if not_ready else HOLDS,
        count=len(not_ready),
        total=len(region_ids),
        detail=ngettext(
            "%(n)s af %(total)s regioner er ikke klar.",
            "%(n)s af %(total)s regioner er ikke klar.",
            len(not_ready),
        )
        % {"n": len(not_ready), "total": len(region_ids)},
        left=[(name, reverse("parties:detail", args=[keys[pk]])) for name, pk in not_ready],
    )


def _municipalities_condition(at, party, track) -> Condition:
    """Every municipality in production on SORUS through FK-OSS (KOMBIT's roll-out)."""
    title = _("Alle kommuner er i produktion")
    if track and track != Activity.Track.EXTERNAL:
        return Condition("municipalities", title, NOT_APPLICABLE)
    municipalities = Party.objects.municipalities()
    if party is not None:
        if party.kind == Party.Kind.REGION:
            municipalities = municipalities.filter(region=party)
        elif party.kind == Party.Kind.MUNICIPALITY:
            municipalities = municipalities.filter(pk=party.pk)
        elif not party.coordinated_parties.municipalities().exists():
            return Condition("municipalities", title, NOT_APPLICABLE)
    ids = set(municipalities.values_list("pk", flat=True))
    if not ids:
        return Condition("municipalities", title, NOT_APPLICABLE)
    in_production = {
        row["municipality_id"]
        for row in snapshot.rows(
            MunicipalityRollout,
            at,
            ("municipality_id",),
            status=MunicipalityRollout.Status.IN_PRODUCTION,
        )
    } & ids
    left = len(ids) - len(in_production)
    return Condition(
        "municipalities",
        title,
        FAILS if left else HOLDS,
        count=left,
        total=len(ids),
        detail=ngettext(
            "%(n)s af %(total)s kommuner er ikke i produktion.",
            "%(n)s af %(total)s kommuner er ikke i produktion.",
            left,
        )
        % {"n": left, "total": len(ids)},
        url=reverse("milestones:rollout"),
    )


def _medcom_condition(at) -> Condition:
    """Every message type certified and in production for every supplier system that
    sends or receives it: every row of MedCom's matrix "i produktion med
    SOR-adressering". Not tracked while the matrix holds no message type or row."""
    title = _(
        "Alle MedCom-meddelelsestyper er certificeret og i produktion for alle "
        "leverandørsystemer, der sender eller modtager dem"
    )
    status = medcom_selectors.gate(at=at)
    if not status.tracked:
        return Condition(
            "medcom",
            title,
            NOT_TRACKED,
            detail=_("MedComs certificeringsmatrix har endnu ingen meddelelsestyper og rækker."),
            url=reverse("medcom:matrix"),
        )
    return Condition(
        "medcom",
        title,
        FAILS if status.not_ready else HOLDS,
        count=status.not_ready,
        total=status.total,
        detail=ngettext(
            "%(n)s af %(total)s rækker (system × meddelelsestype × retning) er ikke i "
            "produktion med SOR-adressering.",
            "%(n)s af %(total)s rækker (system × meddelelsestype × retning) er ikke i "
            "produktion med SOR-adressering.",
            status.not_ready,
        )
        % {"n": status.not_ready, "total": status.total},
        url=reverse("medcom:matrix"),
        left=[
            (what, reverse("medcom:message_type_detail", args=[key]) if key else "")
            for what, key in status.left
        ],
    )


def _register_figures(at, today, party, track, with_burndown, *, plan, part):
    """The register's readiness and burn-down. Now, from the materialised readiness
    while it is of today, cached under its stamp (`readiness_mark`, which an edit that
    changes no figure, a description, leaves) and the plan's (the parties' names, the
    switch-off milestone; without the burn-down the parties' alone); else from the rows as they stood, read once for both and
    cached under the steering group's stamp at that moment."""
    owner_ids = register_selectors.owner_ids_for(party)
    mark = register_selectors.readiness_mark(today) if at is None and not track else None

    def build():
        standing = (
            None
            if mark is not None
            else register_selectors.standing_at(at, owner_ids=owner_ids, track=track)
        )
        materialised = mark is not None
        readiness = register_selectors.readiness(
            at=at, owner_ids=owner_ids, track=track, standing=standing, materialised=materialised
        )
        burndown = (
            register_selectors.burndown(
                at=at,
                owner_ids=owner_ids,
                track=track,
                standing=standing,
                materialised=materialised,
            )
            if with_burndown
            else None
        )
        return readiness, burndown

    # The figures read of the plan only the parties' names, and the burn-down (the page's)
    # the switch-off milestone's date, where its lines end: a milestone edit that moves
    # neither leaves them (a forecast moved of any other milestone).
    if mark is not None:
        plan_read = parties_part(plan) if plan else ()
        if with_burndown:
            plan_read = (plan_read, register_selectors.switch_off_date(at))
    return part(
        "switch-off-register",
        (
            (mark, plan_read) if mark is not None else snapshot.data_version(at),
            today,
            at,
            party.pk if party else None,
            track,
            with_burndown,
        ),
        build,
    )


# What the regions' and the municipalities' conditions read: of the milestones only
# their status and activity (`_regions_condition`), so a forecast moved leaves them.
CONDITION_MODELS = (Party, Activity, MunicipalityRollout)
CONDITION_MILESTONE_FIELDS = ("status", "activity_id")


@dataclass
class KeptAcrossForecasts:
    """A result now, and the newest milestone history it was built at."""

    value: object
    watermark: int


def kept_across_forecasts(namespace: str, parts: tuple, build, *, plan: tuple):
    """`build()` of what reads of the plan only the regions' and the municipalities'
    conditions' models and fields (`CONDITION_MODELS`, `CONDITION_MILESTONE_FIELDS`),
    cached under `parts` and their stamps (taken from the plan's, `plan`: no query), kept
    across the milestone edits that change no milestone's status or activity, nor add or
    delete one (a forecast moved: `core.history.changed_since`, two small queries)."""
    watermark = _history_id(_plan_part(plan, (Milestone,))[0])
    return kept(
        namespace,
        (*parts, _plan_part(plan, CONDITION_MODELS)),
        lambda: KeptAcrossForecasts(build(), watermark),
        still_holds=lambda found: (
            found.watermark == watermark
            or not changed_since(Milestone, found.watermark, CONDITION_MILESTONE_FIELDS)
        ),
        seconds=CACHE_SECONDS,
    ).value


def _plan_conditions(at, party, track, *, plan, cache_parts) -> list[Condition]:
    """The regions' and the municipalities' conditions. At a past moment cached under the
    stamp of the plan then (`snapshot.plan_version`): later edits leave them. Now, kept
    across the milestone edits that change neither (`kept_across_forecasts`); a register
    edit leaves them either way."""

    def build():
        return [_regions_condition(at, party, track), _municipalities_condition(at, party, track)]

    if not cache_parts:
        return build()
    party_pk = party.pk if party else None
    if at is not None:
        return cached("switch-off-plan", (plan, at, party_pk, track), build, seconds=CACHE_SECONDS)
    return kept_across_forecasts("switch-off-plan", ("now", 2, party_pk, track), build, plan=plan)


def _plan_part(plan: tuple, models) -> tuple:
    """The stamp of `models` (of `snapshot.PLAN_MODELS`) taken from the plan's stamp
    (`snapshot.plan_version`: two values per model, in order): no query."""
    index = {model: i for i, model in enumerate(snapshot.PLAN_MODELS)}
    return tuple(v for model in models for v in plan[2 * index[model] : 2 * index[model] + 2])


def parties_part(plan: tuple) -> tuple:
    """The parties' stamp taken from the plan's (`snapshot.plan_version`): no query."""
    return _plan_part(plan, (Party,))


def _history_id(value: str) -> int:
    """A stamp's history id (`core.cache.stamp` gives text; "None" for an empty table)."""
    return int(value) if value not in ("None", "") else 0


def _answer(readiness, conditions) -> tuple[str, str]:
    reasons = []
    uses_shak = readiness.depending - readiness.not_mapped
    if uses_shak:
        reasons.append(
            ngettext(
                "%(n)s post i registeret bruger stadig SHAK",
                "%(n)s poster i registeret bruger stadig SHAK",
                uses_shak,
            )
            % {"n": uses_shak}
        )
    if readiness.not_mapped:
        reasons.append(
            ngettext("%(n)s er ikke kortlagt", "%(n)s er ikke kortlagt", readiness.not_mapped)
            % {"n": readiness.not_mapped}
        )
    by_key = {c.key: c for c in conditions}
    if by_key["regions"].status == FAILS:
        n = by_key["regions"].count
        reasons.append(
            ngettext("%(n)s region er ikke klar", "%(n)s regioner er ikke klar", n) % {"n": n}
        )
    if by_key["municipalities"].status == FAILS:
        n = by_key["municipalities"].count
        reasons.append(
            ngettext("%(n)s kommune er ikke i produktion", "%(n)s kommuner er ikke i produktion", n)
            % {"n": n}
        )
    if by_key["medcom"].status == FAILS:
        n = by_key["medcom"].count
        reasons.append(
            ngettext(
                "%(n)s MedCom-række er ikke i produktion med SOR-adressering",
                "%(n)s MedCom-rækker er ikke i produktion med SOR-adressering",
                n,
            )
            % {"n": n}
        )
    if reasons:
        return _("Nej: %(reasons)s.") % {"reasons": "; ".join(reasons)}, "no"
    untracked = [c.title for c in conditions if c.status == NOT_TRACKED]
    if untracked:
        return (
            _("Ikke afgjort: alt, der følges, er klar, men %(what)s følges endnu ikke.")
            % {"what": ", ".join(t[:1].lower() + t[1:] for t in untracked)},
            "undecided",
        )
    return _("Ja: alle betingelser for at slukke SHAK er opfyldt."), "yes"


def switch_off(
    *,
    at: datetime.datetime | None = None,
    party: Party | None = None,
    track: str | None = None,
    with_burndown: bool = True,
    cache_parts: bool = False,
) -> SwitchOff:
    """The gate, the readiness figures and the burn-down, as they stood at `at`
    (the dashboard's summary leaves the burn-down out).

    `cache_parts` (the page and the dashboard's section, which cache the whole under
    the steering group's stamp): each part cached under the stamp of what it reads,
    so after a register edit the plan's conditions and MedCom's are not read again,
    nor the register's figures when the edit changed none of them."""
    if at is not None and at >= timezone.now():
        at = None
    if at is not None and cache_parts and not with_burndown:
        # The dashboard's summary at a past moment: stored once computed
        # (`reports.moment_store`), read by every worker after the summary's cache.
        today = timezone.localdate(at)
        result = moment_store.stored_or_built(
            moment_store.SWITCH_OFF,
            moment_parts(at, today, party, track),
            today,
            lambda: _switch_off(at, today, party, track, with_burndown, cache_parts),
        )
        # The figures hold for the data as it stood and the day; the moment and the
        # party are those asked for.
        result.at, result.party = at, party
        return result
    today = timezone.localdate(at) if at else timezone.localdate()
    return _switch_off(at, today, party, track, with_burndown, cache_parts)


def moment_parts(at: datetime.datetime, today: datetime.date, party, track) -> tuple:
    """The stored summary's key parts at a past moment (`moment_store.key_of`): what its
    parts are cached under (the steering group's stamp and MedCom's at the moment, the
    day) and the parties now (the regions' and municipalities' conditions name the
    parties as they are), with the filters."""
    return (
        "switch-off-summary",
        1,
        snapshot.data_version(at),
        stamp(models=(Certification, MessageType), at=at),
        stamp(models=(Party,)),
        today.isoformat(),
        party.pk if party else None,
        track or None,
    )


def summary_computed(at: datetime.datetime, today: datetime.date) -> SwitchOff:
    """The unfiltered dashboard summary at a past moment, computed (for the store)."""
    return _switch_off(at, today, None, None, False, True)


def _switch_off(at, today, party, track, with_burndown, cache_parts) -> SwitchOff:
    """`switch_off` computed."""
    # The parts' keys (and what the result says it was read under) only when cached: the
    # monthly report's figures read the plan's stamp at a moment for nothing otherwise.
    plan = snapshot.plan_version(at) if cache_parts else ()

    def part(namespace, parts, build):
        return cached(namespace, parts, build, seconds=CACHE_SECONDS) if cache_parts else build()

    readiness, burndown = _register_figures(
        at, today, party, track, with_burndown, plan=plan, part=part
    )
    params = {"part": party.key} if party else {}
    register_conditions = [
        Condition(
            "register_sor",
            _("Ingen post i registeret bruger SHAK (alle er “Kun SOR” eller “Udfaset”)"),
            FAILS if readiness.depending else HOLDS,
            count=readiness.depending,
            total=readiness.total,
            detail=ngettext(
                "%(n)s af %(total)s poster bruger stadig SHAK eller er ikke kortlagt.",
                "%(n)s af %(total)s poster bruger stadig SHAK eller er ikke kortlagt.",
                readiness.depending,
            )
            % {"n": readiness.depending, "total": readiness.total},
            url=_register_url(tilstand="depending", **params),
        ),
        Condition(
            "register_mapped",
            _("Alle poster er kortlagt"),
            FAILS if readiness.not_mapped else HOLDS,
            count=readiness.not_mapped,
            total=readiness.total,
            detail=ngettext(
                "%(n)s post er ikke kortlagt.",
                "%(n)s poster er ikke kortlagt.",
                readiness.not_mapped,
            )
            % {"n": readiness.not_mapped},
            url=_register_url(tilstand=ShakState.NOT_MAPPED, **params),
        ),
    ]
    conditions = [
        *register_conditions,
        *_plan_conditions(at, party, track, plan=plan, cache_parts=cache_parts),
        # What MedCom's gate reads (its page's stamp also watches the register).
        part(
            "switch-off-medcom",
            (stamp(models=(Certification, MessageType), at=at), at),
            lambda: _medcom_condition(at),
        ),
    ]
    answer, verdict = _answer(readiness, conditions)
    return SwitchOff(
        at=at,
        today=today,
        party=party,
        track=track,
        readiness=readiness,
        burndown=burndown,
        conditions=conditions,
        answer=answer,
        verdict=verdict,
        plan_version=plan,
    )


def with_digest(result: SwitchOff, *, plan: bool = True) -> tuple[SwitchOff, str]:
    """The result and a digest of everything it says (with the plan's stamp; `plan=False`:
    without it, for the page, which keys its HTML by the parties' stamp beside it): the
    pages key their HTML by it, so an edit that changes no figure renders nothing again."""
    said = result if plan else dataclasses.replace(result, plan_version=())
    return result, hashlib.sha256(repr(said).encode()).hexdigest()
