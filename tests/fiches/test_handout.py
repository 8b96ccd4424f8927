"""The fiche handout PDF: large type, every case printed, official links as QR codes, no personal data."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.reports.fiche_handout import write_pdf
from app.store import fiches_base

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) needed")


def _text(path):
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())


def test_the_handout_prints_the_fiche_its_cases_and_qr_codes(base, tmp_path):
    fiche = fiches_base.get(base, "F1341")
    path = write_pdf(fiche.xml, tmp_path / "F1341.pdf", notes=["Ici, la mairie reçoit le mardi."])
    text = _text(path)
    assert "Carte d'identité d'un majeur : première demande" in text
    assert "Vous avez un passeport valide" in text and "Vous avez un passeport périmé" in text  # nothing folded
    assert "Note du site : Ici, la mairie reçoit le mardi." in text
    assert "à flasher avec un téléphone" in text and "https://passeport.ants.gouv.fr" in text
    assert "Licence Ouverte 2.0 — fiche F1341 modifiée le" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
