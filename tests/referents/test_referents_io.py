"""Directory import/export: round trip (XLSX and CSV), the template, every bad line, nothing half-imported."""

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from app.core import referents
from app.core import referents_io as io
from app.models.errors import PermissionDenied, ValidationError
from app.models.referents import Referent
from app.resources import resource_path
from tests.desks import desk_for
from tests.referents.helpers import add_referent

GOOD = ["CAF", "Départemental", "Référente partenariats", "Téléphone", "01 23 45 67 89", "9 h–12 h", "", "01/09/2026"]


def write_csv(path, rows):
    path.write_text("\n".join(";".join(r) for r in [list(io.HEADERS)] + rows) + "\n", encoding="utf-8")
    return path


def count(store):
    with store.read() as s:
        return len(s.exec(select(Referent)).all())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_gives_back_the_same_directory(store, site, frozen_clock, tmp_path, suffix):
    sup = desk_for(store, site["supervisor"])
    add_referent(store, site["agent"], verified_on=date(2026, 9, 1), notes="Rappeler avant 11 h\nsauf lundi")
    add_referent(store, site["agent"], partner_code="DGFIP", channel="portail", contact="Administration+",
                 name="Cellule partenaires", scope="national")
    add_referent(store, site["agent"], partner_code="CPAM", channel="email", contact="Ref.FS@cpam.example.fr",
                 name="M. Test")
    before = [(r.partner_code, r.scope, r.name, r.channel, r.contact, r.hours, r.notes, r.verified_on)
              for r in sup.query(referents.list_referents)]
    path = sup.query(io.export_directory, tmp_path / f"annuaire{suffix}")
    with store.write() as s:
        for r in s.exec(select(Referent)):
            s.delete(r)
    report = sup.op(io.import_directory, path).value
    assert (report.created, report.updated) == (3, 0)
    after = [(r.partner_code, r.scope, r.name, r.channel, r.contact, r.hours, r.notes, r.verified_on)
             for r in sup.query(referents.list_referents)]
    assert after == before
    again = sup.op(io.import_directory, path).value  # same file again: updates, no duplicates
    assert (again.created, again.updated, count(store)) == (0, 3, 3)


@pytest.mark.parametrize("name", ["modele-annuaire-referents.xlsx", "modele-annuaire-referents.csv"])
def test_the_template_imports_cleanly(store, site, frozen_clock, name):
    report = desk_for(store, site["supervisor"]).op(io.import_directory, resource_path("referents", name)).value
    assert report.created == 4


def test_every_bad_line_is_reported_and_nothing_is_imported(store, site, frozen_clock, tmp_path):
    rows = [
        GOOD,                                                                        # line 2: fine
        ["NOPE"] + GOOD[1:],                                                         # 3
        GOOD[:4] + ["12"] + GOOD[5:],                                                # 4 bad phone
        GOOD[:3] + ["Courriel", "pas-une-adresse"] + GOOD[5:],                       # 5 bad e-mail
        GOOD[:4] + ["+33 1 23 45 67 89"] + GOOD[5:],                                 # 6 duplicate of 2
        GOOD[:2] + ['=HYPERLINK("http://x.example";"clic")'] + GOOD[3:],             # 7 formula
        GOOD[:6] + ["@SUM(1)"] + GOOD[7:],                                           # 8 formula (notes)
        GOOD[:7] + ["31/02/2026"],                                                   # 9 bad date
        ["CAF", "Mondial"] + GOOD[2:],                                               # 10 bad scope
    ]
    path = write_csv(tmp_path / "a.csv", [[c.replace(";", ",") for c in r] for r in rows])
    with pytest.raises(io.ImportRefused) as err:
        desk_for(store, site["supervisor"]).op(io.import_directory, path)
    lines = err.value.lines
    assert [line.split(" :", 1)[0] for line in lines] == [f"Ligne {n}" for n in range(3, 11)]
    assert "Partenaire inconnu : NOPE" in lines[0]
    assert "Numéro de téléphone" in lines[1] and "Adresse électronique invalide" in lines[2]
    assert "doublon de la ligne 2" in lines[3]
    assert "« Nom ou fonction » commence par « = »" in lines[4] and "« Notes » commence par « @ »" in lines[5]
    assert "JJ/MM/AAAA" in lines[6] and "Portée" in lines[7]
    assert err.value.field == "file" and "rien n'a été importé" in err.value.message
    assert count(store) == 0


def test_a_live_xlsx_formula_is_refused_and_exports_are_neutralised(store, site, frozen_clock, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(list(io.HEADERS))
    ws.append(GOOD[:6] + ["=1+1"] + GOOD[7:])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(io.ImportRefused) as err:
        desk_for(store, site["supervisor"]).op(io.import_directory, tmp_path / "f.xlsx")
    assert err.value.lines == ["Ligne 2 : « Notes » contient une formule de tableur : remplacez-la par sa valeur."]
    # the phone "+33…" is the one leading sign a cell may carry: exported neutralised, not a formula
    add_referent(store, site["agent"])
    path = desk_for(store, site["agent"]).query(io.export_directory, tmp_path / "e.xlsx")
    cell = load_workbook(path).active["E2"]
    assert (cell.value, cell.data_type) == ("'+33123456789", "s")


def test_the_form_refuses_formula_looking_text_too(store, site, frozen_clock):
    from tests.referents.helpers import caf_phone

    with pytest.raises(ValidationError) as err:
        desk_for(store, site["agent"]).op(referents.save_referent, None, caf_phone(hours="=2+2"))
    assert err.value.field == "hours"


def test_wrong_headers_and_rights(store, site, frozen_clock, tmp_path):
    (tmp_path / "h.csv").write_text("Nom;Tel\nx;y\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        desk_for(store, site["supervisor"]).op(io.import_directory, tmp_path / "h.csv")
    assert "Première ligne attendue" in err.value.message
    with pytest.raises(PermissionDenied):
        desk_for(store, site["agent"]).op(io.import_directory, write_csv(tmp_path / "g.csv", [GOOD]))
