"""The security audit log: the recorder writes what it is given, and only that."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from accounts.audit import Kind, Method, security_event_record
from accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_subject_method_ip_and_cut_detail():
    actor = User.objects.create_user("editor-a")
    subject = User.objects.create_user("person-b")
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = actor

    event = security_event_record(
        Kind.MEMBERSHIP_GRANTED,
        request=request,
        subject=subject,
        method=Method.PASSWORD,
        detail="x" * 500,
    )

    event.refresh_from_db()
    assert (event.kind, event.actor, event.subject, event.method, event.ip) == (
        "membership_granted",
        actor,
        subject,
        "password",
        "192.0.2.7",
    )
    assert len(event.detail) == 300


def test_anonymous_request_has_no_actor_and_unknown_kind_is_refused():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.8")
    request.user = AnonymousUser()
    event = security_event_record(Kind.LOGIN_FAILURE, request=request, method=Method.PASSWORD)
    assert event.actor is None and event.ip == "192.0.2.8"
    with pytest.raises(ValueError):
        security_event_record("made_up")
    assert SecurityEvent.objects.count() == 1
