"""Reference catalogues: bundled files load; broken files are refused with file and line."""

import shutil

import pytest

from app.models.catalogue import load_catalogue
from app.models.errors import CatalogueError
from app.resources import resource_path


def test_bundled_catalogue_has_the_national_partners_and_their_procedures():
    cat = load_catalogue()
    assert {"ANTS", "CAF", "CPAM", "CNAV", "DGFIP", "FT", "MSA", "POSTE", "JUST", "ANAH"} <= set(cat.partners)
    assert cat.partners["FT"].former_label == "Pôle emploi"
    for code in ("ANTS", "CAF", "CPAM", "CNAV", "DGFIP", "FT", "MSA", "POSTE", "JUST", "ANAH"):
        assert any(p.partner == code for p in cat.procedures.values()), code
    assert cat.label("canal", "itinerant_bus") == "Bus itinérant"
    assert cat.label("canal", "itinerant_bus", "en") == "Mobile bus"


@pytest.fixture
def cat_dir(tmp_path):
    target = tmp_path / "cat"
    shutil.copytree(resource_path("catalogues"), target)
    return target


@pytest.mark.parametrize("filename, mutate, expected", [
    ("procedures.csv", lambda t: t + "X-1,NOPE,Truc,logement,\n", lambda n: f"procedures.csv, ligne {n + 1} : partenaire inconnu « NOPE »"),
    ("procedures.csv", lambda t: t + "X-2,CAF,Truc,jardinage,\n", "thématique inconnue « jardinage »"),
    ("procedures.csv", lambda t: t + "CAF-RSA,CAF,Doublon,social_sante,\n", "en double"),
    ("partners.csv", lambda t: t + "ZZ,Z,Z,galactique,,,,,,\n", lambda n: f"partners.csv, ligne {n + 1} : portée attendue"),
    ("partners.csv", lambda t: t + "ZZ,Z,Z,local,2024-13-01,,,,,\n", "n'est pas une date"),
    ("partners.csv", lambda t: t + "ZZ,Z,Z,local,,,,,http://x.fr,\n", "https://"),
    ("vocabularies.csv", lambda t: t + "canal,fusee,Fusée,Rocket\n", "code « fusee » inconnu pour canal"),
    ("vocabularies.csv", lambda t: t.replace("canal,visio,Visio,Video call\n", ""), "canal : libellé manquant pour visio"),
    ("partners.csv", lambda t: t.replace("code,label", "kode,label"), "colonne(s) manquante(s) : code"),
    ("partners.csv", lambda t: t + "ZZ,only,three\n", "nombre de colonnes incorrect"),
])
def test_broken_catalogue_is_refused_naming_file_and_line(cat_dir, filename, mutate, expected):
    path = cat_dir / filename
    original = path.read_text(encoding="utf-8")
    path.write_text(mutate(original), encoding="utf-8")
    if callable(expected):  # the line number of an appended row depends on the file's length
        expected = expected(original.count("\n"))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(cat_dir)
    assert expected in str(err.value)


def test_non_utf8_catalogue_gives_a_clear_message(cat_dir):
    (cat_dir / "partners.csv").write_bytes("code,label\nÉ,é\n".encode("cp1252"))
    with pytest.raises(CatalogueError, match="UTF-8"):
        load_catalogue(cat_dir)
