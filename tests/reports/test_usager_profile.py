"""Usager profile (age band, sex, QPV/ZRR, commune) on a hand-counted month: the October of
conftest.py plus three identified usagers with a profile. Every table adds up to the month's
usagers, « non renseigné » and the anonymous visits on lines of their own; M-1 and N-1 count
each month on its own usagers; erasure takes the profile with the identity."""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import datetime

import pytest

from app.core import rights
from app.core.usagers import UsagerInput, age_band_for, create_usager
from app.models.errors import ValidationError
from app.reports import csv_export, monthly, pdf, xlsx
from tests.reports.conftest import AS_OF, OCTOBER, _log


@pytest.fixture
def profiled(store, october):
    agent = october["agent"]
    with store.write() as s:
        bob = _log(s, agent, datetime(2026, 10, 7, 10), [("CAF", None)], new_usager=UsagerInput(
            first_name="Bob", last_name="Martin", age_band="60_69", gender="masculin", territory="qpv",
            commune_insee="75056")).usager_id
        _log(s, agent, datetime(2026, 10, 8, 10), [("CAF", None)], usager_id=bob)
        _log(s, agent, datetime(2026, 9, 10, 10), [("CAF", None)], usager_id=bob)
        # no band recorded, a birth year: 25 in 2026 (25–39), 24 in 2025 (18–24)
        chloe = _log(s, agent, datetime(2026, 10, 9, 10), [("CPAM", None)], thematique="social_sante",
                     new_usager=UsagerInput(first_name="Chloé", last_name="Petit", birth_year=2001,
                                            gender="feminin", territory="zrr", commune_insee="23096")).usager_id
        _log(s, agent, datetime(2025, 10, 20, 10), [("CPAM", None)], thematique="social_sante", usager_id=chloe)
        # a cancelled visit never counts, profile or not
        _log(s, agent, datetime(2026, 10, 10, 10), [("CAF", None)], status="annule", new_usager=UsagerInput(
            first_name="Dan", last_name="Annule", age_band="18_24", territory="hors_qpv_zrr"))
    october["bob"], october["chloe"] = bob, chloe
    return october


def _build(store, actor):
    with store.read() as s:
        return monthly.build_report(s, actor, OCTOBER, today=AS_OF)


def _table(report, dimension):
    (table,) = [t for t in report.usager_profile if t.dimension == dimension]
    return {line.code: (line.count, line.previous, line.last_year) for line in table.lines}


# October: Alice (identified, no profile), 3 anonymous visits, Bob (twice), Chloé → 6 usagers.
# September: Alice, Bob, one anonymous visit. October 2025: Chloé, one anonymous visit.
EXPECTED = {
    "age_band": {"moins_18": (0, 0, 0), "18_24": (0, 0, 1), "25_39": (1, 0, 0), "40_59": (0, 0, 0),
                 "60_69": (1, 1, 0), "70_plus": (0, 0, 0), "non_renseigne": (1, 1, 0), "anonyme": (3, 1, 1)},
    "gender": {"feminin": (1, 0, 1), "masculin": (1, 1, 0), "non_renseigne": (1, 1, 0), "anonyme": (3, 1, 1)},
    "territory": {"qpv": (1, 1, 0), "zrr": (1, 0, 1), "hors_qpv_zrr": (0, 0, 0), "non_renseigne": (1, 1, 0),
                  "anonyme": (3, 1, 1)},
    "commune": {"23096": (1, 0, 1), "75056": (1, 1, 0), "non_renseigne": (1, 1, 0), "anonyme": (3, 1, 1)},
}


def test_each_profile_table_matches_the_hand_count_and_adds_up_to_the_usagers(store, profiled):
    r = _build(store, profiled["agent"])
    assert (r.current.usagers, r.previous.usagers, r.last_year.usagers) == (6, 3, 2)
    for dimension, expected in EXPECTED.items():
        assert _table(r, dimension) == expected, dimension
        assert sum(n for n, _m1, _n1 in expected.values()) == r.current.usagers
    (ages,) = [t for t in r.usager_profile if t.dimension == "age_band"]
    assert ages.recorded == 2 and [line.code for line in ages.lines][:2] == ["moins_18", "18_24"]
    assert ages.lines[-1].label == "Visites anonymes" and ages.lines[-1].share == pytest.approx(0.5)


def test_age_band_from_a_birth_year_is_the_age_reached_that_year():
    assert [age_band_for(2001, datetime(y, 1, 1).date()) for y in (2018, 2019, 2025, 2026, 2071)] == [
        "moins_18", "18_24", "18_24", "25_39", "70_plus"]


def test_communes_beyond_the_top_ten_share_one_line(store, site):
    agent = site["agent"]
    with store.write() as s:
        for i in range(12):
            _log(s, agent, datetime(2026, 10, 2 + i, 10), [("CAF", None)], new_usager=UsagerInput(
                first_name="P", last_name="Commune" + "abcdefghijkl"[i], commune_insee=f"{23001 + i:05d}"))
    r = _build(store, agent)
    table = _table(r, "commune")
    assert len(table) == 10 + 3 and table["autres"] == (2, 0, 0) and table["anonyme"] == (0, 0, 0)
    (communes,) = [t for t in r.usager_profile if t.dimension == "commune"]
    assert "Autres communes (2)" in [line.label for line in communes.lines]


def test_profile_values_are_validated_with_french_messages(store, site):
    agent = site["agent"]
    with store.write() as s:
        for data, field, words in (
                (UsagerInput(first_name="A", territory="banlieue"), "territory", "QPV, ZRR"),
                (UsagerInput(first_name="A", gender="x"), "gender", "Sexe inconnu"),
                (UsagerInput(first_name="A", age_band="40_49"), "age_band", "Tranche d'âge inconnue"),
                (UsagerInput(first_name="A", age_band="40_59", birth_year=2001), "age_band", "ne correspond pas")):
            with pytest.raises(ValidationError) as info:
                create_usager(s, agent, data)
            assert info.value.field == field and words in info.value.message


def test_the_annexes_and_the_pdf_carry_the_profile_tables(store, profiled, tmp_path):
    from openpyxl import load_workbook

    r = _build(store, profiled["supervisor"])
    rows = list(load_workbook(xlsx.write_xlsx(r, tmp_path / "p.xlsx"))["Profil des usagers"].iter_rows(values_only=True))
    assert rows[0] == ("Dimension", "Valeur", "Code", "Usagers", "Part des usagers", "M-1 (septembre 2026)",
                       "N-1 (octobre 2025)")
    assert ("Résidence (QPV, ZRR)", "Quartier prioritaire (QPV)", "qpv", 1, pytest.approx(1 / 6), 1, 0) in rows
    assert ("Sexe", "Non renseigné", "non_renseigne", 1, pytest.approx(1 / 6), 1, 0) in rows
    (tables,) = csv_export.write_csv(r, tmp_path / "r")
    with tables.open(encoding="utf-8-sig", newline="") as handle:
        found = [row for row in csv.reader(handle, delimiter=";") if row[0] == "Profil des usagers"]
    assert ["Profil des usagers", "Tranche d’âge", "Visites anonymes", "anonyme", "3", "50,0", "1", "1"] in found
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = pdf.write_pdf(r, tmp_path / "p.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Profil des usagers (renseigné seulement avec leur accord)" in text
    assert "Ni QPV ni ZRR" in text and "Visites anonymes" in text
    assert "Profil des usagers" in text.split("Définitions")[-1]  # defined on the definitions page


def test_erasure_takes_the_profile_with_the_identity(store, profiled):
    rights.erase_usager(store, profiled["supervisor"], profiled["bob"])
    r = _build(store, profiled["agent"])
    # Bob's visits stay counted (a stand-in usager), his profile is gone: « non renseigné »
    assert r.current.usagers == 6
    assert _table(r, "territory")["qpv"] == (0, 0, 0) and _table(r, "territory")["non_renseigne"] == (2, 2, 0)
    assert _table(r, "age_band")["60_69"] == (0, 0, 0)
