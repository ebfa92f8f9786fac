"""Writes of the access administration (issue 16): inviting a person, accepting the
invitation, granting and removing memberships, deactivating, reactivating and
anonymising. Each in one transaction, checked against `Access`, with the acting person
and the reason on the history rows (`core.history`) and the person's version checked
(`core.versioning.locked`)."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import record_delete, record_save
from core.mail import mail_enqueue
from core.models import OutboxMessage
from core.versioning import EditConflict, locked
from parties.access import Access
from parties.models import Invitation, Membership, Party, Person, UserSession, token_hash

from .audit import Kind, Method, security_event_record
from .oidc import providers

User = get_user_model()


def invitation_days() -> int:
    return int(getattr(settings, "SORPLAN_INVITATION_DAYS", 7))


def person_for(user) -> Person:
    """The person row of a user; unsaved at version 0 for a user who has none yet (those
    from before issue 16): the first change saves it."""
    return Person.objects.filter(user=user).first() or Person(user=user)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv en begrundelse for ændringen.")})
    return reason


def _person_locked(user, version: int, access: Access) -> Person:
    """The person locked at the version the editor saw, if `access` may manage them.

    The user row is locked first, so two first changes of a person with no row yet wait
    for each other instead of both making one."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    person = Person.objects.filter(user=user).first()
    if person is None:
        if version != 0:
            raise EditConflict(Person(user=user), seen_version=version)
        return Person(user=user)
    person = locked(Person, person.pk, version)
    memberships = Membership.objects.filter(user=user).values_list("party_id", "role")
    if not access.may_manage_person(memberships=memberships, is_superuser=user.is_superuser):
        raise PermissionDenied(_("Du kan ikke ændre denne persons adgang."))
    return person


def _person_record(person: Person, *, by, reason: str, **values) -> Person:
    for name, value in values.items():
        setattr(person, name, value)
    person.version += 1
    return record_save(person, user=by, reason=reason)


def _grant_check(access: Access, party: Party, role: str) -> None:
    if not access.may_grant(party_id=party.pk, role=role):
        raise PermissionDenied(
            _("Du kan ikke give rollen “%(role)s” for %(party)s.")
            % {"role": Membership.Role(role).label, "party": party.label}
        )


def _membership_event(kind, user, party: Party, role: str, *, by, reason: str) -> None:
    """The audit log's entry for a granted or removed role: whose, which, by whom, why."""
    detail = f"{party.label} – {Membership.Role(role).label}: {reason}"
    security_event_record(kind, actor=by, subject=user, detail=detail)


def _sessions_end(user) -> int:
    """End every session the person has open (the ones sorplan tracks); returns how many.

    A deactivated person is refused on their next request anyway: Django's log-in
    backend loads no inactive user from a session."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def _invitation_create(*, user, by, reason: str) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=by,
        reason=reason,
        token_hash=token_hash(token),
        expires_at=timezone.now() + datetime.timedelta(days=invitation_days()),
    )
    link = settings.SITE_URL + reverse("accounts:invitation_accept", kwargs={"token": token})
    mail_enqueue(
        template="invitation",
        context={
            "user": user,
            "invited_by": by,
            "reason": reason,
            "link": link,
            "expires_at": invitation.expires_at,
            "memberships": list(Membership.objects.filter(user=user).select_related("party")),
            "sso_providers": [p.label for p in providers()],
        },
        to=[user.email],
        dedupe_key=f"invitation:{invitation.pk}",
    )
    security_event_record(Kind.INVITATION_SENT, actor=by, subject=user, detail=reason)
    return invitation, token


@transaction.atomic
def person_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    memberships: list[tuple[Party, str]],
    reason: str,
    by,
    access: Access,
) -> tuple[Invitation, str]:
    """Make a person with their first memberships and send them an invitation with a
    one-time link (valid SORPLAN_INVITATION_DAYS days). Returns the invitation and its
    token (only its hash is stored)."""
    reason = _reason_required(reason)
    email = email.strip().lower()
    if not memberships:
        raise ValidationError({"party": _("Giv personen mindst ét medlemskab.")})
    for party, role in memberships:
        _grant_check(access, party, role)
    if (
        User.objects.annotate(e=Lower("email")).filter(e=email).exists()
        or User.objects.filter(username__iexact=email).exists()
    ):
        raise ValidationError(
            {"email": _("Der findes allerede en person med denne e-mail. Find personen i listen.")}
        )
    user = User(
        username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip()
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    person = Person(user=user, invited_by=by)
    record_save(person, user=by, reason=reason)
    for party, role in memberships:
        record_save(Membership(user=user, party=party, role=role), user=by, reason=reason)
        _membership_event(Kind.MEMBERSHIP_GRANTED, user, party, role, by=by, reason=reason)
    return _invitation_create(user=user, by=by, reason=reason)


@transaction.atomic
def invitation_resend(*, user, reason: str, by, access: Access, version: int) -> Invitation:
    """A new link for a person who has not yet set a password (the old links stop)."""
    reason = _reason_required(reason)
    person = _person_locked(user, version, access)
    if user.has_usable_password() or not user.is_active:
        raise ValidationError(_("Personen er allerede oprettet og kan logge ind."))
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(expires_at=timezone.now())
    _person_record(person, by=by, reason=reason)
    return _invitation_create(user=user, by=by, reason=reason)[0]


def invitation_open(token: str) -> Invitation | None:
    """The invitation of this link if it may still be used (not used, not expired, the
    person active); else None."""
    invitation = (
        Invitation.objects.select_related("user", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open or not invitation.user.is_active:
        return None
    return invitation


def invitation_expired_at(token: str):
    """When this link's invitation expired, if it did so unused; else None."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None or invitation.accepted_at is not None or not invitation.is_expired:
        return None
    if Invitation.objects.filter(user_id=invitation.user_id, pk__gt=invitation.pk).exists():
        return None  # replaced by a newer invitation, not run out
    return invitation.expires_at


@transaction.atomic
def invitation_accept(*, token: str, password: str, request=None):
    """Set the invited person's password and use the link up. Returns the user.

    The row is locked, so two tabs posting the same link cannot both use it."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open or not invitation.user.is_active:
        raise ValidationError(_("Linket er brugt eller udløbet. Bed SOR-teamet om et nyt."))
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _person_record(person_for(user), by=user, reason=_("Invitation modtaget"))
    security_event_record(Kind.INVITATION_ACCEPTED, actor=user, subject=user, request=request)
    return user


def invitation_expired_only(user) -> bool:
    """The person was invited but never took the invitation up, and every invitation of
    theirs has expired: an SSO log-in matched by e-mail is refused with the expired
    invitation's page (a used link or a password means the person is set up)."""
    if user.has_usable_password() or user.last_login is not None:
        return False
    invitations = list(user.invitations.all())
    return bool(invitations) and not any(
        i.accepted_at is not None or i.is_open for i in invitations
    )


@transaction.atomic
def invitation_accept_by_sso(*, user, request=None) -> int:
    """An SSO log-in of an invited person uses their open invitations up (the link then
    says it is used), with the audit event. Returns how many were open."""
    used = Invitation.objects.select_for_update().filter(
        user=user, accepted_at__isnull=True, expires_at__gt=timezone.now()
    )
    count = used.update(accepted_at=timezone.now())
    if count:
        _person_record(person_for(user), by=user, reason=_("Invitation modtaget"))
        security_event_record(
            Kind.INVITATION_ACCEPTED,
            actor=user,
            subject=user,
            request=request,
            method=Method.OIDC,
        )
    return count


@transaction.atomic
def membership_add(
    *, user, party: Party, role: str, reason: str, by, access: Access, version: int
) -> Membership:
    """Give a person a role in a party."""
    reason = _reason_required(reason)
    person = _person_locked(user, version, access)
    _grant_check(access, party, role)
    if Membership.objects.filter(user=user, party=party, role=role).exists():
        raise ValidationError({"party": _("Personen har allerede den rolle for parten.")})
    membership = record_save(Membership(user=user, party=party, role=role), user=by, reason=reason)
    _person_record(person, by=by, reason=reason)
    _membership_event(Kind.MEMBERSHIP_GRANTED, user, party, role, by=by, reason=reason)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, reason: str, by, access: Access, version: int):
    """Take a role from a person."""
    reason = _reason_required(reason)
    person = _person_locked(membership.user, version, access)
    _grant_check(access, membership.party, membership.role)
    record_delete(membership, user=by, reason=reason)
    _person_record(person, by=by, reason=reason)
    _membership_event(
        Kind.MEMBERSHIP_REMOVED,
        membership.user,
        membership.party,
        membership.role,
        by=by,
        reason=reason,
    )


@transaction.atomic
def person_deactivate(*, user, reason: str, by, access: Access, version: int) -> Person:
    """The person can no longer log in; their open sessions end at once."""
    reason = _reason_required(reason)
    if user.pk == by.pk:
        raise ValidationError(_("Du kan ikke deaktivere dig selv."))
    person = _person_locked(user, version, access)
    if not user.is_active:
        raise ValidationError(_("Personen er allerede deaktiveret."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    _sessions_end(user)
    security_event_record(Kind.DEACTIVATED, actor=by, subject=user, detail=reason)
    return _person_record(person, by=by, reason=reason, deactivated_at=timezone.now())


@transaction.atomic
def person_reactivate(*, user, reason: str, by, access: Access, version: int) -> Person:
    """The person may log in again (with the memberships they still have)."""
    reason = _reason_required(reason)
    person = _person_locked(user, version, access)
    if person.anonymised_at is not None:
        raise ValidationError(_("En anonymiseret person kan ikke genaktiveres."))
    if user.is_active:
        raise ValidationError(_("Personen er allerede aktiv."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    security_event_record(Kind.REACTIVATED, actor=by, subject=user, detail=reason)
    return _person_record(person, by=by, reason=reason, deactivated_at=None)


def former_user_name(user) -> str:
    return f"Tidligere bruger #{user.pk}"


@transaction.atomic
def person_anonymise(*, user, reason: str, by, access: Access, version: int) -> Person:
    """After deactivation, on request: the person's name, e-mail and log-in become
    "Tidligere bruger #N". Their rows stay, so the history keeps who did what (it names
    the user row, which now reads "Tidligere bruger #N"); their sessions, open
    invitations and the mails sent to them are removed."""
    reason = _reason_required(reason)
    if not access.may_anonymise_people:
        raise PermissionDenied(_("Kun SOR-teamets redaktører kan anonymisere en person."))
    person = _person_locked(user, version, access)
    if user.is_active or person.deactivated_at is None:
        raise ValidationError(_("Deaktivér personen, før personens data anonymiseres."))
    if person.anonymised_at is not None:
        raise ValidationError(_("Personen er allerede anonymiseret."))
    address = user.email.strip().lower()
    user.username = f"tidligere-bruger-{user.pk}"
    user.first_name = "Tidligere"
    user.last_name = f"bruger #{user.pk}"
    user.email = ""
    user.set_unusable_password()
    user.save(update_fields=["username", "first_name", "last_name", "email", "password"])
    _sessions_end(user)
    Invitation.objects.filter(user=user).update(reason="", expires_at=timezone.now())
    if address:
        OutboxMessage.objects.filter(address=address).exclude(
            status=OutboxMessage.Status.PENDING
        ).delete()
    security_event_record(Kind.ANONYMISED, actor=by, subject=user, detail=reason)
    return _person_record(person, by=by, reason=reason, anonymised_at=timezone.now())


@transaction.atomic
def sessions_end_all(*, user) -> int:
    """The person's "log ud overalt": every session they have open ends."""
    return _sessions_end(user)


def session_track(*, user, session_key: str, user_agent: str) -> None:
    """At log-in: remember the session for the person's own page."""
    if session_key:
        UserSession.objects.update_or_create(
            session_key=session_key, defaults={"user": user, "user_agent": user_agent[:200]}
        )


def session_untrack(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_open(user) -> list[UserSession]:
    """The person's sessions that have not expired (expired rows are cleared)."""
    rows = list(UserSession.objects.filter(user=user))
    live = set(
        Session.objects.filter(
            session_key__in=[r.session_key for r in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    UserSession.objects.filter(pk__in=[r.pk for r in rows if r.session_key not in live]).delete()
    return [r for r in rows if r.session_key in live]
