"""core.forms: a service's errors land on the form, `form_save` answers a bad input or a
conflict with the form as typed; core.dates: today in Copenhagen."""

import datetime
from types import SimpleNamespace

import time_machine
from django import forms
from django.core.exceptions import ValidationError

from core.dates import task_today, today
from core.forms import add_service_errors, form_save
from core.versioning import EditConflict


class TitleForm(forms.Form):
    title = forms.CharField()


def test_service_errors_go_on_their_field_or_on_the_form():
    form = TitleForm({"title": "Skrevet"})
    assert form.is_valid()
    add_service_errors(
        form, ValidationError({"title": "Titlen er taget.", "key": "Nøglen er taget."})
    )
    assert form.errors["title"] == ["Titlen er taget."]
    assert form.non_field_errors() == ["Nøglen er taget."]
    assert form.data["title"] == "Skrevet"


def test_a_plain_service_error_goes_on_the_form():
    form = TitleForm({"title": "x"})
    form.is_valid()
    add_service_errors(form, ValidationError("Rapporten er publiceret."))
    assert form.non_field_errors() == ["Rapporten er publiceret."]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField()


def test_form_save_returns_what_the_service_saved():
    result = form_save(
        VersionedForm({"version": "3", "title": "Ny"}),
        lambda f: f.cleaned_data["title"],
        conflict="x",
    )
    assert result.ok and result.status is None and result.saved == "Ny"


def test_form_save_does_not_call_the_service_for_bad_input():
    called = []
    result = form_save(VersionedForm({"version": "3"}), called.append, conflict="x")
    assert result.status == 400 and not result.ok and called == []


def test_form_save_puts_a_service_error_on_its_field():
    def save(form):
        raise ValidationError({"title": "Titlen er taget."})

    form = VersionedForm({"version": "3", "title": "Skrevet"})
    result = form_save(form, save, conflict="x")
    assert result.status == 400
    assert form.errors["title"] == ["Titlen er taget."]
    assert 'value="Skrevet"' in str(form["title"])


def test_form_save_on_a_conflict_keeps_the_typing_and_offers_the_saved_version():
    def save(form):
        raise EditConflict(SimpleNamespace(version=5), seen_version=3)

    form = VersionedForm({"version": "3", "title": "Min titel"})
    result = form_save(form, save, conflict="Gemt af en anden.")
    assert result.status == 409
    assert form.non_field_errors() == ["Gemt af en anden."]
    assert 'value="5"' in str(form["version"]) and 'value="Min titel"' in str(form["title"])


@time_machine.travel(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_today_is_copenhagens_date():
    assert today() == datetime.date(2026, 12, 1)
    assert task_today(None) == datetime.date(2026, 12, 1)


def test_a_tasks_today_argument_is_an_iso_date():
    assert task_today("2026-03-02") == datetime.date(2026, 3, 2)


def test_a_moment_the_picker_cannot_show_is_shown_as_typed_in_a_text_input():
    from core.forms import PointInTimeForm

    bad = PointInTimeForm({"som_den_var": "31.13.2026"})
    assert not bad.is_valid()
    html = str(bad["som_den_var"])
    assert 'type="text"' in html and 'value="31.13.2026"' in html

    day = str(PointInTimeForm({"som_den_var": "2026-10-01"})["som_den_var"])
    assert 'type="datetime-local"' in day and 'value="2026-10-01T00:00"' in day
    assert 'type="datetime-local"' in str(PointInTimeForm()["som_den_var"])
