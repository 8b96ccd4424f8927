"""Translations and locale-aware formats.

Source strings (msgids) are French, the UI's default language: a missing English translation
falls back to French, never to a code. resources/locale/en/LC_MESSAGES/guichet.po holds English;
it is compiled in memory at start (babel), so there is no build step and no stale .mo file.
Dates, numbers and percentages always go through babel with the current locale.
"""

from __future__ import annotations

import gettext as _gettext
from datetime import date, datetime
from io import BytesIO

from app.models.errors import set_translator
from app.resources import resource_path

DOMAIN = "guichet"
LANGUAGES = {"fr": "fr_FR", "en": "en_GB"}
_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_lang = "fr"


def install(lang: str = "fr") -> None:
    """Switch the process language ('fr' or 'en')."""
    global _translations, _lang
    _lang = lang if lang in LANGUAGES else "fr"
    _translations = _load(_lang)
    # Domain errors carry French msgids: they translate through the same catalogue.
    set_translator(_translations.gettext)


def _load(lang: str) -> _gettext.NullTranslations:
    if lang == "fr":
        return _gettext.NullTranslations()
    po = resource_path("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    if not po.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_language() -> str:
    return _lang


def locale_name() -> str:
    return LANGUAGES[_lang]


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural forms: French source strings follow French rules (« 0 réponse », « 1 réponse »,
    « 2 réponses »), which gettext's catalogue-less default (English: only 1 is singular) gets wrong."""
    if type(_translations) is _gettext.NullTranslations:
        return singular if abs(n) < 2 else plural
    return _translations.ngettext(singular, plural, n)


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    from babel.dates import format_date as _fd

    return _fd(value, format=fmt, locale=locale_name())


def format_long_date(value: date, lang: str | None = None) -> str:
    """« 1er décembre 2026 », « 23 novembre 2026 »: French writes the first of the month « 1er »
    (babel's long format does not); `lang` forces a language (the handout is always French)."""
    from babel.dates import format_date as _fd

    lang = lang or _lang
    text = _fd(value, format="d MMMM y", locale=LANGUAGES.get(lang, "fr_FR"))
    return "1er" + text[1:] if lang == "fr" and value.day == 1 else text


def format_datetime(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    from babel.dates import format_datetime as _fdt

    return _fdt(value, format=fmt, locale=locale_name())


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    from babel.dates import format_time as _ft

    return _ft(value, format="short", locale=locale_name())


def format_month(value: date) -> str:
    """« novembre 2026 »."""
    from babel.dates import format_date as _fd

    return _fd(value, format="MMMM y", locale=locale_name())


def format_number(value: int | float, decimals: int | None = None) -> str:
    """« 1 234 » with the locale's (narrow no-break) group separator."""
    from babel.numbers import format_decimal

    if decimals is not None:
        return format_decimal(value, format=f"#,##0.{'0' * decimals}" if decimals else "#,##0", locale=locale_name())
    return format_decimal(value, locale=locale_name())


def format_percent(ratio: float | None, decimals: int = 1) -> str:
    if ratio is None:
        return "—"
    from babel.numbers import format_percent as _fp

    return _fp(ratio, format=f"#,##0.{'0' * decimals} %" if decimals else "#,##0 %", locale=locale_name())


def label(vocabulary: str, code: str | None) -> str:
    """French/English label of a vocabulary code (see resources/catalogues/vocabularies.csv)."""
    from app.models.catalogue import catalogue

    return catalogue().label(vocabulary, code, _lang)
