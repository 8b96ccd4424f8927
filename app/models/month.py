"""A calendar month as a value: the unit reports, the national sync, retention and checklist
deadlines count in. Written once here so that « the month after December » or « 31 January plus
one month » have one answer everywhere.

`Month` is frozen, hashable and ordered (by year, then month). Its text form is « AAAA-MM », the
form users type (`guichet rapport --mois 2026-10`) and the sync sends; `Month.parse` is the one
place that text is read, with one French message for every bad input.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from app.models.errors import ValidationError

INVALID_MONTH = "Mois invalide : attendu AAAA-MM (ex. 2026-10)."
_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_FIRST, _LAST = 1 * 12, 9999 * 12 + 11  # month indexes of 0001-01 and 9999-12 (the range of date)


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        valid = (type(self.year) is int and type(self.month) is int  # bool is an int: refuse it
                 and 1 <= self.year <= 9999 and 1 <= self.month <= 12)
        if not valid:
            raise ValidationError(INVALID_MONTH, field="month")

    # --- making one -----------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | None) -> Month:
        """« 2026-10 » (surrounding blanks ignored) → Month(2026, 10). Raises ValidationError(field="month")."""
        found = _TEXT.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise ValidationError(INVALID_MONTH, field="month")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, value: date | Month) -> Month:
        """The month a day (or a datetime, read as its own calendar date) falls in; a Month is kept."""
        if isinstance(value, Month):
            return value
        if isinstance(value, date):  # datetime is a date too
            return cls(value.year, value.month)
        raise TypeError(f"Month.of() expects a date or a Month, not {type(value).__name__}")

    @classmethod
    def today(cls) -> Month:
        return cls.of(date.today())

    @staticmethod
    def range(start: Month, stop: Month) -> Iterator[Month]:
        """start, start + 1, … up to but excluding stop (like range()); nothing when stop <= start."""
        for index in range(start._index, stop._index):
            yield Month._at(index)

    # --- reading it -----------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        """Number of days (28 to 31)."""
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    def bounds(self) -> tuple[date, date]:
        """(first day, first day of the next month): the half-open range [start, end) queries use.
        Raises OverflowError for 9999-12, whose end is past the last representable date."""
        return self.first_day, self.next().first_day

    def contains(self, value: date) -> bool:
        """Whether a day, or a datetime's calendar date, falls in this month."""
        return isinstance(value, date) and (value.year, value.month) == (self.year, self.month)

    # --- arithmetic -----------------------------------------------------------------------------

    @property
    def _index(self) -> int:
        return self.year * 12 + self.month - 1

    @staticmethod
    def _at(index: int) -> Month:
        if not _FIRST <= index <= _LAST:
            raise OverflowError("month out of range (0001-01 to 9999-12)")
        year, month0 = divmod(index, 12)
        return Month(year, month0 + 1)

    def __add__(self, months: int) -> Month:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return Month._at(self._index + months)

    __radd__ = __add__

    def __sub__(self, other: int | Month):
        """Month - n → the month n earlier; Month - Month → the number of months between them."""
        if isinstance(other, Month):
            return self._index - other._index
        if not isinstance(other, int) or isinstance(other, bool):
            return NotImplemented
        return Month._at(self._index - other)

    def next(self) -> Month:
        return self + 1

    def prev(self) -> Month:
        return self - 1


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (earlier when negative), clamped to the end of
    a shorter month: 31 January + 1 → 28 or 29 February; 29 February 2024 - 12 → 28 February 2023."""
    target = Month.of(day) + months
    return date(target.year, target.month, min(day.day, target.days))
