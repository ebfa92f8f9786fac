"""What a person may see and do, from their memberships. Rights from several memberships combine.

Every "may" rule of the apps lives on `Access`: pages, services and the API ask it. `parties`
imports no other app, so the rules take ids or duck-typed objects (an update with `party_id`
and `is_submitted`)."""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Membership, Party

# The party whose reporters test and certify the suppliers' systems (MedCom's matrix).
CERTIFIER_PARTY_KEY = "medcom"


@dataclass(frozen=True)
class RegisterScope:
    """Which SHAK register entries a person reads: all, or those their parties own
    (as reporters, RSI also for the regions) and those their supplier maintains."""

    everything: bool = False
    owner_ids: frozenset[int] = field(default_factory=frozenset)
    supplier_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Access:
    """A person's combined rights. Built once per request (see `access_for`)."""

    is_authenticated: bool = False
    is_superuser: bool = False
    editor_party_ids: frozenset[int] = field(default_factory=frozenset)
    steering_party_ids: frozenset[int] = field(default_factory=frozenset)
    # Parties the person is a reporter in (their own parties).
    reporter_party_ids: frozenset[int] = field(default_factory=frozenset)
    # Own reporter parties plus the parties those coordinate (RSI -> regions).
    reports_for_party_ids: frozenset[int] = field(default_factory=frozenset)
    party_ids: frozenset[int] = field(default_factory=frozenset)
    # Parties the person is a reporter in that certify suppliers' systems (MedCom).
    certifier_party_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    # The person's parties as the page header names them (short name, else name), by name:
    # read with the rights, so the base layout asks the database nothing more.
    party_labels: tuple[str, ...] = ()

    @property
    def menu_key(self) -> tuple[bool, ...]:
        """The rights the main menu shows links by (templates/_main_menu.html): the
        layout renders the menu once per process for each such key and page."""
        return (
            self.is_superuser,
            self.is_reporter or self.can_review or self.is_steering,
            self.can_review,
            self.may_read_governance,
            self.may_administer_people,
        )

    @property
    def has_membership(self) -> bool:
        return self.is_superuser or bool(self.party_ids)

    @property
    def can_edit_plan(self) -> bool:
        """SOR-team editors and superusers write goals, activities and milestones."""
        return self.is_superuser or bool(self.editor_party_ids)

    @property
    def may_read_security_log(self) -> bool:
        """The security audit log (log-ins, rights given): SOR-team editors and superusers."""
        return self.can_edit_plan

    @property
    def may_reset_two_factor(self) -> bool:
        """Reset a person's two-factor (a lost phone): SOR-team editors and superusers."""
        return self.can_edit_plan

    @property
    def can_review(self) -> bool:
        return self.can_edit_plan

    @property
    def is_steering(self) -> bool:
        return bool(self.steering_party_ids)

    @property
    def is_reporter(self) -> bool:
        return bool(self.reporter_party_ids)

    @property
    def can_read_programme(self) -> bool:
        """Every member reads the plan and the programme-wide summaries."""
        return self.has_membership

    def may_report_for(self, party_id: int) -> bool:
        return party_id in self.reports_for_party_ids

    def may_read_updates_of(self, party_id: int) -> bool:
        """Drafts and review comments: the SOR-team, and reporters for that party."""
        return self.can_review or party_id in self.reports_for_party_ids

    @property
    def may_read_submitted_updates(self) -> bool:
        """Every party's submitted and accepted updates: the steering group and the SOR-team."""
        return self.is_steering or self.can_review

    def may_read_update(self, update) -> bool:
        """A progress update (`party_id`, `is_submitted`): the SOR-team and the party's
        reporters read every state; the steering group reads only what is submitted or
        accepted."""
        if self.may_read_updates_of(update.party_id):
            return True
        return self.may_read_submitted_updates and update.is_submitted

    def may_update_rollout(self) -> bool:
        """The SOR-team, and those who report for a party that coordinates the municipal
        roll-out (KOMBIT). One query for a reporter, none otherwise."""
        if self.can_edit_plan:
            return True
        return bool(self.reports_for_party_ids) and (
            Party.objects.filter(
                pk__in=self.reports_for_party_ids, coordinates_municipal_rollout=True
            ).exists()
        )

    def require_plan_editor(self) -> None:
        """403, saying why, for a member who may read the plan but not change it."""
        if not self.can_edit_plan:
            raise PermissionDenied(_("Kun SOR-teamets redaktører kan ændre planen."))

    def require_reviewer(self) -> None:
        """The reporting's SOR-team pages: others get 403 (they may know rounds exist, not
        see the matrix)."""
        if not self.can_review:
            raise PermissionDenied

    @property
    def may_read_audit_trail(self) -> bool:
        """The plan's audit trail as a file (every change, with user ids): the SOR-team."""
        return self.can_edit_plan

    @property
    def may_read_round_deadlines(self) -> bool:
        """The reporting rounds' deadlines (a calendar feed): the SOR-team and those who report."""
        return self.can_review or self.is_reporter

    def require_audit_reader(self) -> None:
        if not self.may_read_audit_trail:
            raise PermissionDenied(_("Revisionssporet er for SOR-teamet."))

    # -- the SHAK dependency register -------------------------------------------
    @property
    def can_edit_register(self) -> bool:
        """The SOR-team creates, edits and imports every entry and plan."""
        return self.can_edit_plan

    def register_scope(self) -> RegisterScope:
        """Editors and the steering group read every entry; a party's reporters the
        entries their party owns (RSI also the regions'); a supplier's reporters the
        entries it maintains."""
        if self.can_edit_register or self.is_steering:
            return RegisterScope(everything=True)
        return RegisterScope(
            owner_ids=self.reports_for_party_ids, supplier_ids=self.reporter_party_ids
        )

    def may_read_register_entry(self, *, owner_id: int, supplier_id: int | None) -> bool:
        scope = self.register_scope()
        return (
            scope.everything
            or owner_id in scope.owner_ids
            or (supplier_id is not None and supplier_id in scope.supplier_ids)
        )

    def may_propose_register_change(self, *, owner_id: int) -> bool:
        """A new state, plan texts and dates, proposed in the party's monthly update for
        the SOR-team's review: reporters for the owning party (RSI also the regions')."""
        return owner_id in self.reports_for_party_ids

    # -- MedCom's certification matrix -------------------------------------------
    @property
    def may_certify(self) -> bool:
        """MedCom's reporters and the SOR-team: message types, test results ("i test",
        "certificeret", "afvist i test") and the matrix's import of every supplier."""
        return self.can_edit_plan or bool(self.certifier_party_ids)

    @property
    def may_review_certification_proposals(self) -> bool:
        """The MedCom section of suppliers' submitted progress updates (their proposed
        row moves): MedCom's reporters and the SOR-team accept or return each; MedCom
        reads and reviews only that section, not the rest of the update."""
        return self.may_certify

    @property
    def may_read_all_certifications(self) -> bool:
        """MedCom, the SOR-team and the steering group read every supplier's rows."""
        return self.may_certify or self.is_steering

    @property
    def may_read_medcom(self) -> bool:
        """Every member reads the matrix and the message types; the rows they see are
        those of `certification_supplier_ids` unless they read them all."""
        return self.has_membership

    @property
    def certification_supplier_ids(self) -> frozenset[int]:
        """The suppliers whose rows a supplier's reporter reads and moves (its own; the
        "It-leverandører" group's reporters those it coordinates)."""
        return self.reports_for_party_ids

    def may_read_certifications_of(self, supplier_id: int | None) -> bool:
        return self.may_read_all_certifications or supplier_id in self.certification_supplier_ids

    def may_update_certification(self, supplier_id: int | None) -> bool:
        """A row's supplier-side moves (up to "klar til test", "i produktion" after the
        certificate): MedCom, the SOR-team and the supplier's own reporters."""
        return self.may_certify or supplier_id in self.certification_supplier_ids

    def may_set_certification_state(self, *, supplier_id: int | None, certifier_only: bool) -> bool:
        """A state that only a certifier sets (`certifier_only`: test results), or one the
        supplier moves itself."""
        if certifier_only:
            return self.may_certify
        return self.may_update_certification(supplier_id)

    # -- The steering group's governance (risks, issues, decisions, actions, meetings) --
    @property
    def may_edit_governance(self) -> bool:
        """The SOR-team creates and edits every governance record."""
        return self.can_edit_plan

    @property
    def may_read_all_governance(self) -> bool:
        """The SOR-team and the steering group read every record."""
        return self.can_edit_plan or self.is_steering

    @property
    def may_read_governance(self) -> bool:
        """Reporters read the records linked to their parties (see `may_read_record`)."""
        return self.may_read_all_governance or bool(self.reports_for_party_ids)

    def may_read_record(self, party_ids, owner_person_id: int | None = None) -> bool:
        """A record linked to `party_ids` (owner, requester, the linked activities'
        parties), or owned by the person themselves."""
        if self.may_read_all_governance:
            return True
        if owner_person_id is not None and owner_person_id == self.user_id:
            return True
        return bool(self.reports_for_party_ids & set(party_ids))

    def may_propose_for(self, party_id: int) -> bool:
        """A party's reporters propose risks and issues for it; the SOR-team reviews them."""
        return self.may_edit_governance or party_id in self.reports_for_party_ids

    def may_update_action(self, action) -> bool:
        """An action (`owner_person_id`, `owner_party_id`): the SOR-team, its owner, and
        the reporters of the owning party update its progress."""
        if self.may_edit_governance:
            return True
        if self.user_id is not None and action.owner_person_id == self.user_id:
            return True
        return action.owner_party_id in self.reporter_party_ids

    @property
    def may_read_meetings(self) -> bool:
        return self.may_read_all_governance

    def may_read_meeting_draft(self, participant_user_ids) -> bool:
        """A draft agenda: the SOR-team, and steering-group members taking part."""
        if self.may_edit_governance:
            return True
        return self.is_steering and self.user_id in set(participant_user_ids)

    def require_governance_editor(self) -> None:
        if not self.may_edit_governance:
            raise PermissionDenied(_("Kun SOR-teamets redaktører kan ændre styringens poster."))

    # -- People and their access (the SOR-team's administration, issue 16) --------
    @property
    def may_administer_people(self) -> bool:
        """The people pages: the SOR-team for everyone; a reporter for the people of the
        parties they report for (RSI's for RSI and the regions, KOMBIT's for KOMBIT and
        the municipalities), following the coordinator relation as the rounds do."""
        return self.can_edit_plan or bool(self.reports_for_party_ids)

    @property
    def may_administer_everyone(self) -> bool:
        return self.can_edit_plan

    def may_grant(self, *, party_id: int, role: str) -> bool:
        """Nobody grants a role above their own: only editors (and superusers) grant the
        editor and steering roles; a reporter grants the reporter role for the parties
        they report for."""
        if self.can_edit_plan:
            return True
        return role == Membership.Role.REPORTER and party_id in self.reports_for_party_ids

    def grantable_party_ids(self) -> frozenset[int] | None:
        """The parties whose reporter role this person may grant (None: every party)."""
        return None if self.can_edit_plan else self.reports_for_party_ids

    def may_manage_person(self, *, memberships, is_superuser: bool = False) -> bool:
        """Change, deactivate or reactivate a person with these memberships (pairs of
        party id and role): the SOR-team anyone but a superuser (only a superuser manages
        those); a reporter someone whose every membership they could have granted."""
        if is_superuser:
            return self.is_superuser
        if self.can_edit_plan:
            return True
        memberships = list(memberships)
        return bool(memberships) and all(
            self.may_grant(party_id=party_id, role=role) for party_id, role in memberships
        )

    def may_read_person_data(self, user_id: int) -> bool:
        """The export of what sorplan holds about a person: the SOR-team, and the person."""
        return self.can_edit_plan or (self.user_id is not None and user_id == self.user_id)

    @property
    def may_anonymise_people(self) -> bool:
        return self.can_edit_plan

    def require_people_administrator(self) -> None:
        if not self.may_administer_people:
            raise PermissionDenied(
                _("Kun SOR-teamet og koordinerende parters rapportører administrerer adgang.")
            )

    @cached_property
    def reports_for_parties(self):
        return Party.objects.filter(pk__in=self.reports_for_party_ids)


ANONYMOUS = Access()


def access_for(user) -> Access:
    """Compute a user's Access from their memberships (one query; two for a reporter)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ANONYMOUS
    rows = list(
        Membership.objects.filter(user_id=user.pk)
        .order_by("party__name", "party_id", "role")
        .values_list("party_id", "role", "party__key", "party__short_name", "party__name")
    )
    by_role: dict[str, set[int]] = {role: set() for role in Membership.Role.values}
    certifiers = set()
    labels: dict[int, str] = {}
    for party_id, role, party_key, short_name, name in rows:
        by_role[role].add(party_id)
        labels.setdefault(party_id, short_name or name)
        if role == Membership.Role.REPORTER and party_key == CERTIFIER_PARTY_KEY:
            certifiers.add(party_id)
    reporter = by_role[Membership.Role.REPORTER]
    coordinated = (
        set(
            Party.objects.filter(coordinator_id__in=reporter)
            .order_by()
            .values_list("pk", flat=True)
        )
        if reporter
        else set()
    )
    return Access(
        is_authenticated=True,
        is_superuser=user.is_superuser,
        editor_party_ids=frozenset(by_role[Membership.Role.EDITOR]),
        steering_party_ids=frozenset(by_role[Membership.Role.STEERING]),
        reporter_party_ids=frozenset(reporter),
        reports_for_party_ids=frozenset(reporter | coordinated),
        party_ids=frozenset(labels),
        certifier_party_ids=frozenset(certifiers),
        user_id=user.pk,
        party_labels=tuple(labels.values()),
    )


def request_access(request) -> Access:
    """The Access of the request's user, computed once per request."""
    cached = getattr(request, "_sorplan_access", None)
    if cached is None:
        cached = access_for(getattr(request, "user", None))
        request._sorplan_access = cached
    return cached
