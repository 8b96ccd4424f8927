"""Validators: total, ASCII-strict, and the NIR key catches every typo mod 97 promises to catch."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.models.errors import ValidationError
from app.models.validators import (
    nir_key,
    phone_kind,
    validate_commune_insee,
    validate_nir,
    validate_phone,
    validate_postal_code,
)

VALIDATORS = [validate_nir, validate_phone, validate_postal_code, validate_commune_insee]
DIGIT = "0123456789"


@st.composite
def valid_nirs(draw) -> str:
    sex = draw(st.sampled_from("12"))
    year = draw(st.text(DIGIT, min_size=2, max_size=2))
    month = draw(st.sampled_from([f"{m:02d}" for m in range(1, 13)]))
    dept = draw(st.one_of(st.sampled_from(["2A", "2B", "97", "99"]),
                          st.integers(1, 95).filter(lambda d: d != 20).map(lambda d: f"{d:02d}")))
    rest = draw(st.text(DIGIT, min_size=6, max_size=6))
    body = sex + year + month + dept + rest
    return body + f"{nir_key(body):02d}"


def _outcome(validator, value):
    try:
        return ("ok", validator(value))
    except ValidationError as exc:
        assert exc.message and exc.field
        return ("error", exc.message)


@pytest.mark.parametrize("validator", VALIDATORS)
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=80), st.text(alphabet=DIGIT + " +-.()2AB²٥５\u00a0\u200b", max_size=20)))
def test_validators_raise_nothing_but_the_domain_error(validator, value):
    _outcome(validator, value)


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("value", [None, 12, b"75056", 3.5, ["75056"]])
def test_validators_refuse_non_text_with_the_domain_error(validator, value):
    with pytest.raises(ValidationError):
        validator(value)


def test_official_nir_examples_pass():
    assert validate_nir("2 95 10 99 126 111 93") == "295109912611193"
    assert validate_nir("253072B07300470") == "253072B07300470"
    assert validate_nir("253072b07300470") == "253072B07300470"


@settings(max_examples=300, deadline=None)
@given(nir=valid_nirs())
def test_every_generated_valid_nir_is_accepted(nir):
    assert validate_nir(nir) == nir


@settings(max_examples=200, deadline=None)
@given(nir=valid_nirs(), data=st.data())
def test_every_single_digit_substitution_is_rejected(nir, data):
    positions = [i for i, ch in enumerate(nir) if ch in DIGIT]
    i = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from([d for d in DIGIT if d != nir[i]]))
    typo = nir[:i] + replacement + nir[i + 1:]
    with pytest.raises(ValidationError):
        validate_nir(typo)


def test_all_substitutions_and_adjacent_transpositions_of_the_examples_are_rejected():
    for nir in ("295109912611193", "253072B07300470", "1850578006084" + f"{nir_key('1850578006084'):02d}"):
        validate_nir(nir)
        for i, ch in enumerate(nir):
            for d in DIGIT:
                if ch in DIGIT and d != ch:
                    with pytest.raises(ValidationError):
                        validate_nir(nir[:i] + d + nir[i + 1:])
        for i in range(len(nir) - 1):
            if nir[i] != nir[i + 1]:
                with pytest.raises(ValidationError):
                    validate_nir(nir[:i] + nir[i + 1] + nir[i] + nir[i + 2:])


@settings(max_examples=200, deadline=None)
@given(nir=valid_nirs(), data=st.data())
def test_every_adjacent_transposition_is_rejected(nir, data):
    candidates = [i for i in range(14) if nir[i] != nir[i + 1]]
    i = data.draw(st.sampled_from(candidates))
    swapped = nir[:i] + nir[i + 1] + nir[i] + nir[i + 2:]
    with pytest.raises(ValidationError):
        validate_nir(swapped)


@pytest.mark.parametrize("lookalike", ["²", "٥", "５", "۵", "𝟓", "⁵"])
@pytest.mark.parametrize("validator,good", [
    (validate_nir, "295109912611193"), (validate_phone, "0612345678"),
    (validate_postal_code, "75001"), (validate_commune_insee, "75056"),
])
def test_non_ascii_digit_lookalikes_are_rejected(validator, good, lookalike):
    validator(good)
    for i, ch in enumerate(good):
        if ch.isascii() and ch.isdigit():
            with pytest.raises(ValidationError):
                validator(good[:i] + lookalike + good[i + 1:])


@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\ufeff", "\u200e", "\u200f", "\u202e", "\u2066"])
def test_invisible_and_bidi_marks_are_rejected_with_their_own_message(mark):
    with pytest.raises(ValidationError, match="invisible"):
        validate_phone("06 12 34" + mark + " 56 78")
    with pytest.raises(ValidationError, match="invisible"):
        validate_nir(mark + "295109912611193")


def test_nbsp_and_narrow_nbsp_are_separators():
    assert validate_phone("06\u00a012\u202f34 56 78") == "+33612345678"
    assert validate_nir("2\u00a095\u202f10 99 126 111 93") == "295109912611193"
    assert validate_postal_code(" 75\u00a0001 ") == "75001"


@pytest.mark.parametrize("typed,e164,kind", [
    ("06 12 34 56 78", "+33612345678", "mobile"),
    ("07 81 23 45 67", "+33781234567", "mobile"),
    ("01.44.55.66.77", "+33144556677", "fixe"),
    ("+33 6 12 34 56 78", "+33612345678", "mobile"),
    ("0033612345678", "+33612345678", "mobile"),
    ("0590 12 34 56", "+590590123456", "fixe"),      # Guadeloupe
    ("0696 12 34 56", "+596696123456", "mobile"),    # Martinique
    ("0262 12 34 56", "+262262123456", "fixe"),      # La Réunion
    ("0594 12 34 56", "+594594123456", "fixe"),      # Guyane
])
def test_phones_are_normalised_to_e164_including_overseas(typed, e164, kind):
    assert validate_phone(typed) == e164
    assert validate_phone(e164) == e164  # round-trip is stable
    assert phone_kind(e164) == kind


@pytest.mark.parametrize("bad", ["06 12 34 56", "12", "06 12 34 56 78 90 12", "+33+612345678", "tel: 0612345678"])
def test_bad_phones_are_rejected(bad):
    with pytest.raises(ValidationError) as info:
        validate_phone(bad)
    assert info.value.field == "phone"


@pytest.mark.parametrize("code", ["75001", "20000", "01000", "97100", "97400", "97600", "98000", "98800"])
def test_postal_codes_in_french_ranges_pass(code):
    assert validate_postal_code(code) == code


@pytest.mark.parametrize("code", ["00100", "96000", "97000", "99000", "7500", "750011", "75 0O1"])
def test_postal_codes_out_of_range_are_rejected(code):
    with pytest.raises(ValidationError):
        validate_postal_code(code)


@pytest.mark.parametrize("typed,code", [("75056", "75056"), ("2a004", "2A004"), ("2B033", "2B033"),
                                        ("97101", "97101"), ("97411", "97411"), ("97608", "97608"),
                                        ("98818", "98818")])
def test_insee_codes_pass_including_corsica_and_overseas(typed, code):
    assert validate_commune_insee(typed) == code


@pytest.mark.parametrize("code", ["20004", "99135", "96001", "00001", "2C004", "97901", "7505", "2A0O4"])
def test_bad_insee_codes_are_rejected(code):
    with pytest.raises(ValidationError) as info:
        validate_commune_insee(code)
    assert info.value.field == "commune_insee"


# ----------------------------------------------------------------------------- free text (issue 12)

from app.models.validators import validate_int, validate_person_name, validate_text  # noqa: E402

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)


@settings(max_examples=400, deadline=None)
@given(value=ANY_TEXT, multiline=st.booleans())
def test_free_text_is_total_and_what_it_returns_is_clean(value, multiline):
    import unicodedata

    try:
        out = validate_text(value, "note", "Note", max_length=80, multiline=multiline)
    except ValidationError as exc:
        assert exc.field == "note" and exc.message.startswith("Note")
        return
    out.encode("utf-8")  # no lone surrogate can reach SQLite, the index or a PDF
    assert unicodedata.normalize("NFC", out) == out and len(out) <= 80
    allowed = "\n\t" if multiline else ""
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs") or c in allowed for c in out)


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ud800", "\x00", "\x7f"])
def test_bidi_zero_width_surrogates_and_controls_are_refused_naming_the_field(char):
    with pytest.raises(ValidationError) as info:
        validate_text(f"Rendez-vous{char}demain", "note", "Note", max_length=500, multiline=True)
    assert info.value.field == "note" and "Note" in info.value.message and f"U+{ord(char):04X}" in info.value.message


def test_whitespace_is_normalised_not_refused():
    assert validate_text("  Place\tde\nl'église  ", "stop", "Arrêt", max_length=80) == "Place de l'église"
    assert validate_text("a\r\nb\u2028c  \n", "note", "Note", max_length=80, multiline=True) == "a\nb\nc"


@pytest.mark.parametrize("name", ["Zoé 😀", "Zoé2", "J@ne", "Ana (Tata)", "<b>", "---", "'"])
def test_first_and_last_names_share_one_policy(name):
    for field, label in (("first_name", "Prénom"), ("last_name", "Nom")):
        with pytest.raises(ValidationError) as info:
            validate_person_name(name, field, label)
        assert info.value.field == field


@pytest.mark.parametrize("value, expected", [(1990, 1990), ("1990", 1990), (" 2001 ", 2001), (1990.0, 1990)])
def test_integers_accept_numbers_and_ascii_digits(value, expected):
    assert validate_int(value, "birth_year", "Année", minimum=1900, maximum=2026) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), "abc", "NaN", "1e3", "٢٠٠٠", True,
                                   1990.5, None, [1990], 10**400, "1" * 40, 1899, 2027])
def test_integers_refuse_nan_inf_text_and_out_of_range(value):
    with pytest.raises(ValidationError) as info:
        validate_int(value, "birth_year", "Année", minimum=1900, maximum=2026)
    assert info.value.field == "birth_year"
