"""Démarches of the catalogue carrying fiche ids, validated against the catalogue and the base."""

from __future__ import annotations

import pytest

from app.core import fiche_links, fiches
from app.models.errors import CatalogueError
from tests.desks import desk_for
from tests.fiches.conftest import make_zip, publication


def test_the_bundled_links_name_known_demarches_and_exist_in_the_fixture_base(base):
    linked = fiche_links.load_links()
    assert linked["ANTS-CNI-PREDEMANDE"] == "F1341" and len(linked) >= 15
    assert fiche_links.missing_in_base(base, linked) == []


@pytest.mark.parametrize("row, message", [
    ("NOPE-CODE,F1341", "démarche inconnue"),
    ("CAF-RSA,1341", "identifiant de fiche invalide"),
    ("CAF-RSA,F1\nCAF-RSA,F2", "déjà reliée"),
])
def test_a_broken_links_file_is_refused_with_its_line(tmp_path, row, message):
    path = tmp_path / "procedure_fiches.csv"
    path.write_text("procedure,fiche\n" + row + "\n", "utf-8")
    with pytest.raises(CatalogueError, match=message) as err:
        fiche_links.load_links(path)
    assert "ligne" in str(err.value)


def test_an_import_names_the_demarches_whose_fiche_the_new_base_lacks(store, site, tmp_path):
    small = make_zip(tmp_path / "small.zip", {"F1341.xml": publication("F1341", "Carte d'identité")})
    report = desk_for(store, site["supervisor"]).store_op(fiches.import_fiches, small).value
    assert "ANTS-CNI-PREDEMANDE" not in report.missing_links
    assert "CAF-RSA" in report.missing_links
