"""core.forms: a service's errors land on the form; core.dates: today in Copenhagen."""

import datetime

import time_machine
from django import forms
from django.core.exceptions import ValidationError

from core.dates import task_today, today
from core.forms import add_service_errors


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


@time_machine.travel(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_today_is_copenhagens_date():
    assert today() == datetime.date(2026, 12, 1)
    assert task_today(None) == datetime.date(2026, 12, 1)


def test_a_tasks_today_argument_is_an_iso_date():
    assert task_today("2026-03-02") == datetime.date(2026, 3, 2)
