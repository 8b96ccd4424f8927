"""Dates and times as an agent types them in French: « 14/10/2026 », « 9:05 », « 09h05 ».

Total parsers: a value or `ValidationError` naming the field, never a silent correction. Qt's
date editors turn « 31/02/2027 » into 28/02/2027 without a word; here it is refused with « le
31/02/2027 n'existe pas » so the agent retypes it. Two-digit years are refused too: « 14/10/26 »
could be 1926 or 2026, and a visit date is not the place to guess.
"""

from __future__ import annotations

import re
from datetime import date, time

from app.models.errors import ValidationError

_DATE = re.compile(r"\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*")
_TIME = re.compile(r"\s*(\d{1,2})\s*(?:[:hH]\s*(\d{2})?)?\s*")


def parse_date(text: str, field: str, label: str) -> date:
    """« jj/mm/aaaa » (also « - » or « . ») to a date. Raises ValidationError(field)."""
    raw = (text or "").strip()
    if not raw.replace("/", "").replace(" ", ""):
        raise ValidationError("{label} : saisissez une date (jj/mm/aaaa).", field=field, label=label)
    match = _DATE.fullmatch(raw)
    if match is None or not raw.isascii():
        raise ValidationError("{label} : « {text} » n'est pas une date jj/mm/aaaa.", field=field, label=label,
                              text=raw)
    day, month, year = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValidationError("{label} : le mois {month} n'existe pas (1 à 12).", field=field, label=label,
                              month=f"{month:02d}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError("{label} : le {text} n'existe pas (ce mois n'a pas de {day}).", field=field,
                              label=label, text=f"{day:02d}/{month:02d}/{year}", day=day) from None


def parse_time(text: str, field: str, label: str) -> time:
    """« hh:mm », « 9h05 », « 14h » or « 14 » to a time. Raises ValidationError(field)."""
    raw = (text or "").strip()
    if not raw.replace(":", "").replace(" ", ""):
        raise ValidationError("{label} : saisissez une heure (hh:mm).", field=field, label=label)
    match = _TIME.fullmatch(raw)
    if match is None or not raw.isascii():
        raise ValidationError("{label} : « {text} » n'est pas une heure hh:mm.", field=field, label=label, text=raw)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValidationError("{label} : {text} n'existe pas (00:00 à 23:59).", field=field, label=label,
                              text=f"{hour:02d}:{minute:02d}")
    return time(hour, minute)


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_time(value: time) -> str:
    return value.strftime("%H:%M")
