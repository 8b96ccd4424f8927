"""Indicators beyond the national declaration, on the hand-built October of conftest.py: usagers
new or returning, durations, mandates, M-1/N-1 per line, and figures per agent for supervisors."""

from __future__ import annotations

import csv

import pytest

from app.reports import csv_export, monthly, xlsx
from tests.reports.conftest import AS_OF, OCTOBER
from tests.pg import store  # noqa: F401,E402  (both back ends)


def build(store, actor):
    with store.read() as s:
        return monthly.build_report(s, actor, OCTOBER, today=AS_OF)


def test_usagers_are_new_or_returning_and_anonymous_visits_are_neither(store, october):
    p = build(store, october["agent"]).profile
    # Alice (October 5, twice) had a visit on 2 September: returning; the three others are anonymous
    assert (p.identified, p.new, p.returning, p.anonymous_visits) == (1, 0, 1, 3)


def test_durations_and_mandates(store, october):
    r = build(store, october["agent"])
    assert r.profile.duration_mean == pytest.approx(15) and r.profile.duration_median == 15
    assert dict(r.profile.by_duration)["11 à 20 min"] == 5 and sum(n for _b, n in r.profile.by_duration) == 5
    assert {line.code: line.count for line in r.by_mandate} == {"aucun": 4, "papier": 1}


def test_every_breakdown_has_its_previous_month_and_last_year(store, october):
    r = build(store, october["agent"])
    # September: 2 September (ANTS, guichet) and 30 September 23:59 (CPAM, guichet); October 2025: CAF, guichet
    assert r.compare["canal"]["guichet"] == (2, 1) and r.compare["canal"]["telephone"] == (0, 0)
    assert r.compare["partner"]["CAF"] == (0, 1) and r.compare["partner"]["ANTS"] == (1, 0)
    assert r.compare["thematique"]["social_sante"] == (1, 1)


def test_annexes_carry_m1_and_n1_columns_and_zero_rows_for_codes_gone_this_month(store, october, tmp_path):
    from openpyxl import load_workbook

    r = build(store, october["supervisor"])
    wb = load_workbook(xlsx.write_xlsx(r, tmp_path / "a.xlsx"))
    themes = list(wb["Thématiques"].iter_rows(values_only=True))
    assert themes[0][4:] == ("M-1 (septembre 2026)", "N-1 (octobre 2025)")
    assert ("Social – Santé", "social_sante", 3, pytest.approx(0.6), 1, 1) in themes
    partners = list(wb["Partenaires"].iter_rows(values_only=True))
    assert partners[0][-2:] == ("M-1 (septembre 2026)", "N-1 (octobre 2025)") and partners[1][-2:] == (0, 1)
    assert {"Profil et durée", "Mandats", "Agents"} <= set(wb.sheetnames)
    agents = list(wb["Agents"].iter_rows(values_only=True))[1:]
    assert [(a[0], a[2]) for a in agents] == [("Marie Curie", 3), ("Léa Bus", 2)]
    (tables,) = csv_export.write_csv(r, tmp_path / "r")
    with tables.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    profile = {row[1]: row[2] for row in rows if row[0] == "Profil et durée"}
    assert profile["… déjà accompagnés avant ce mois-ci"] == "1" and profile["Durée moyenne d’un accompagnement (min)"] == "15,0"


def test_figures_per_agent_are_for_supervisors_only(store, october, tmp_path):
    from openpyxl import load_workbook

    r = build(store, october["agent"])
    assert r.by_agent is None
    assert "Agents" not in load_workbook(xlsx.write_xlsx(r, tmp_path / "a.xlsx")).sheetnames
    sup = build(store, october["supervisor"])
    assert [(a.name, a.accompaniments, a.usagers, a.follow_ups_open) for a in sup.by_agent] == [
        ("Marie Curie", 3, 2, 2), ("Léa Bus", 2, 2, 0)]
