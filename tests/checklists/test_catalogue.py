"""The moments de vie catalogue: everything bundled loads, and each kind of mistake is refused
with a message naming the file and the step."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from app.core.checklist_catalogue import (load_bundled, parse_bundle, parse_deadline,
                                          to_bundle)
from app.models.errors import CatalogueError
from app.resources import resource_path

PRIORITY = {"deces", "etudiant", "identite", "etranger", "renovation"}
OTHERS = {"parent", "retraite", "demenagement", "emploi", "handicap"}


def test_the_ten_moments_load_and_the_five_priorities_are_flagged():
    cat = load_bundled()
    assert set(cat.moments) == PRIORITY | OTHERS
    assert {m.id for m in cat.moments.values() if m.priority} == PRIORITY
    assert cat.version == "2026.1"
    assert len(cat.moments["deces"].steps) >= 19


def test_je_perds_un_proche_covers_the_domain_research_steps_and_rights():
    deces = load_bundled().moments["deces"]
    by_id = {s.id: s for s in deces.steps}
    assert by_id["declaration-deces"].deadline.text == "24 h"
    assert by_id["declaration-deces"].partner == "MAIRIE"
    assert by_id["obseques"].deadline.text == "6 jours"
    assert by_id["notaire"].partner is None and by_id["notaire"].organisme == "Notaire"
    assert by_id["declaration-succession"].deadline.text == "6 mois"
    rights = {s.procedure for s in deces.steps if s.kind == "droit"}
    assert {"CNAV-REVERSION", "CPAM-CAPITAL-DECES", "CAF-VEUVAGE", "CPAM-C2S"} <= rights


@pytest.mark.parametrize("text, event, due", [
    ("24 h", date(2026, 11, 20), date(2026, 11, 21)),
    ("48 h", date(2026, 11, 20), date(2026, 11, 22)),
    ("6 jours", date(2026, 11, 20), date(2026, 11, 26)),
    ("2 semaines", date(2026, 11, 20), date(2026, 12, 4)),
    ("1 mois", date(2026, 1, 31), date(2026, 2, 28)),
    ("1 mois", date(2028, 1, 31), date(2028, 2, 29)),
    ("6 mois", date(2026, 11, 20), date(2027, 5, 20)),
    ("1 an", date(2028, 2, 29), date(2029, 2, 28)),
    ("3 mois avant", date(2026, 11, 30), date(2026, 8, 30)),
    ("24 mois avant", date(2028, 6, 1), date(2026, 6, 1)),
    ("immédiat", date(2026, 11, 20), date(2026, 11, 20)),
    ("avant l'événement", date(2026, 11, 20), date(2026, 11, 20)),
    ("dès que possible", date(2026, 11, 20), None),
    ("aucun", date(2026, 11, 20), None),
])
def test_due_dates_are_computed_from_the_event_date(text, event, due):
    assert parse_deadline(text).due(event) == due


@pytest.mark.parametrize("text", ["24h", "6 jour", "1 jours", "1 ans", "01 mois", "0 jour", "1000 jours",
                                  "3 mois  avant", "-3 mois", "six mois", "3 Mois", "1 mois après", "", "immediat"])
def test_deadlines_are_parsed_strictly(text):
    with pytest.raises(ValueError):
        parse_deadline(text)


def test_month_deadlines_keep_the_day_or_take_the_last_day_of_the_month():
    assert parse_deadline("1 mois").due(date(2026, 12, 15)) == date(2027, 1, 15)
    assert parse_deadline("1 mois avant").due(date(2026, 3, 31)) == date(2026, 2, 28)
    assert parse_deadline("1 an").due(date(2028, 2, 29)) == date(2029, 2, 28)


def test_groups_are_ordered_before_event_then_soonest_first():
    keys = [parse_deadline(t).sort_key for t in
            ["3 mois avant", "avant l'événement", "immédiat", "dès que possible", "24 h", "6 jours", "1 mois", "aucun"]]
    assert keys == sorted(keys)


@pytest.fixture
def broken_dir(tmp_path):
    """A copy of the bundled catalogue that a test can spoil."""
    target = tmp_path / "moments_de_vie"
    shutil.copytree(resource_path("moments_de_vie"), target)
    return target


def _spoil(directory, moment, step_id, **changes):
    path = directory / f"{moment}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    step = next(s for s in data["etapes"] if s["id"] == step_id)
    for key, value in changes.items():
        if value is KeyError:
            del step[key]
        else:
            step[key] = value
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("changes, expected", [
    ({"partenaire": "NOTAIRE"}, "partenaire inconnu « NOTAIRE »"),
    ({"delai": "24h"}, "délai « 24h » illisible"),
    ({"delai": "6 jour"}, "accord singulier/pluriel"),
    ({"lien": "https://www.service-public.org/deces"}, "lien « https://www.service-public.org/deces » refusé"),
    ({"lien": "http://www.service-public.fr"}, "refusé : il doit commencer par https://"),
    ({"lien": "https://ameli.fr@evil.example"}, "refusé"),
    ({"demarche": "CAF-RSA"}, "relève de CAF, pas de MAIRIE"),
    ({"demarche": "MAIRIE-INCONNUE"}, "démarche inconnue « MAIRIE-INCONNUE »"),
    ({"partenaire": None, "organisme": KeyError}, "indiquez l'organisme"),
    ({"section": "nulle-part"}, "section inconnue"),
    ({"type": "astuce"}, "champ type : valeur « astuce » non permise"),
    ({"pieces": KeyError}, "champ « pieces » manquant"),
    ({"couleur": "rouge"}, "champ inconnu « couleur »"),
])
def test_a_broken_step_is_refused_naming_file_and_step(broken_dir, changes, expected):
    _spoil(broken_dir, "deces", "declaration-deces", **changes)
    with pytest.raises(CatalogueError) as err:
        load_bundled(broken_dir)
    message = str(err.value)
    assert message.startswith("deces.json")
    assert "declaration-deces" in message
    assert expected in message


def test_the_line_of_the_broken_step_is_given(broken_dir):
    _spoil(broken_dir, "retraite", "estimation", delai="12 moi avant")
    with pytest.raises(CatalogueError) as err:
        load_bundled(broken_dir)
    text = (broken_dir / "retraite.json").read_text(encoding="utf-8").splitlines()
    assert err.value.line is not None and '"id": "estimation"' in text[err.value.line - 1]


def test_a_duplicate_step_id_and_a_bad_version_are_refused(broken_dir):
    _spoil(broken_dir, "emploi", "rsa", id="inscription")
    with pytest.raises(CatalogueError, match=r"emploi\.json.*« inscription » : identifiant en double"):
        load_bundled(broken_dir)
    index = json.loads((broken_dir / "catalogue.json").read_text(encoding="utf-8"))
    index["version"] = "v2"
    (broken_dir / "catalogue.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"catalogue\.json.*version « v2 » invalide"):
        load_bundled(broken_dir)


def test_invalid_json_reports_the_line(broken_dir):
    (broken_dir / "parent.json").write_text('{\n  "id": "parent",\n  oops\n}', encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_bundled(broken_dir)
    assert err.value.path == "parent.json" and err.value.line == 3


def test_a_bundle_round_trips_and_a_broken_bundle_names_the_moment():
    bundle = to_bundle(load_bundled())
    bundle["version"] = "2026.2"
    again = parse_bundle(json.dumps(bundle, ensure_ascii=False), "maj.json")
    assert again.version == "2026.2" and set(again.moments) == PRIORITY | OTHERS
    bundle["moments"][4]["etapes"][0]["delai"] = "3 mois apres"
    with pytest.raises(CatalogueError) as err:
        parse_bundle(json.dumps(bundle, ensure_ascii=False), "maj.json")
    assert "maj.json › moment « renovation »" in str(err.value)
    assert "délai « 3 mois apres »" in str(err.value)


def test_every_bundled_link_is_an_official_https_site():
    from app.core.official_sites import check

    for moment in load_bundled().moments.values():
        for step in moment.steps:
            if step.link:
                assert step.link.startswith("https://") and check(step.link).official, (moment.id, step.id)
