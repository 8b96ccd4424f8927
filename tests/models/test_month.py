"""Month: the one calendar-month value of the app (reports, sync, retention, checklist deadlines)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.models import month as month_module
from app.models.errors import ValidationError
from app.models.month import INVALID_MONTH, Month, add_months


@pytest.mark.parametrize("text,expected", [
    ("2026-10", Month(2026, 10)),
    (" 2026-10\n", Month(2026, 10)),  # blanks around a pasted value are not an error
    ("0001-01", Month(1, 1)),
    ("9999-12", Month(9999, 12)),
])
def test_parse_reads_year_dash_two_digit_month(text, expected):
    assert Month.parse(text) == expected
    assert str(Month.parse(text)) == text.strip()


@pytest.mark.parametrize("text", ["0000-01", "2026-13", "2026-00", " 2026-1", "2026-1", "26-10", "2026/10",
                                  "2026-10-01", "octobre", "", "   ", None, "２０２６-10", "+026-10", 202610])
def test_every_bad_month_gets_the_same_french_message(text):
    with pytest.raises(ValidationError) as err:
        Month.parse(text)
    assert err.value.field == "month"
    assert str(err.value) == INVALID_MONTH == "Mois invalide : attendu AAAA-MM (ex. 2026-10)."


@pytest.mark.parametrize("year,month", [(0, 1), (2026, 0), (2026, 13), (10000, 1), ("2026", 1), (True, 1)])
def test_constructor_refuses_impossible_months(year, month):
    with pytest.raises(ValidationError):
        Month(year, month)


def test_december_is_followed_by_january_of_the_next_year():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).prev() == Month(2026, 12)
    assert Month(2026, 12) + 1 == Month(2027, 1) == 1 + Month(2026, 12)
    assert Month(2026, 10) + 15 == Month(2028, 1)
    assert Month(2026, 10) - 12 == Month(2025, 10)
    assert Month(2026, 10) + (-22) == Month(2024, 12)


def test_difference_of_two_months_counts_months():
    assert Month(2027, 1) - Month(2026, 10) == 3
    assert Month(2026, 10) - Month(2027, 1) == -3


def test_arithmetic_beyond_the_calendar_overflows():
    with pytest.raises(OverflowError):
        Month(9999, 12).next()
    with pytest.raises(OverflowError):
        Month(1, 1).prev()


def test_bounds_are_half_open_and_include_leap_days():
    assert Month(2024, 2).bounds() == (date(2024, 2, 1), date(2024, 3, 1))
    assert Month(2026, 12).bounds() == (date(2026, 12, 1), date(2027, 1, 1))
    assert Month(2024, 2).days == 29 and Month(2023, 2).days == 28 and Month(1900, 2).days == 28
    assert Month(2000, 2).last_day == date(2000, 2, 29)
    assert Month(2026, 10).first_day == date(2026, 10, 1)


def test_contains_and_of_agree_on_days_and_datetimes():
    october = Month(2026, 10)
    assert Month.of(date(2026, 10, 31)) == october == Month.of(datetime(2026, 10, 1, 0, 0))
    assert Month.of(october) is october
    assert october.contains(date(2026, 10, 1)) and october.contains(datetime(2026, 10, 31, 23, 59))
    assert not october.contains(date(2026, 11, 1)) and not october.contains(date(2025, 10, 15))
    with pytest.raises(TypeError):
        Month.of("2026-10")


def test_months_are_ordered_hashable_and_immutable():
    months = [Month(2027, 1), Month(2026, 12), Month(2026, 2)]
    assert sorted(months) == [Month(2026, 2), Month(2026, 12), Month(2027, 1)]
    assert Month(2026, 12) < Month(2027, 1) and max(months) == Month(2027, 1)
    assert len({Month(2026, 10), Month.parse("2026-10"), Month.of(date(2026, 10, 5))}) == 1
    with pytest.raises(AttributeError):
        Month(2026, 10).month = 11  # type: ignore[misc]


def test_range_walks_across_the_year_end_and_excludes_its_stop():
    assert [str(m) for m in Month.range(Month(2026, 11), Month(2027, 3))] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert list(Month.range(Month(2026, 10), Month(2026, 10))) == []
    assert list(Month.range(Month(2026, 10), Month(2026, 1))) == []


def test_today_follows_the_clock(monkeypatch):
    class NewYearsEve(date):
        @classmethod
        def today(cls):
            return cls(2026, 12, 31)

    monkeypatch.setattr(month_module, "date", NewYearsEve)
    assert Month.today() == Month(2026, 12)


@pytest.mark.parametrize("day,months,expected", [
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2028, 2, 29), -12, date(2027, 2, 28)),
    (date(2026, 11, 23), -24, date(2024, 11, 23)),
    (date(2026, 1, 15), -13, date(2024, 12, 15)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
])
def test_add_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected
