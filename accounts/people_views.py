"""The access administration under /personer/: the SOR-team for everyone, a coordinating
party's reporters for the people of the parties they report for (issue 16)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.forms import form_save
from core.spreadsheets import XLSX_CONTENT_TYPE
from parties.access import Access, request_access
from parties.models import Invitation, Membership, Person

from . import people, two_factor
from .people_forms import InviteForm, MembershipForm, ReasonForm
from .personal_data import personal_data, personal_data_xlsx

User = get_user_model()

CONFLICT = _(
    "Personen er ændret af en anden, mens du havde siden åben. Intet er gemt: "
    "se personens nuværende adgang, og prøv igen."
)


def login_method(user) -> str:
    """How the person logs in, as the people pages show it: single sign-on if an identity
    at a provider has logged in as them, else password (with two-factor if a confirmed
    TOTP device is set up). Uses the prefetches of `people_prefetched` when present."""
    sso = bool(user.oidc_identities.all())
    if sso and not user.has_usable_password():
        return _("SSO")
    if user.has_usable_password():
        has_totp = any(d.confirmed for d in user.totpdevice_set.all())
        method = _("Adgangskode og totrinsbekræftelse") if has_totp else _("Adgangskode")
        return _("%(method)s eller SSO") % {"method": method} if sso else method
    if any(i.is_open for i in user.invitations.all()):
        return _("Inviteret, ikke oprettet endnu")
    return _("Kan ikke logge ind")


def people_visible(access: Access):
    """The people this person administers: everyone (but the system user) for the
    SOR-team; for a reporter, the people with a membership in a party they report for."""
    users = User.objects.exclude(username=settings.SORPLAN_SYSTEM_USERNAME)
    if not access.may_administer_everyone:
        users = users.filter(memberships__party_id__in=access.reports_for_party_ids)
    return users.distinct()


def _access(request) -> Access:
    access = request_access(request)
    access.require_people_administrator()
    return access


def person_get(request, pk: int, *, write: bool = False):
    """404 for a person outside one's administration, 403 for one seen but not managed."""
    access = _access(request)
    user = get_object_or_404(people_visible(access), pk=pk)
    if write and not may_manage(access, user):
        raise PermissionDenied(_("Du kan ikke ændre denne persons adgang."))
    return access, user


def may_manage(access: Access, user) -> bool:
    return access.may_manage_person(
        memberships=user.memberships.values_list("party_id", "role"),
        is_superuser=user.is_superuser,
    )


def people_list(request):
    access = _access(request)
    query = request.GET.get("q", "").strip()
    users = people_visible(access).select_related("person")
    if query:
        users = users.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(username__icontains=query)
        )
    users = users.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("party")),
        Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at")),
        "oidc_identities",
        "totpdevice_set",
    ).order_by("first_name", "last_name", "username")
    rows = [{"user": u, "login_method": login_method(u)} for u in users]
    return render(
        request,
        "accounts/people_list.html",
        {
            "rows": rows,
            "query": query,
            "may_invite": access.may_administer_people,
            "may_read_security_log": access.may_read_security_log,
        },
    )


def person_invite(request):
    access = _access(request)
    form = InviteForm(request.POST or None, access=access)
    status = 200
    if request.method == "POST":

        def save(form):
            data = form.cleaned_data
            invitation, _token = people.person_invite(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                memberships=[(data["party"], data["role"])],
                reason=data["reason"],
                by=request.user,
                access=access,
            )
            return invitation

        result = form_save(form, save, conflict=CONFLICT)
        status = result.status
        if result.ok:
            messages.success(
                request,
                _("Invitationen er sendt til %(email)s.") % {"email": result.saved.user.email},
            )
            return redirect("accounts:person_detail", person=result.saved.user_id)
    return render(request, "accounts/person_invite.html", {"form": form}, status=status)


def person_detail(request, person: int):
    access, user = person_get(request, person)
    record = people.person_for(user)
    return render(
        request,
        "accounts/person_detail.html",
        _detail_context(access, user, record, MembershipForm(access=access, initial=_v(record))),
    )


def _v(record):
    return {"version": record.version}


def _detail_context(access, user, record, membership_form):
    memberships = list(user.memberships.select_related("party"))
    return {
        "person": user,
        "record": record,
        "memberships": [
            {"m": m, "may_remove": access.may_grant(party_id=m.party_id, role=m.role)}
            for m in memberships
        ],
        "invitations": user.invitations.select_related("invited_by"),
        "login_method": login_method(user),
        "has_two_factor": two_factor.has_two_factor(user),
        "may_reset_two_factor": access.may_reset_two_factor,
        "may_read_security_log": access.may_read_security_log,
        "may_manage": may_manage(access, user),
        "may_anonymise": access.may_anonymise_people,
        "may_export": access.may_read_person_data(user.pk),
        "membership_form": membership_form,
        "history": access_history(user),
    }


def access_history(user, limit: int = 50) -> list[dict]:
    """What changed in the person's access, newest first: roles given and removed (the
    memberships' history) and deactivation, reactivation and anonymisation (the person's),
    each with who and why. Three queries."""
    entries = []
    memberships = (
        Membership.history.filter(user_id=user.pk, history_type__in=["+", "-"])
        .select_related("history_user", "party")
        .order_by("-history_date")[:limit]
    )
    for row in memberships:
        what = _("Rolle givet") if row.history_type == "+" else _("Rolle fjernet")
        entries.append(
            {
                "when": row.history_date,
                "who": row.history_user,
                "what": f"{what}: {row.party.name} – {Membership.Role(row.role).label}",
                "reason": row.history_change_reason,
            }
        )
    rows = list(
        Person.history.filter(user_id=user.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous = None
    for row in rows:
        what = _person_change(previous, row)
        previous = row
        if what:
            entries.append(
                {
                    "when": row.history_date,
                    "who": row.history_user,
                    "what": what,
                    "reason": row.history_change_reason,
                }
            )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def _person_change(previous, row) -> str:
    if previous is None:
        return _("Inviteret") if row.invited_by_id else ""
    if row.anonymised_at and not previous.anonymised_at:
        return _("Anonymiseret")
    if row.deactivated_at and not previous.deactivated_at:
        return _("Deaktiveret")
    if previous.deactivated_at and not row.deactivated_at:
        return _("Genaktiveret")
    return ""


def membership_add(request, person: int):
    access, user = person_get(request, person, write=True)
    record = people.person_for(user)
    form = MembershipForm(request.POST or None, access=access, initial=_v(record))
    status = 200
    if request.method == "POST":

        def save(form):
            data = form.cleaned_data
            people.membership_add(
                user=user,
                party=data["party"],
                role=data["role"],
                reason=data["reason"],
                by=request.user,
                access=access,
                version=data["version"],
            )

        status = form_save(form, save, conflict=CONFLICT).status
        if status is None:
            messages.success(request, _("Medlemskabet er givet."))
            return redirect("accounts:person_detail", person=user.pk)
    context = _detail_context(access, user, record, form)
    return render(request, "accounts/person_detail.html", context, status=status)


def membership_remove(request, person: int, membership: int):
    access, user = person_get(request, person, write=True)
    target = get_object_or_404(user.memberships.select_related("party"), pk=membership)
    if not access.may_grant(party_id=target.party_id, role=target.role):
        raise PermissionDenied(_("Du kan ikke fjerne denne rolle."))
    record = people.person_for(user)
    form = ReasonForm(request.POST or None, initial=_v(record))
    status = 200
    if request.method == "POST":

        def save(form):
            people.membership_remove(
                membership=target,
                reason=form.cleaned_data["reason"],
                by=request.user,
                access=access,
                version=form.cleaned_data["version"],
            )

        status = form_save(form, save, conflict=CONFLICT).status
        if status is None:
            messages.success(request, _("Medlemskabet er fjernet."))
            if not people_visible(access).filter(pk=user.pk).exists():
                return redirect("accounts:people_list")  # no longer one of theirs
            return redirect("accounts:person_detail", person=user.pk)
    return render(
        request,
        "accounts/person_confirm.html",
        {
            "person": user,
            "form": form,
            "heading": _("Fjern medlemskab"),
            "text": _("%(person)s mister rollen “%(role)s” for %(party)s.")
            % {
                "person": user.get_full_name() or user.username,
                "role": target.get_role_display(),
                "party": target.party.name,
            },
            "button": _("Fjern medlemskabet"),
        },
        status=status,
    )


# The person's access as a whole: (service, heading, explanation, button, done message).
ACTIONS = {
    "deactivate": (
        people.person_deactivate,
        _("Deaktivér person"),
        _(
            "Personen kan ikke længere logge ind, og alle personens sessioner slutter med det "
            "samme. Medlemskaberne bliver stående, så personen kan genaktiveres."
        ),
        _("Deaktivér"),
        _("Personen er deaktiveret, og personens sessioner er afsluttet."),
    ),
    "reactivate": (
        people.person_reactivate,
        _("Genaktivér person"),
        _("Personen kan logge ind igen med de medlemskaber, personen har."),
        _("Genaktivér"),
        _("Personen er genaktiveret."),
    ),
    "resend": (
        people.invitation_resend,
        _("Send ny invitation"),
        _("Personen får et nyt link; de tidligere links holder op med at virke."),
        _("Send invitationen"),
        _("En ny invitation er sendt."),
    ),
    "anonymise": (
        people.person_anonymise,
        _("Anonymisér person"),
        _(
            "Personens navn, e-mail og brugernavn erstattes af “Tidligere bruger #N”. "
            "Historikken bevarer, hvad personen gjorde, under det navn. Det kan ikke fortrydes."
        ),
        _("Anonymisér"),
        _("Personens data er anonymiseret."),
    ),
}


def person_action(request, person: int, action: str):
    access, user = person_get(request, person, write=True)
    if action == "anonymise" and not access.may_anonymise_people:
        raise PermissionDenied(_("Kun SOR-teamets redaktører kan anonymisere en person."))
    service, heading, text, button, done = ACTIONS[action]
    record = people.person_for(user)
    form = ReasonForm(request.POST or None, initial=_v(record))
    status = 200
    if request.method == "POST":

        def save(form):
            service(
                user=user,
                reason=form.cleaned_data["reason"],
                by=request.user,
                access=access,
                version=form.cleaned_data["version"],
            )

        status = form_save(form, save, conflict=CONFLICT).status
        if status is None:
            messages.success(request, done)
            return redirect("accounts:person_detail", person=user.pk)
    context = {"person": user, "form": form, "heading": heading, "text": text, "button": button}
    return render(request, "accounts/person_confirm.html", context, status=status)


def person_data(request, person: int, fmt: str):
    """What sorplan holds about a person: the SOR-team's export."""
    access, user = person_get(request, person)
    if not access.may_read_person_data(user.pk):
        raise PermissionDenied(_("Kun SOR-teamet og personen selv kan hente personens data."))
    return personal_data_response(user, fmt)


def personal_data_response(user, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(personal_data_xlsx(user), content_type=XLSX_CONTENT_TYPE)
    elif fmt == "json":
        body = json.dumps(personal_data(user), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="sorplan-persondata-{user.pk}.{fmt}"'
    return response
