"""What sorplan holds about a person, for their export (GDPR art. 15 and 20).

The person's own rows (log-in, memberships, invitations, sessions) in full, and for
every other table that names them (a record they own, a change they made in the
history) how many rows and which. Found from the models, so a new app's tables are in
the export without changing this file."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import Sheet, xlsx_bytes
from parties.models import Invitation, Membership, Person, UserSession

# Listed in full above; not again among the references.
OWN_MODELS = {Membership, Invitation, UserSession, Person}
# Only counted (a history row or a mail is no reading for the person).
MAX_LISTED = 200


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _references(user) -> list[dict]:
    """Every row of another table with a foreign key to this user, by table and field."""
    found = []
    for model in apps.get_models():
        if model in OWN_MODELS or model._meta.label == settings.AUTH_USER_MODEL:
            continue
        for field in model._meta.get_fields():
            if not (
                isinstance(field, models.ForeignKey)
                and field.related_model is not None
                and field.related_model._meta.label == settings.AUTH_USER_MODEL
            ):
                continue
            rows = model._default_manager.filter(**{field.name: user})
            count = rows.count()
            if count:
                found.append(
                    {
                        "table": str(model._meta.verbose_name_plural),
                        "field": str(field.verbose_name),
                        "count": count,
                        "rows": [str(row) for row in rows.order_by("pk")[:MAX_LISTED]],
                    }
                )
    return found


def personal_data(user) -> dict:
    """The export as plain data (the JSON file; the workbook is made from it)."""
    person = Person.objects.filter(user=user).first()
    return {
        "exported_at": _when(timezone.now()),
        "person": {
            "id": user.pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "active": user.is_active,
            "joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "deactivated_at": _when(person.deactivated_at if person else None),
            "anonymised_at": _when(person.anonymised_at if person else None),
            "password": _("sat") if user.has_usable_password() else _("ikke sat"),
        },
        "memberships": [
            {"party": m.party.name, "role": m.get_role_display(), "since": _when(m.created_at)}
            for m in Membership.objects.filter(user=user).select_related("party")
        ],
        "invitations": [
            {
                "sent": _when(i.created_at),
                "by": i.invited_by.get_full_name() if i.invited_by else None,
                "reason": i.reason,
                "expires": _when(i.expires_at),
                "accepted": _when(i.accepted_at),
            }
            for i in Invitation.objects.filter(user=user).select_related("invited_by")
        ],
        "sessions": [
            {"logged_in": _when(s.created_at), "browser": s.user_agent}
            for s in UserSession.objects.filter(user=user)
        ],
        "references": _references(user),
    }


def personal_data_xlsx(user) -> bytes:
    """The same export as a workbook: one sheet per part."""
    data = personal_data(user)
    person = data["person"]
    return xlsx_bytes(
        Sheet(
            name=_("Person"),
            title=_("Det sorplan har om %(name)s") % {"name": person["username"]},
            headers=[_("Oplysning"), _("Værdi")],
            rows=[[key, "" if value is None else str(value)] for key, value in person.items()],
        ),
        Sheet(
            name=_("Medlemskaber"),
            headers=[_("Part"), _("Rolle"), _("Siden")],
            rows=[[m["party"], m["role"], m["since"]] for m in data["memberships"]],
        ),
        Sheet(
            name=_("Invitationer"),
            headers=[_("Sendt"), _("Af"), _("Begrundelse"), _("Udløber"), _("Modtaget")],
            rows=[list(i.values()) for i in data["invitations"]],
        ),
        Sheet(
            name=_("Sessioner"),
            headers=[_("Logget ind"), _("Browser")],
            rows=[list(s.values()) for s in data["sessions"]],
        ),
        Sheet(
            name=_("Henvisninger"),
            headers=[_("Tabel"), _("Felt"), _("Antal"), _("Rækker")],
            rows=[
                [r["table"], r["field"], r["count"], "; ".join(r["rows"])]
                for r in data["references"]
            ],
        ),
    )
