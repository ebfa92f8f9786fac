"""The reporting flow end to end: the form (drafts, bad input, submit), the SOR-team's
review (accept with forecast proposals, partial accept, return, resubmit), e-mails,
and the version check that refuses a silent lost update."""

import datetime

import pytest
from django.core import mail
from django.db import transaction

from milestones.models import ForecastProposal, Milestone, ProgressUpdate
from milestones.services import updates
from tests.helpers import forecast_move
from tests.milestones.helpers import (
    MEDCOM_ACTIVITY,
    MIDT_ACTIVITY,
    detail,
    edit_path,
    form_data,
    make_update,
    review,
)

D = datetime.date
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
MIDT_PATH = edit_path("region-midtjylland", MIDT_ACTIVITY)
MEDCOM_PATH = edit_path("medcom", MEDCOM_ACTIVITY)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the on_commit callbacks (the e-mail tasks, eager in
    tests) when the block ends, as the real commit would."""
    mail.outbox.clear()
    return lambda: django_capture_on_commit_callbacks(execute=True)


def medcom_milestones():
    return {m.key: m for m in Milestone.objects.filter(activity__key=MEDCOM_ACTIVITY)}


# ---------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------
def test_form_shows_fields_and_the_open_milestones(client_for, reporter, round_oct, midt_milestone):
    response = client_for(reporter).get(MIDT_PATH)
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Status i ord",
        "Jeres egen vurdering (RAG)",
        "Procent færdig",
        "Opnået i perioden",
        "Næste skridt",
        "Risici og forhindringer",
        "Behov for hjælp fra styregruppen",
        midt_milestone.title,
    ):
        assert label in html
    assert f'name="ms{midt_milestone.pk}-proposed_date"' in html
    assert 'name="version" value="0"' in html


def test_a_proposals_cached_form_follows_the_milestone_and_the_draft(
    client_for, reporter, editor, round_oct, midt_milestone
):
    """The open milestones' proposal forms are cached as HTML (`_prepare_proposal_html`):
    a moved forecast and a saved proposal show on the next page, an edit of another
    activity's milestone leaves the form as it was, and the cached form is the form
    rendered anew."""
    from django.core.cache import cache

    def move(milestone, date):
        forecast_move(milestone, to=date, user=editor, reason="Leverandøren har meldt en ny dato")

    client = client_for(reporter)
    first = _proposals(client.get(MIDT_PATH).content.decode())
    other = Milestone.objects.filter(activity__key=MEDCOM_ACTIVITY).first()
    move(other, D(2027, 6, 1))
    assert _proposals(client.get(MIDT_PATH).content.decode()) == first
    move(midt_milestone, D(2027, 5, 14))
    moved = _proposals(client.get(MIDT_PATH).content.decode())
    assert "14. maj 2027" in moved and moved != first, moved[:600]
    cache.clear()
    assert _proposals(client.get(MIDT_PATH).content.decode()) == moved
    prefix = f"ms{midt_milestone.pk}"
    data = form_data(
        **{f"{prefix}-proposed_date": "01.09.2027", f"{prefix}-reason": "Testen tager længere"}
    )
    assert client.post(MIDT_PATH, data).status_code == 302
    saved = _proposals(client.get(MIDT_PATH).content.decode())
    assert "01.09.2027" in saved and "Testen tager længere" in saved


def _proposals(page: str) -> str:
    start = page.index("Forslag til nye forventede datoer")
    return page[start : page.index("</fieldset>", start)]


def test_draft_is_saved_half_done(client_for, reporter, round_oct):
    response = client_for(reporter).post(
        MIDT_PATH, {"version": "0", "action": "draft", "narrative": "Kun en start"}
    )
    assert response.status_code == 302 and response["Location"] == MIDT_PATH
    update = ProgressUpdate.objects.get()
    assert update.status == ProgressUpdate.Status.DRAFT and update.version == 1
    assert update.narrative == "Kun en start" and update.percent_complete is None
    history = update.history.order_by("-history_id").first()
    assert history.history_user == reporter and history.history_change_reason == "Kladde gemt"
    page = client_for(reporter).get(MIDT_PATH).content.decode()
    assert "Kun en start" in page and 'name="version" value="1"' in page


def test_submit_checks_required_fields_and_keeps_what_was_typed(client_for, reporter, round_oct):
    response = client_for(reporter).post(
        MIDT_PATH, {"version": "0", "action": "submit", "narrative": "Halvt færdig"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Udfyld feltet, før du indsender opdateringen." in html
    assert "Halvt færdig" in html
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"percent_complete": "150"}, "percent_complete", "mellem 0 og 100"),
        ({"percent_complete": "-1"}, "percent_complete", "mellem 0 og 100"),
        (
            {"percent_complete": "halvdelen"},
            "percent_complete",
            "Skriv et helt tal mellem 0 og 100",
        ),
        ({"narrative": "<script>alert(1)</script>"}, "narrative", "uden HTML-koder"),
        ({"risks": "Se <b>her</b>"}, "risks", "uden HTML-koder"),
        ({"self_rag_reason": "x" * 1001}, "self_rag_reason", "højst 1000 tegn"),
        ({"narrative": "y" * 5001}, "narrative", "højst 5000 tegn"),
        ({"self_rag": "purple"}, "self_rag", "Marker en gyldig valgmulighed"),
    ],
)
def test_bad_input_gets_a_danish_message_and_nothing_is_lost(
    client_for, reporter, round_oct, values, field, message
):
    data = form_data(**values)
    data["achievements"] = "Det her må ikke gå tabt"
    response = client_for(reporter).post(MIDT_PATH, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}-error"' in html  # the message is tied to its field
    assert 'aria-invalid="true"' in html
    assert "Det her må ikke gå tabt" in html
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("date", "precision", "reason", "message"),
    [
        ("31.02.2027", "day", "Forsinket", "Skriv datoen som dd.mm.åååå"),
        ("01.01.1999", "day", "Forsinket", "mellem år 2000 og 2100"),
        ("15.03.2027", "day", "", "Skriv en begrundelse for den nye dato."),
        ("", "day", "Uden dato", "Angiv den nye dato, eller slet begrundelsen."),
    ],
)
def test_bad_proposal_gets_a_danish_message(
    client_for, reporter, round_oct, midt_milestone, date, precision, reason, message
):
    prefix = f"ms{midt_milestone.pk}"
    data = form_data(
        **{
            f"{prefix}-proposed_date": date,
            f"{prefix}-proposed_precision": precision,
            f"{prefix}-reason": reason,
        }
    )
    response = client_for(reporter).post(MIDT_PATH, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_imprecise_proposal_is_stored_as_the_first_day_of_its_period(
    client_for, reporter, round_oct, midt_milestone
):
    prefix = f"ms{midt_milestone.pk}"
    data = form_data(
        **{
            f"{prefix}-proposed_date": "15.05.2027",
            f"{prefix}-proposed_precision": "quarter",
            f"{prefix}-reason": "Leverandøren er forsinket",
        }
    )
    assert client_for(reporter).post(MIDT_PATH, data).status_code == 302
    proposal = ForecastProposal.objects.get()
    assert proposal.proposed_date == D(2027, 4, 1)
    assert proposal.proposed_precision == "quarter"
    # Emptying the date later removes the proposal.
    data.update({f"{prefix}-proposed_date": "", f"{prefix}-reason": "", "version": "1"})
    assert client_for(reporter).post(MIDT_PATH, data).status_code == 302
    assert not ForecastProposal.objects.exists()


def test_plain_text_is_stored_as_typed_and_shown_escaped(client_for, reporter, editor, round_oct):
    text = 'Fejlrate < 5 % & "stigende"'
    data = form_data(action="submit", narrative=text)
    assert client_for(reporter).post(MIDT_PATH, data).status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.narrative == text
    html = client_for(editor).get(detail(update)).content.decode()
    assert "Fejlrate &lt; 5 % &amp; &quot;stigende&quot;" in html


def test_htmx_draft_save_returns_the_form_alone(client_for, reporter, round_oct):
    response = client_for(reporter).post(MIDT_PATH, form_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="update-form"' in html
    assert "Kladden er gemt kl." in html
    assert 'name="version" value="1"' in html
    # Bad input through htmx: 200 so htmx swaps the form in, with the message.
    bad = client_for(reporter).post(
        MIDT_PATH, form_data(version=1, percent_complete=101), HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200 and "mellem 0 og 100" in bad.content.decode()
    submit = client_for(reporter).post(
        MIDT_PATH, form_data(version=1, action="submit"), HTTP_HX_REQUEST="true"
    )
    update = ProgressUpdate.objects.get()
    assert submit.status_code == 204 and submit["HX-Redirect"] == detail(update)
    assert update.status == ProgressUpdate.Status.SUBMITTED


def test_two_reporters_editing_the_same_draft_get_no_silent_lost_update(
    client_for, reporter, rsi_reporter, round_oct
):
    # Region Midtjylland's own reporter and RSI's both report for the region.
    assert client_for(reporter).post(MIDT_PATH, form_data(narrative="Første")).status_code == 302
    midt, rsi = client_for(reporter), client_for(rsi_reporter)
    assert 'name="version" value="1"' in midt.get(MIDT_PATH).content.decode()
    assert 'name="version" value="1"' in rsi.get(MIDT_PATH).content.decode()
    assert midt.post(MIDT_PATH, form_data(version=1, narrative="Midts tekst")).status_code == 302
    response = rsi.post(MIDT_PATH, form_data(version=1, narrative="RSIs tekst"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "har gemt opdateringen, mens du skrev" in html
    assert "RSIs tekst" in html  # what RSI typed is still in the form
    assert "Midts tekst" in html  # and the saved version is shown
    assert 'name="version" value="2"' in html
    update = ProgressUpdate.objects.get()
    assert update.narrative == "Midts tekst" and update.version == 2
    # Saving again, having seen the other version, replaces it knowingly.
    assert rsi.post(MIDT_PATH, form_data(version=2, narrative="RSIs tekst")).status_code == 302
    update.refresh_from_db()
    assert update.narrative == "RSIs tekst" and update.version == 3


def test_two_reporters_starting_the_same_update(client_for, reporter, rsi_reporter, round_oct):
    assert client_for(reporter).post(MIDT_PATH, form_data(version=0)).status_code == 302
    response = client_for(rsi_reporter).post(MIDT_PATH, form_data(version=0, narrative="Også"))
    assert response.status_code == 409
    assert ProgressUpdate.objects.get().narrative != "Også"


def test_a_submitted_update_is_not_edited(client_for, reporter, round_oct):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    client = client_for(reporter)
    response = client.get(MIDT_PATH)
    assert response.status_code == 302 and response["Location"] == detail(update)
    response = client.post(MIDT_PATH, form_data(version=update.version, narrative="Ændret"))
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.narrative == "Status" and update.status == ProgressUpdate.Status.SUBMITTED


# ---------------------------------------------------------------------------
# Review, e-mails and forecasts
# ---------------------------------------------------------------------------
def test_review_flow_end_to_end_with_partial_accept(client_for, reporters, round_oct, committed):
    medcom, editor = reporters["medcom"], reporters["editor"]
    ms = medcom_milestones()
    starter = ms["medcom-adresseringsprojekt-starter"]
    certified = ms["medcom-it-leverandoerer-certificeret"]
    starter_version = starter.version
    data = form_data(
        action="draft",
        **{
            f"ms{starter.pk}-proposed_date": "01.02.2027",
            f"ms{starter.pk}-proposed_precision": "month",
            f"ms{starter.pk}-reason": "Projektstart udskudt",
            f"ms{certified.pk}-proposed_date": "30.06.2027",
            f"ms{certified.pk}-proposed_precision": "day",
            f"ms{certified.pk}-reason": "Leverandører mangler",
        },
    )
    client = client_for(medcom)
    with committed():
        assert client.post(MEDCOM_PATH, data).status_code == 302
    assert mail.outbox == []  # a draft tells nobody
    data.update(action="submit", version="1")
    with committed():
        response = client.post(MEDCOM_PATH, data)
    update = ProgressUpdate.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(update)
    assert update.status == ProgressUpdate.Status.SUBMITTED

    # The SOR-team hears about it, in Danish, text and HTML.
    assert len(mail.outbox) == 1
    submitted_mail = mail.outbox[0]
    assert submitted_mail.to == [editor.email]
    assert submitted_mail.subject == "MedCom har indsendt statusopdatering for oktober 2026"
    assert detail(update) in submitted_mail.body
    html, mimetype = submitted_mail.alternatives[0]
    assert mimetype == "text/html" and "MedCom har indsendt" in html

    # The editor reads it and accepts one of the two dates.
    editor_client = client_for(editor)
    page = editor_client.get(detail(update)).content.decode()
    assert "Behandl opdateringen" in page and "Projektstart udskudt" in page
    proposals = {p.milestone_id: p for p in update.proposals.all()}
    with committed():
        response = editor_client.post(
            review(update),
            {
                "action": "accept",
                "version": str(update.version),
                f"proposal_{proposals[starter.pk].pk}": "on",
                "comment": "Tak & god arbejdslyst",
            },
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.ACCEPTED
    assert update.reviewed_by == editor and update.review_comment == "Tak & god arbejdslyst"

    starter.refresh_from_db()
    certified.refresh_from_db()
    assert (starter.forecast_date, starter.forecast_precision) == (D(2027, 2, 1), "month")
    assert starter.version == starter_version + 1
    assert certified.forecast_date is None  # not accepted: unchanged
    history = starter.history.order_by("-history_id").first()
    assert history.history_user == editor
    assert history.history_change_reason == "Fra MedComs opdatering for oktober 2026"
    assert certified.history.filter(history_change_reason__startswith="Fra ").count() == 0
    decisions = {p.milestone_id: p.decision for p in ForecastProposal.objects.all()}
    assert decisions == {starter.pk: "accepted", certified.pk: "rejected"}

    # The reporter hears back, and the comment is escaped in the HTML part.
    assert len(mail.outbox) == 2
    accepted_mail = mail.outbox[-1]
    assert accepted_mail.to == [medcom.email]
    assert accepted_mail.subject.startswith("Statusopdatering godkendt:")
    assert "Tak & god arbejdslyst" in accepted_mail.body
    assert "Tak &amp; god arbejdslyst" in accepted_mail.alternatives[0][0]
    assert "godkendt" in accepted_mail.body and "afvist" in accepted_mail.body

    # Accepting twice does nothing more.
    with committed():
        again = editor_client.post(
            review(update), {"action": "accept", "version": str(update.version)}, follow=True
        )
    assert "kan ikke behandles igen" in again.content.decode()
    starter.refresh_from_db()
    assert starter.version == starter_version + 1
    assert len(mail.outbox) == 2


def test_region_name_in_the_forecast_reason(reporter, editor, round_oct, midt_milestone):
    update = make_update(
        round_oct,
        "region-midtjylland",
        MIDT_ACTIVITY,
        user=reporter,
        submit=True,
        proposals=[
            updates.ProposalInput(
                milestone=midt_milestone, date=D(2027, 9, 1), precision="month", reason="Ny plan"
            )
        ],
    )
    proposal = update.proposals.get()
    moved = updates.progress_update_accept(
        update=update,
        accepted_proposal_ids={proposal.pk},
        comment="",
        version=update.version,
        user=editor,
    )
    assert moved == [midt_milestone]
    milestone = Milestone.objects.get(pk=midt_milestone.pk)
    assert milestone.forecast_date == D(2027, 9, 1)
    history = milestone.history.order_by("-history_id").first()
    assert history.history_change_reason == "Fra Region Midtjyllands opdatering for oktober 2026"
    assert history.history_user == editor


def test_returned_update_is_edited_and_resubmitted(client_for, reporters, round_oct, committed):
    midt, editor = reporters["midt"], reporters["editor"]
    rsi = reporters["rsi"]
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=midt, submit=True)
    editor_client = client_for(editor)
    # Returning needs a comment.
    response = editor_client.post(review(update), {"action": "return", "version": update.version})
    assert response.status_code == 400
    assert "Skriv en kommentar" in response.content.decode()
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED
    with committed():
        response = editor_client.post(
            review(update),
            {
                "action": "return",
                "version": update.version,
                "comment": "Procent mangler forklaring",
            },
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.RETURNED
    # The party's reporters hear it: their own and RSI's (who reports for the region),
    # one e-mail each.
    assert sorted(a for m in mail.outbox for a in m.to) == sorted([midt.email, rsi.email])
    assert len({m.subject for m in mail.outbox}) == 1
    returned_mail = mail.outbox[0]
    assert "Procent mangler forklaring" in returned_mail.body
    assert MIDT_PATH in returned_mail.body

    client = client_for(midt)
    page = client.get(MIDT_PATH)
    assert page.status_code == 200
    assert "Procent mangler forklaring" in page.content.decode()
    # Saving a draft keeps it returned (not yet resubmitted).
    data = form_data(version=update.version, self_rag_reason="Nu forklaret")
    assert client.post(MIDT_PATH, data).status_code == 302
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.RETURNED
    mail.outbox.clear()
    data = form_data(version=update.version, action="submit", self_rag_reason="Nu forklaret")
    with committed():
        assert client.post(MIDT_PATH, data).status_code == 302
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED
    assert update.self_rag_reason == "Nu forklaret"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [editor.email]
    statuses = list(update.history.order_by("history_id").values_list("status", flat=True))
    assert statuses == ["submitted", "returned", "returned", "submitted"]


def test_review_with_a_stale_version_is_refused(client_for, reporter, editor, round_oct):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    response = client_for(editor).post(
        review(update), {"action": "accept", "version": update.version - 1}, follow=True
    )
    assert "ændret, mens du læste den" in response.content.decode()
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED


def test_no_mail_when_the_write_is_rolled_back(reporter, round_oct, committed):
    with committed() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert mail.outbox == []
    assert not ProgressUpdate.objects.exists()
    # The same write committed sends the mail.
    with committed() as callbacks:
        make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    assert len(callbacks) == 1 and len(mail.outbox) == 1
