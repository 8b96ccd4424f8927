"""Shared material for the « Fiches » tests: the fixture export and small hand-made archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

FIXTURE_ZIP = Path(__file__).resolve().parents[1] / "fixtures" / "fiches" / "vosdroits-fixture.zip"


def publication(fiche_id: str, title: str, description: str = "", text: str = "", subject: str = "Social - Santé",
                modified: str = "2026-09-01") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Publication xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'ID="{fiche_id}" type="Fiche d\'information"><dc:title>{title}</dc:title>'
            f"<dc:description>{description}</dc:description><dc:subject>{subject}</dc:subject>"
            f"<dc:date>modified {modified}</dc:date><Audience>Particuliers</Audience>"
            f'<FilDAriane><Niveau ID="Particuliers">Accueil particuliers</Niveau><Niveau ID="N1">{subject}</Niveau>'
            f'<Niveau ID="{fiche_id}">{title}</Niveau></FilDAriane>'
            f"<Texte><Paragraphe>{text}</Paragraphe></Texte></Publication>\n")


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return path


@pytest.fixture
def fixture_zip() -> Path:
    return FIXTURE_ZIP


@pytest.fixture
def base(tmp_path) -> Path:
    from app.core import fiches

    path = tmp_path / "fiches.db"
    fiches.import_zip(FIXTURE_ZIP, path)
    return path
