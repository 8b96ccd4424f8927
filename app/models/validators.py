"""Validators for identifiers typed or imported: NIR, phone, postal code, commune INSEE code.

Every function is total: any value in, a normalised string out or `ValidationError` (French
message, `field` set) raised; no other exception. Digits are ASCII-strict: `str.isdigit()` and
`int()` accept "²", "٥" or "５" (the python-stdnum #96 class of bugs), so we never call them on
unchecked text.

Invisible and spacing characters (one rule for all validators):
- separators are removed: ASCII space, tab, NBSP (U+00A0) and narrow NBSP (U+202F), which
  French word processors put inside numbers ("06 12 34 56 78" pasted from a letter), plus "."
  and "-" for phones;
- zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and bidirectional marks (U+200E,
  U+200F, U+202A–U+202E, U+2066–U+2069, U+061C) are rejected with their own message: they are
  invisible, so silently dropping them would accept text the agent cannot see.
"""

from __future__ import annotations

import re

from app.models.errors import ValidationError

MAX_INPUT = 64
_SEPARATORS = " \t\u00a0\u202f"
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\u061c")
_DIGITS = frozenset("0123456789")


def _prepare(value: object, field: str, label: str, extra_separators: str = "") -> str:
    """Common front end: type check, length cap, invisible marks, separators removed."""
    if value is None:
        raise ValidationError("{label} : valeur manquante.", field=field, label=label)
    if not isinstance(value, str):
        raise ValidationError("{label} : valeur non textuelle.", field=field, label=label)
    if len(value) > MAX_INPUT:
        raise ValidationError("{label} : trop long.", field=field, label=label)
    if any(ch in _INVISIBLE for ch in value):
        raise ValidationError("{label} : contient un caractère invisible (copier-coller ?). Ressaisissez-le.",
                              field=field, label=label)
    separators = _SEPARATORS + extra_separators
    cleaned = "".join(ch for ch in value if ch not in separators)
    if not cleaned:
        raise ValidationError("{label} : valeur manquante.", field=field, label=label)
    return cleaned


def _ascii_digits(text: str) -> bool:
    return bool(text) and all(ch in _DIGITS for ch in text)


# ----------------------------------------------------------------------------- NIR

_NIR_SHAPE = re.compile(r"[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}")


def nir_key(body13: str) -> int:
    """The 2-digit key of a 13-character NIR body (Corsica: 2A -> 19, 2B -> 18 before mod 97)."""
    digits = body13.upper()
    if digits[5:7] == "2A":
        digits = digits[:5] + "19" + digits[7:]
    elif digits[5:7] == "2B":
        digits = digits[:5] + "18" + digits[7:]
    return 97 - int(digits) % 97


def validate_nir(value: object, field: str = "nir") -> str:
    """15 characters (sex, year, month, place incl. 2A/2B, order, key mod 97) -> normalised NIR.

    Accepts the provisional sex digits 3, 4, 7, 8; month codes are not checked beyond digits
    (INSEE uses 20–42 and 50+ for unknown months)."""
    label = "Numéro de sécurité sociale"
    text = _prepare(value, field, label)
    if not text.isascii():
        raise ValidationError("{label} : chiffres ASCII uniquement (0-9, et 2A/2B pour la Corse).",
                              field=field, label=label)
    text = text.upper()
    if len(text) != 15:
        raise ValidationError("{label} : 15 caractères attendus (clé comprise), {count} saisis.",
                              field=field, label=label, count=len(text))
    if not _NIR_SHAPE.fullmatch(text):
        raise ValidationError("{label} : format invalide (1er chiffre 1, 2, 3, 4, 7 ou 8 ; chiffres, et 2A/2B pour la Corse).",
                              field=field, label=label)
    if int(text[13:]) != nir_key(text[:13]):
        raise ValidationError("{label} : la clé ne correspond pas (erreur de saisie ?).", field=field, label=label)
    return text


# ----------------------------------------------------------------------------- phone

# Overseas territories that share the French numbering habit "0 + 9 digits" but have their own
# country code: a number typed "0590 …" is tried under each when it is not a metropolitan one.
OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
_PHONE_CHARS = frozenset("0123456789+()")


def validate_phone(value: object, field: str = "phone", region: str = "FR") -> str:
    """A phone number -> E.164 ("+33612345678"). Local numbers use `region`, then overseas regions."""
    label = "Numéro de téléphone"
    text = _prepare(value, field, label, extra_separators=".-/")
    if not all(ch in _PHONE_CHARS for ch in text):
        raise ValidationError("{label} : chiffres ASCII uniquement (et + au début).", field=field, label=label)
    if "+" in text[1:] or len(text) > 20 or sum(ch in _DIGITS for ch in text) < 4:
        raise ValidationError("{label} : invalide.", field=field, label=label)
    import phonenumbers  # lazy: ~40 ms, only when a phone is typed

    regions = (region,) if text.startswith(("+", "00")) else (region,) + OVERSEAS_REGIONS
    for candidate in regions:
        try:
            parsed = phonenumbers.parse(text, candidate)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError("{label} : invalide (vérifiez le nombre de chiffres).", field=field, label=label)


def phone_kind(e164: str) -> str:
    """'mobile', 'fixe' or 'autre' (ARCEP: 06/07 mobiles, 01–05 and 09 fixed) for a valid E.164 number."""
    import phonenumbers

    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "fixe"
    return "autre"


# ----------------------------------------------------------------------------- postal / INSEE

def validate_postal_code(value: object, field: str = "postal_code") -> str:
    """Five ASCII digits in a French range: 01000–95999 (Corsica 20xxx), 97100–97699 (DROM,
    Saint-Pierre, Saint-Barthélemy, Saint-Martin), 98000–98999 (Monaco and Pacific COM)."""
    label = "Code postal"
    text = _prepare(value, field, label)
    if len(text) != 5 or not _ascii_digits(text):
        raise ValidationError("{label} : 5 chiffres attendus (ex. 75001).", field=field, label=label)
    number = int(text)
    if 1000 <= number <= 95999 or 97100 <= number <= 97699 or 98000 <= number <= 98999:
        return text
    raise ValidationError("{label} : {text} n'existe pas en France.", field=field, label=label, text=text)


def validate_commune_insee(value: object, field: str = "commune_insee") -> str:
    """INSEE (COG) commune code: department 01–19, 21–95 or 2A/2B + 3 digits; overseas 971–978,
    984–989 + 2 digits. 20xxx is refused (Corsica uses 2A/2B since 1976), as are 99xxx
    (foreign countries) and 96xxx."""
    label = "Code commune INSEE"
    text = _prepare(value, field, label)
    if not text.isascii() or len(text) != 5:
        raise ValidationError("{label} : 5 caractères attendus (ex. 75056, 2A004).", field=field, label=label)
    text = text.upper()
    dept, rest = text[:2], text[2:]
    if not _ascii_digits(rest):
        raise ValidationError("{label} : 5 caractères attendus (ex. 75056, 2A004).", field=field, label=label)
    if dept in ("2A", "2B"):
        return text
    if not _ascii_digits(dept):
        raise ValidationError("{label} : département invalide.", field=field, label=label)
    if dept == "20":
        raise ValidationError("{label} : pour la Corse, utilisez 2A ou 2B (ex. 2A004).", field=field, label=label)
    if "01" <= dept <= "95":
        return text
    if dept == "97" and rest[0] in "12345678":
        return text
    if dept == "98" and rest[0] in "456789":
        return text
    raise ValidationError("{label} : département {dept} inconnu.", field=field, label=label, dept=dept)


# ----------------------------------------------------------------------------- free text

# Free text typed by agents (names, notes, comments, places) goes through `validate_text`, one
# rule for every field so that a note and a name cannot disagree on what « invisible » means.
# Refused, with a French message naming the field:
# - lone surrogates (U+D800–U+DFFF): Qt can hand them over from a broken paste, and SQLite,
#   the FTS index and the PDF writer cannot encode them;
# - control characters (category Cc) other than the line breaks and tabs a multi-line note may hold;
# - format characters (category Cf): bidi embeddings, overrides and isolates (U+202A–U+202E,
#   U+2066–U+2069), bidi marks, zero-width characters (U+200B–U+200D, U+2060, U+FEFF), soft
#   hyphen, tags… They are invisible or reorder what is displayed (« Trojan Source »), so the
#   text stored would not be the text the agent sees.
# Whitespace is normalised, not refused: single-line fields collapse every run of spaces, tabs
# and line breaks to one space; multi-line fields keep "\n" (CR/LF and U+2028/2029 become "\n").
# Text is stored in NFC so that an « é » typed on macOS (NFD) is found by a search typed on Windows.

_SURROGATES = range(0xD800, 0xE000)
_NAME_PUNCTUATION = frozenset(" '’ʼ-‐‑.,")


def _first_refused(text: str, multiline: bool) -> tuple[str, str] | None:
    """(kind, character) of the first character the free-text rule refuses, or None."""
    import unicodedata

    for ch in text:
        if ord(ch) in _SURROGATES:
            return "surrogate", ch
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in "\n\t"):
            return "control", ch
        if category == "Cf":
            return "invisible", ch
    return None


def validate_text(value: object, field: str, label: str, *, max_length: int, multiline: bool = False,
                  required: bool = False) -> str:
    """Normalised free text ("" when empty and not required). Raises ValidationError(field)."""
    import unicodedata

    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("{label} : valeur non textuelle.", field=field, label=label)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
        value = "\n".join(line.rstrip() for line in value.split("\n")).strip()
    else:
        # str.split() also splits on \x1c–\x1f and \x85: those are collapsed to a space rather
        # than refused, as for tabs and line breaks pasted into a one-line field.
        value = " ".join(value.split())
    refused = _first_refused(value, multiline)
    if refused is not None:
        kind, ch = refused
        code = f"U+{ord(ch):04X}"
        if kind == "surrogate":
            message = "{label} : contient un caractère illisible ({code}, copier-coller abîmé ?). Ressaisissez-le."
        elif kind == "control":
            message = "{label} : caractère de contrôle non autorisé ({code})."
        else:
            message = ("{label} : contient un caractère invisible ou d'inversion du sens d'écriture "
                       "({code}, copier-coller ?). Ressaisissez le texte.")
        raise ValidationError(message, field=field, label=label, code=code)
    value = unicodedata.normalize("NFC", value)
    if required and not value:
        raise ValidationError("{label} : champ obligatoire.", field=field, label=label)
    if len(value) > max_length:
        raise ValidationError("{label} : {max_length} caractères au plus.",
                              field=field, label=label, max_length=max_length)
    return value


def validate_person_name(value: object, field: str, label: str, *, max_length: int = 80) -> str:
    """A first or last name (same policy for both): letters of any alphabet with their accents,
    spaces, apostrophes, hyphens, dots and commas ("Jean-Pierre", "N'Diaye", "Lê Văn", "J.").
    Digits, symbols and emoji are refused. Returns "" when empty. Raises ValidationError(field)."""
    import unicodedata

    text = validate_text(value, field, label, max_length=max_length)
    for ch in text:
        if ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LM":
            continue
        raise ValidationError("{label} : caractères non autorisés (chiffres, symboles ou émojis) ; lettres, espaces, "
                              "apostrophes et tirets seulement.", field=field, label=label)
    if text and not any(unicodedata.category(ch)[0] == "L" for ch in text):
        raise ValidationError("{label} : au moins une lettre.", field=field, label=label)
    return text


def validate_int(value: object, field: str, label: str, *, minimum: int, maximum: int) -> int:
    """An integer within [minimum, maximum]: int, integral finite float or ASCII digits.
    NaN, infinity, booleans, "abc", "٥" and out-of-range values raise ValidationError(field)."""
    import math

    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if math.isfinite(value) and value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        sign = -1 if text.startswith("-") else 1
        digits = text[1:] if text[:1] in "+-" else text
        number = sign * int(digits) if _ascii_digits(digits) and len(digits) <= 12 else None
    if number is None:
        raise ValidationError("{label} : un nombre entier entre {minimum} et {maximum}.",
                              field=field, label=label, minimum=minimum, maximum=maximum)
    if not minimum <= number <= maximum:
        raise ValidationError("{label} : entre {minimum} et {maximum}.",
                              field=field, label=label, minimum=minimum, maximum=maximum)
    return number
