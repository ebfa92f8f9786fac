"""Working days and the default due date of a month's round (Danish public holidays)."""

import datetime

import pytest

from milestones.workdays import (
    first_working_day,
    is_working_day,
    last_working_day,
    working_days_between,
)

D = datetime.date


def test_december_2026_is_due_on_thursday_the_31st():
    # 31 December is not a Danish public holiday; 2026's falls on a Thursday.
    assert D(2026, 12, 31).strftime("%A") == "Thursday"
    assert last_working_day(D(2026, 12, 1)) == D(2026, 12, 31)


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (D(2026, 10, 1), D(2026, 10, 30)),  # 31 October 2026 is a Saturday
        (D(2027, 1, 1), D(2027, 1, 29)),  # 31 January 2027 is a Sunday
        (D(2026, 5, 1), D(2026, 5, 29)),  # 30/31 May 2026: Saturday/Sunday
    ],
)
def test_a_month_ending_on_a_weekend_is_due_on_the_friday_before(month, due):
    assert last_working_day(month) == due


def test_easter_moves_the_due_date_back_over_the_holidays():
    # March 2024 ends on Easter Sunday: 28 (Skærtorsdag) and 29 (Langfredag) are holidays.
    assert last_working_day(D(2024, 3, 1)) == D(2024, 3, 27)
    # April 2024 opens on Anden påskedag.
    assert first_working_day(D(2024, 4, 1)) == D(2024, 4, 2)


def test_easter_2027_days_are_not_working_days():
    for holiday in (D(2027, 3, 25), D(2027, 3, 26), D(2027, 3, 29)):
        assert not is_working_day(holiday), holiday
    assert is_working_day(D(2027, 3, 24)) and is_working_day(D(2027, 3, 30))
    # Five working days before 31 March 2027 skip Easter: the 19th, not the 26th.
    assert working_days_between(D(2027, 3, 19), D(2027, 3, 31)) == 5
    assert working_days_between(D(2027, 3, 22), D(2027, 3, 31)) == 4


def test_first_working_day_skips_new_years_day_and_the_weekend():
    # 1 January 2027 is a Friday and a holiday; the 2nd and 3rd are the weekend.
    assert first_working_day(D(2027, 1, 1)) == D(2027, 1, 4)
    assert first_working_day(D(2026, 11, 15)) == D(2026, 11, 2)


def test_whit_monday_and_ascension_are_holidays():
    assert not is_working_day(D(2027, 5, 6))  # Kristi himmelfartsdag
    assert not is_working_day(D(2027, 5, 17))  # Anden pinsedag
    assert working_days_between(D(2027, 5, 5), D(2027, 5, 7)) == 1
    assert working_days_between(D(2027, 5, 7), D(2027, 5, 7)) == 0
