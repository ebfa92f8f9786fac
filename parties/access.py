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
    user_id: int | None = None

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

    def may_update_register_entry(self, *, owner_id: int) -> bool:
        """State, plan texts and dates: the SOR-team, and reporters for the owning party."""
        return self.can_edit_register or owner_id in self.reports_for_party_ids

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

    @cached_property
    def reports_for_parties(self):
        return Party.objects.filter(pk__in=self.reports_for_party_ids)


ANONYMOUS = Access()


def access_for(user) -> Access:
    """Compute a user's Access from their memberships (two queries)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ANONYMOUS
    rows = list(Membership.objects.filter(user=user).values_list("party_id", "role"))
    by_role: dict[str, set[int]] = {role: set() for role in Membership.Role.values}
    for party_id, role in rows:
        by_role[role].add(party_id)
    reporter = by_role[Membership.Role.REPORTER]
    coordinated = (
        set(Party.objects.filter(coordinator_id__in=reporter).values_list("pk", flat=True))
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
        party_ids=frozenset(party_id for party_id, _ in rows),
        user_id=user.pk,
    )


def request_access(request) -> Access:
    """The Access of the request's user, computed once per request."""
    cached = getattr(request, "_sorplan_access", None)
    if cached is None:
        cached = access_for(getattr(request, "user", None))
        request._sorplan_access = cached
    return cached
