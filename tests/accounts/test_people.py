"""The access administration (issue 16): who may do what on the people pages (found
from the URL resolver), the coordinator rule, no escalation, invitations (expiry, single
use), deactivation ending sessions, the person's own page, export and anonymisation."""

import datetime
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import people
from accounts.models import SecurityEvent
from core.models import OutboxMessage
from milestones.history import user_label
from parties.access import access_for
from parties.models import Invitation, Membership, Party, Person, UserSession
from reports.services.delivery import distribution_list
from tests.factories import PASSWORD
from tests.helpers import member

pytestmark = pytest.mark.django_db
User = get_user_model()


def party(key):
    return Party.objects.get(key=key)


def invite(client, **data):
    values = {
        "first_name": "Ny",
        "last_name": "Rapportør",
        "email": "ny@example.invalid",
        "party": party("region-midtjylland").pk,
        "role": Membership.Role.REPORTER,
        "reason": "Ny rapportør for Region Midtjylland",
    }
    values.update(data)
    return client.post(reverse("accounts:person_invite"), values)


def invitation_link(email: str) -> str:
    body = OutboxMessage.objects.filter(address=email).latest("pk").body_text
    return re.search(r"https?://\S+/konto/invitation/\S+/", body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def logs_in(username: str, password: str, client=None) -> bool:
    """Log in through the real log-in page (django-axes needs the request)."""
    client = client or Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def version(user) -> int:
    return people.person_for(user).version


# ---------------------------------------------------------------------------
# The rights matrix, over every URL of the administration (from the resolver)
# ---------------------------------------------------------------------------
ADMIN_MODULE = "accounts.people_views"


def admin_routes():
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.callback.__module__ == ADMIN_MODULE:
                found.append((f"{namespace}:{p.name}", prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return found


ROUTES = admin_routes()
# GET answer per role for a region-midt reporter as the target person. The editor reads
# and manages everyone; RSI's reporter (coordinator of the regions) and the region's own
# reporter manage the region's reporters but neither anonymise nor export; KOMBIT's
# reporter does not see the region's people (404 on a person, the list without them);
# the steering group and the outsider have no administration (403).
EXPECTED = {
    "editor": {},
    "rsi": {"accounts:person_anonymise": 403, "accounts:person_data_json": 403},
    "kombit": {"*person": 404},
    "steering": {"*": 403},
    "outsider": {"*": 403},
}


def test_the_resolver_finds_the_administration():
    names = {name for name, _route in ROUTES}
    assert {"accounts:people_list", "accounts:person_invite", "accounts:person_deactivate"} <= names
    assert len(ROUTES) >= 10


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_rights_of_each_role_on_every_administration_page(
    client_for, role, editor, steering, rsi_reporter, kombit_reporter, outsider, reporter
):
    user = {
        "editor": editor,
        "rsi": rsi_reporter,
        "kombit": kombit_reporter,
        "steering": steering,
        "outsider": outsider,
    }[role]
    client = client_for(user)
    target_membership = reporter.memberships.get()
    rules = EXPECTED[role]
    for name, route in ROUTES:
        path = "/" + route.replace("<int:person>", str(reporter.pk)).replace(
            "<int:membership>", str(target_membership.pk)
        )
        expected = rules.get(name, rules.get("*", 200))
        if "<int:person>" in route and "*person" in rules:
            expected = rules["*person"]
        if role == "rsi" and name == "accounts:person_data_xlsx":
            expected = 403
        status = client.get(path).status_code
        assert status == expected, f"{role} GET {path} ({name}): {status}, expected {expected}"
    anonymous = Client().get(reverse("accounts:people_list"))
    assert anonymous.status_code == 302 and "/konto/log-ind/" in anonymous["Location"]


def test_mutating_pages_refuse_readers(client_for, steering, reporter):
    path = reverse("accounts:person_deactivate", kwargs={"person": reporter.pk})
    response = client_for(steering).post(path, {"reason": "x", "version": 0})
    assert response.status_code == 403
    reporter.refresh_from_db()
    assert reporter.is_active


# ---------------------------------------------------------------------------
# The coordinator rule and no escalation
# ---------------------------------------------------------------------------
def test_rsi_invites_reporters_for_itself_and_the_regions_not_for_kombit(client_for, rsi_reporter):
    client = client_for(rsi_reporter)
    assert invite(client, email="a@example.invalid", party=party("rsi").pk).status_code == 302
    response = invite(client, email="b@example.invalid", party=party("region-syddanmark").pk)
    assert response.status_code == 302
    response = invite(client, email="c@example.invalid", party=party("kombit").pk)
    assert response.status_code == 400  # KOMBIT is no choice of RSI's
    assert not User.objects.filter(email="c@example.invalid").exists()
    with pytest.raises(PermissionDenied):
        people.person_invite(
            email="d@example.invalid",
            first_name="D",
            last_name="D",
            memberships=[(party("kombit"), Membership.Role.REPORTER)],
            reason="Forsøg",
            by=rsi_reporter,
            access=access_for(rsi_reporter),
        )


def test_kombit_manages_kombit(client_for, kombit_reporter):
    response = invite(client_for(kombit_reporter), party=party("kombit").pk)
    assert response.status_code == 302
    assert User.objects.get(email="ny@example.invalid").memberships.get().party.key == "kombit"


def test_nobody_grants_a_role_above_their_own(client_for, rsi_reporter, reporter, editor):
    client = client_for(rsi_reporter)
    response = invite(client, role=Membership.Role.EDITOR)
    assert response.status_code == 400 and not User.objects.filter(email="ny@example.invalid")
    for role in (Membership.Role.EDITOR, Membership.Role.STEERING):
        with pytest.raises(PermissionDenied):
            people.membership_add(
                user=reporter,
                party=party("rsi"),
                role=role,
                reason="Forsøg",
                by=rsi_reporter,
                access=access_for(rsi_reporter),
                version=version(reporter),
            )
    # An editor who is also a region's reporter is not the reporter's to deactivate.
    Membership.objects.create(user=editor, party=party("region-midtjylland"), role="reporter")
    path = reverse("accounts:person_deactivate", kwargs={"person": editor.pk})
    assert client.post(path, {"reason": "Forsøg", "version": 0}).status_code == 403
    editor.refresh_from_db()
    assert editor.is_active


def test_only_editors_grant_steering_and_the_distribution_list_follows(client_for, editor):
    client = client_for(editor)
    response = invite(
        client, party=party("sor-styregruppe").pk, role=Membership.Role.STEERING, reason="Ny"
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@example.invalid")
    assert access_for(user).is_steering
    assert "ny@example.invalid" in distribution_list()
    people.person_deactivate(
        user=user, reason="Stoppet", by=editor, access=access_for(editor), version=version(user)
    )
    assert "ny@example.invalid" not in distribution_list()


# ---------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------
def test_an_invitation_in_danish_names_who_and_why_and_is_used_once(client_for, editor):
    editor.first_name, editor.last_name = "Eva", "Redaktør"
    editor.save()
    assert invite(client_for(editor)).status_code == 302
    mail = OutboxMessage.objects.get(address="ny@example.invalid")
    assert "Eva Redaktør har inviteret dig" in mail.subject
    assert "Ny rapportør for Region Midtjylland" in mail.body_text
    assert "Region Midtjylland: Rapportør for part" in mail.body_text
    link = path_of(invitation_link("ny@example.invalid"))
    new = User.objects.get(email="ny@example.invalid")
    assert not new.has_usable_password()
    assert SecurityEvent.objects.filter(kind="invitation_sent", actor=editor, subject=new).exists()

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Velkommen til sorplan" in page.content.decode()
    bad = visitor.post(link, {"password1": "kort", "password2": "kort"})
    assert bad.status_code == 400 and Invitation.objects.get(user=new).accepted_at is None
    done = visitor.post(link, {"password1": "Lang-nok-2026!", "password2": "Lang-nok-2026!"})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:profile")
    assert visitor.get(reverse("accounts:profile")).status_code == 200
    assert SecurityEvent.objects.filter(kind="invitation_accepted", subject=new).exists()
    # Single use: the link now says so, and a second post changes nothing.
    again = Client().get(link)
    assert "Linket virker ikke" in again.content.decode()
    Client().post(link, {"password1": "Andet-kodeord-9!", "password2": "Andet-kodeord-9!"})
    assert logs_in("ny@example.invalid", "Lang-nok-2026!")


def test_an_expired_invitation_opens_nothing(client_for, editor, settings):
    invite(client_for(editor))
    link = path_of(invitation_link("ny@example.invalid"))
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    visitor = Client()
    assert "Invitationen er udløbet" in visitor.get(link).content.decode()
    visitor.post(link, {"password1": "Lang-nok-2026!", "password2": "Lang-nok-2026!"})
    assert not User.objects.get(email="ny@example.invalid").has_usable_password()


def test_an_invitation_expires_after_the_configured_days(client_for, editor, settings):
    settings.SORPLAN_INVITATION_DAYS = 2
    invite(client_for(editor))
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        datetime.timedelta(days=2), abs=datetime.timedelta(seconds=5)
    )


def test_a_known_address_is_refused_and_the_typing_kept(client_for, editor, reporter):
    response = invite(client_for(editor), email=reporter.email.upper(), first_name="Bevaret")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Der findes allerede en person med denne e-mail" in html
    assert 'value="Bevaret"' in html


def test_a_new_invitation_stops_the_old_link(client_for, editor):
    client = client_for(editor)
    invite(client)
    first = path_of(invitation_link("ny@example.invalid"))
    new = User.objects.get(email="ny@example.invalid")
    path = reverse("accounts:invitation_resend", kwargs={"person": new.pk})
    assert (
        client.post(path, {"reason": "Mistede mailen", "version": version(new)}).status_code == 302
    )
    second = path_of(invitation_link("ny@example.invalid"))
    assert first != second
    assert "Linket virker ikke" in Client().get(first).content.decode()
    assert "Velkommen" in Client().get(second).content.decode()


# ---------------------------------------------------------------------------
# Memberships, deactivation, reactivation, conflicts
# ---------------------------------------------------------------------------
def test_memberships_change_with_a_reason_in_history_and_the_audit_log(
    client_for, editor, reporter
):
    client = client_for(editor)
    add = reverse("accounts:membership_add", kwargs={"person": reporter.pk})
    no_reason = client.post(
        add, {"party": party("rsi").pk, "role": "reporter", "reason": "", "version": 0}
    )
    assert no_reason.status_code == 400
    response = client.post(
        add, {"party": party("rsi").pk, "role": "reporter", "reason": "Hjælper RSI", "version": 0}
    )
    assert response.status_code == 302
    granted = reporter.memberships.get(party__key="rsi")
    assert granted.history.get().history_change_reason == "Hjælper RSI"
    assert granted.history.get().history_user == editor
    event = SecurityEvent.objects.get(kind="membership_granted", subject=reporter)
    assert event.actor == editor and "Hjælper RSI" in event.detail

    remove = reverse(
        "accounts:membership_remove", kwargs={"person": reporter.pk, "membership": granted.pk}
    )
    response = client.post(remove, {"reason": "Færdig", "version": version(reporter)})
    assert response.status_code == 302
    assert not reporter.memberships.filter(party__key="rsi").exists()
    deleted = Membership.history.filter(id=granted.pk, history_type="-").get()
    assert deleted.history_change_reason == "Færdig" and deleted.history_user == editor
    assert SecurityEvent.objects.filter(kind="membership_removed", subject=reporter).exists()
    html = client.get(reverse("accounts:person_detail", kwargs={"person": reporter.pk})).content
    html = html.decode()
    assert "Rolle fjernet: Regionernes Sundheds-IT – Rapportør for part" in html
    assert "Hjælper RSI" in html and "Færdig" in html


def test_a_change_over_someone_elses_is_refused_and_keeps_the_reason(client_for, editor, reporter):
    seen = version(reporter)
    people.membership_add(
        user=reporter,
        party=party("rsi"),
        role="reporter",
        reason="Først",
        by=editor,
        access=access_for(editor),
        version=seen,
    )
    path = reverse("accounts:person_deactivate", kwargs={"person": reporter.pk})
    response = client_for(editor).post(path, {"reason": "Min begrundelse", "version": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ændret af en anden" in html and "Min begrundelse" in html
    reporter.refresh_from_db()
    assert reporter.is_active


def test_deactivation_ends_the_persons_sessions_at_once(client_for, editor, reporter):
    theirs = Client()
    assert logs_in(reporter.username, PASSWORD, theirs)
    assert theirs.get("/").status_code == 200
    key = theirs.session.session_key
    assert UserSession.objects.filter(user=reporter, session_key=key).exists()

    path = reverse("accounts:person_deactivate", kwargs={"person": reporter.pk})
    response = client_for(editor).post(path, {"reason": "Stoppet", "version": version(reporter)})
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    page = theirs.get("/")
    assert page.status_code == 302 and "/konto/log-ind/" in page["Location"]
    assert not logs_in(reporter.username, PASSWORD)
    assert Person.objects.get(user=reporter).deactivated_at is not None
    assert SecurityEvent.objects.filter(kind="deactivated", subject=reporter, actor=editor)

    path = reverse("accounts:person_reactivate", kwargs={"person": reporter.pk})
    response = client_for(editor).post(path, {"reason": "Tilbage", "version": version(reporter)})
    assert response.status_code == 302
    assert logs_in(reporter.username, PASSWORD)
    assert SecurityEvent.objects.filter(kind="reactivated", subject=reporter).exists()


def test_an_editor_cannot_deactivate_themselves(client_for, editor):
    path = reverse("accounts:person_deactivate", kwargs={"person": editor.pk})
    response = client_for(editor).post(path, {"reason": "Ups", "version": version(editor)})
    assert response.status_code == 400 and "dig selv" in response.content.decode()


def test_the_people_list_shows_memberships_and_how_they_log_in(client_for, editor, reporter):
    client = client_for(editor)
    invite(client)
    html = client.get(reverse("accounts:people_list")).content.decode()
    assert "Region Midtjylland: Rapportør for part" in html
    assert "Inviteret, ikke oprettet endnu" in html and "Adgangskode" in html
    found = client.get(reverse("accounts:people_list"), {"q": "ny@"}).content.decode()
    assert "ny@example.invalid" in found and reporter.email not in found


# ---------------------------------------------------------------------------
# The person's own page
# ---------------------------------------------------------------------------
def test_the_profile_lists_memberships_and_sessions_and_signs_out_everywhere(reporter):
    laptop, phone = Client(), Client()
    assert logs_in(reporter.username, PASSWORD, laptop)
    assert logs_in(reporter.username, PASSWORD, phone)
    html = laptop.get(reverse("accounts:profile")).content.decode()
    assert "Region Midtjylland: Rapportør for part" in html
    assert html.count("<tr><td>") >= 2 and "(denne)" in html
    response = laptop.post(reverse("accounts:sessions_end_all"))
    assert response.status_code == 302
    for client in (laptop, phone):
        assert client.get("/").status_code == 302
    assert not UserSession.objects.filter(user=reporter).exists()


def test_the_profile_links_the_persons_own_pages(client_for, reporter):
    html = client_for(reporter).get(reverse("accounts:profile")).content.decode()
    for name in (
        "password_change",
        "accounts:two_factor_setup",
        "tokens:list",
        "feeds:profile_calendar",
    ):
        assert f'href="{reverse(name)}"' in html


def test_a_person_without_membership_still_reaches_their_profile(client_for, outsider):
    assert client_for(outsider).get(reverse("accounts:profile")).status_code == 200


# ---------------------------------------------------------------------------
# Personal data: export and anonymisation
# ---------------------------------------------------------------------------
def test_the_export_holds_what_sorplan_has_about_the_person(client_for, editor, reporter):
    response = client_for(editor).get(
        reverse("accounts:person_data_json", kwargs={"person": reporter.pk})
    )
    data = json.loads(response.content)
    assert data["person"]["email"] == reporter.email
    assert data["memberships"][0]["party"] == "Region Midtjylland"
    own = client_for(reporter).get(reverse("accounts:own_data_xlsx"))
    assert own.status_code == 200 and own.content[:2] == b"PK"
    assert "attachment" in own["Content-Disposition"]


def test_anonymisation_after_deactivation_keeps_the_history(client_for, editor, reporter):
    client = client_for(editor)
    anonymise = reverse("accounts:person_anonymise", kwargs={"person": reporter.pk})
    refused = client.post(anonymise, {"reason": "Anmodning", "version": version(reporter)})
    assert refused.status_code == 400 and "Deaktivér personen" in refused.content.decode()

    history_rows = Membership.history.filter(user_id=reporter.pk).count()
    people.person_deactivate(
        user=reporter,
        reason="Stoppet",
        by=editor,
        access=access_for(editor),
        version=version(reporter),
    )
    response = client.post(anonymise, {"reason": "Anmodning", "version": version(reporter)})
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.get_full_name() == f"Tidligere bruger #{reporter.pk}"
    assert reporter.email == "" and not reporter.has_usable_password()
    assert user_label(reporter) == f"Tidligere bruger #{reporter.pk}"
    assert Membership.history.filter(user_id=reporter.pk).count() == history_rows
    assert SecurityEvent.objects.filter(kind="anonymised", subject=reporter).exists()
    reactivate = reverse("accounts:person_reactivate", kwargs={"person": reporter.pk})
    assert client.post(reactivate, {"reason": "x", "version": version(reporter)}).status_code == 400


def test_the_privacy_note_is_open_and_in_the_footer(client, client_for, editor):
    page = client.get(reverse("accounts:privacy"))
    assert (
        page.status_code == 200
        and "Sundhedsdatastyrelsen er dataansvarlig" in page.content.decode()
    )
    html = client_for(editor).get("/").content.decode()
    assert reverse("accounts:privacy") in html and reverse("accessibility") in html


def test_a_reporter_sees_the_people_of_their_parties_only(client_for, reporter, kombit_reporter):
    other = member("t-midt-2", "region-midtjylland", Membership.Role.REPORTER)
    html = client_for(reporter).get(reverse("accounts:people_list")).content.decode()
    assert other.email in html and kombit_reporter.email not in html


def test_rsi_removes_a_regions_reporter_and_is_sent_back_to_the_list(
    client_for, rsi_reporter, reporter
):
    membership = reporter.memberships.get()
    path = reverse(
        "accounts:membership_remove", kwargs={"person": reporter.pk, "membership": membership.pk}
    )
    response = client_for(rsi_reporter).post(path, {"reason": "Stoppet", "version": 0})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:people_list")
    assert not reporter.memberships.exists()
    event = SecurityEvent.objects.get(kind="membership_removed", subject=reporter)
    assert event.actor == rsi_reporter and "Stoppet" in event.detail
