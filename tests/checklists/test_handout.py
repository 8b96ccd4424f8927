"""The usager's handout: the text extracted from the PDF holds the remaining steps and their
deadlines, what is done, where to go; body type is at least 12 pt; no personal data."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from app.core import checklists
from app.reports.handout import build_handout

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftotext) is required: apt-get install poppler-utils")
TODAY = date(2026, 12, 1)


@pytest.fixture
def handout(store, actor, case_id, tmp_path):
    def make(include_first_name: bool):
        with store.write() as session:
            if not checklists.moments_for_case(session, actor, case_id):
                checklists.start_moment(session, actor, case_id, "deces", date(2026, 11, 20), today=TODAY)
                steps = {s.step_id: s.id for s in checklists.moments_for_case(session, actor, case_id)[0].steps}
                checklists.set_step_status(session, actor, steps["declaration-deces"], "fait")
                checklists.set_step_status(session, actor, steps["prevenir-employeur"], "sans_objet")
        with store.read() as session:
            data = checklists.handout_data(session, actor, case_id, include_first_name=include_first_name, today=TODAY)
        path = build_handout(data, tmp_path / f"fiche-{include_first_name}.pdf")
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return path, " ".join(text.split())
    return make


def test_the_handout_lists_remaining_steps_with_their_deadlines(handout):
    _, text = handout(False)
    assert "Je perds un proche" in text
    assert "Ce qu'il reste à faire" in text
    assert "Sous 1 mois : à faire avant le 20 décembre 2026" in text
    assert "Demander la réversion de la retraite complémentaire" in text
    assert "Sous 6 mois : à faire avant le 20 mai 2027" in text and "Déposer la déclaration de succession" in text
    # copies of the acte de décès: 24 h, long past; said calmly, never « faites-le vite »
    assert "Date limite passée : c'était à faire avant le 21 novembre 2026" in text
    assert "EN RETARD" not in text and "Faites-le vite" not in text
    assert "Prendre contact avec un notaire" in text and "Contrat de mariage" in text
    assert "Droit à vérifier" in text and "Sans délai fixé" in text
    assert "Déjà fait : 1 étape sur 21" in text
    done_part = text.split("Déjà fait", 2)[-1]
    assert "✓ Déclarer le décès à la mairie du lieu du décès" in done_part
    assert "Prévenir l'employeur du défunt" not in text  # sans objet: not on the sheet
    assert "ameli.fr" in text and "32 30" in text and "faux sites payants" in text


def test_no_personal_data_and_the_first_name_only_with_consent(handout):
    _, without = handout(False)
    _, with_name = handout(True)
    assert "Jeanne" not in without and "Martin" not in without
    assert "Bonjour Jeanne," in with_name and "Martin" not in with_name


def test_all_text_is_at_least_12_pt_and_headings_are_large(handout):
    path, _ = handout(False)
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)]
    assert heights and min(heights) >= 12 - 0.01
    assert max(heights) >= 22


def test_steps_follow_the_moments_order_with_their_deadlines_and_each_partner_once(store, actor, case_id, tmp_path):
    with store.write() as session:
        checklists.start_moment(session, actor, case_id, "identite", date(2026, 11, 28), today=TODAY)
    with store.read() as session:
        data = checklists.handout_data(session, actor, case_id, include_first_name=False, today=TODAY)
    path = build_handout(data, tmp_path / "identite.pdf")
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    # the catalogue's order, not the deadlines': the file is handed in before the card is collected
    assert text.index("Déposer le dossier en mairie") < text.index("Retirer le titre en mairie")
    assert "Sans délai fixé." in text and "Sous 1 mois : à faire avant le 28 décembre 2026" in text
    # « tout de suite » is advice, not a deadline: three days later it is still to do, not late
    assert "Tout de suite : à faire maintenant (depuis le 28 novembre 2026)." in text
    assert "Date limite passée" not in text
    contacts = text.split("Où s'adresser", 1)[1]
    assert contacts.count("France Titres") == 1
    assert "passeport.ants.gouv.fr" in contacts and "timbres.impots.gouv.fr" in contacts


def test_a_step_is_not_late_before_its_deadline():
    from app.core.checklist_catalogue import parse_deadline
    from app.reports.handout import _when

    def step(due, overdue):
        return checklists.StepView(1, "x", "Organiser les obsèques", "", "etape", None, "", None, "",
                                   parse_deadline("6 jours"), due, None, None, (), None, None, "a_faire", overdue, True, None)
    assert _when(step(date(2026, 12, 1), False)) == "Sous 6 jours : à faire avant le 1er décembre 2026."
    assert _when(step(date(2026, 11, 26), True)).startswith("Date limite passée")
    assert _when(step(date(2026, 12, 2), False)) == "Sous 6 jours : à faire avant le 2 décembre 2026."
