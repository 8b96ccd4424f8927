"""« Feuille de route »: a bus day's paper sheet entered afterwards, one row per visit (issue 15).

The stop and the day are given once for the whole sheet; each row gives a time, one démarche,
the canal, the type of answer, the duration and an optional note. Every row becomes one
accompaniment through `open_accompaniment` — the same validation as the form, including the
date rules of `occurred_at` (not in the future, not before 2019) — plus one rule of the sheet:
the day may not be older than the retention period (its visits would be anonymised at once).

All or nothing: `save_sheet` runs as ONE Desk operation. Every row is checked; if any row is
refused, `SheetErrors` carries each refused row's message and nothing at all is written (the
transaction is rolled back), so the agent corrects those rows and saves the sheet again — a
sheet is never half entered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session

from app import config
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.context import Actor
from app.models.errors import ValidationError
from app.models.month import add_months

_TIME = re.compile(r"^(\d{1,2})(?:\s*[:hH.]\s*(\d{2})?|(\d{2}))?$")


@dataclass
class SheetRow:
    time: str  # as typed: « 9:30 », « 0930 », « 9h30 », « 14 »
    procedure: ProcedureLine | None  # the démarche picked in the typeahead; None: not picked
    canal: str
    response_type: str
    duration_min: int | str = 15
    note: str = ""


@dataclass
class Sheet:
    day: date
    bus_stop_id: int | None
    rows: list[SheetRow] = field(default_factory=list)


class SheetErrors(ValidationError):
    """Some rows were refused; nothing was saved. `rows`: {row index: ValidationError}."""

    def __init__(self, rows: dict[int, ValidationError]):
        super().__init__("{n} ligne(s) à corriger : rien n'a été enregistré.", field="rows", n=len(rows))
        self.rows = rows


def parse_time(text: str) -> time:
    """« 9:30 », « 09h30 », « 0930 », « 9h », « 14 » → time. Raises ValidationError(field="time")."""
    m = _TIME.match((text or "").strip())
    if not m:
        raise ValidationError("Heure : tapez-la comme 9:30, 9h30 ou 0930.", field="time")
    hour, minute = int(m.group(1)), int(m.group(2) or m.group(3) or 0)
    if hour > 23 or minute > 59:
        raise ValidationError("Heure : tapez-la comme 9:30, 9h30 ou 0930.", field="time")
    return time(hour, minute)


def check_day(session: Session, day: date, today: date) -> None:
    """The sheet's day: not in the future, not before the retention period. Raises ValidationError(field="day")."""
    if day > today:
        raise ValidationError("La date de la feuille ne peut pas être dans le futur.", field="day")
    months = config.RETENTION_MONTHS.get(session)
    if day < add_months(today, -months):
        raise ValidationError("Date trop ancienne : au-delà de la durée de conservation ({months} mois).",
                              field="day", months=months)


def save_sheet(session: Session, actor: Actor, sheet: Sheet, now: datetime | None = None) -> list[int]:
    """Log every row of the sheet, or none. Returns the new accompaniment ids in row order.
    Raises ValidationError (field="day" or "rows"), SheetErrors, PermissionDenied."""
    actor.require("open_accompaniment")
    now = now or datetime.now()
    check_day(session, sheet.day, now.date())
    if not sheet.rows:
        raise ValidationError("La feuille est vide : saisissez au moins un passage.", field="rows")
    ids: list[int] = []
    errors: dict[int, ValidationError] = {}
    for i, row in enumerate(sheet.rows):
        try:
            at = datetime.combine(sheet.day, parse_time(row.time))
            if row.procedure is None:
                raise ValidationError("Démarche : choisissez-la dans les suggestions.", field="procedure")
            data = AccompanimentInput([row.procedure], response_type=row.response_type, canal=row.canal,
                                      occurred_at=at, duration_min=row.duration_min,
                                      bus_stop_id=sheet.bus_stop_id, note=row.note)
            # open_accompaniment checks everything before adding anything: a refused row leaves
            # nothing behind, and the other rows are still checked so that all errors show at once.
            ids.append(open_accompaniment(session, actor, data, now=now).id)
        except ValidationError as exc:
            errors[i] = exc
    if errors:
        raise SheetErrors(errors)  # the Desk rolls the whole sheet back
    return ids
