"""Moments de vie in a case: start, due dates, statuses, the accompaniment logged in the same
transaction, progress, supervisor import."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from app.core import activity, checklists
from app.core.checklist_catalogue import load_bundled, to_bundle
from app.models.checklists import CaseStep
from app.models.errors import CatalogueError, PermissionDenied, ValidationError
from app.models.tables import Accompaniment, AccompanimentProcedure

DEATH = date(2026, 11, 20)
TODAY = date(2026, 12, 1)


def _start(store, actor, case_id, moment="deces", event=DEATH, **kw):
    with store.write() as session:
        return checklists.start_moment(session, actor, case_id, moment, event, today=TODAY, **kw).id


def _views(store, actor, case_id, today=TODAY):
    with store.read() as session:
        return checklists.moments_for_case(session, actor, case_id, today)


def _step(view, step_id):
    return next(s for s in view.steps if s.step_id == step_id)


def test_starting_je_perds_un_proche_lists_steps_with_due_dates(store, actor, case_id):
    _start(store, actor, case_id)
    [view] = _views(store, actor, case_id)
    assert view.title == "Je perds un proche" and view.catalogue_version == "2026.1"
    assert _step(view, "declaration-deces").due == date(2026, 11, 21)
    assert _step(view, "obseques").due == date(2026, 11, 26)
    assert _step(view, "pension-reversion").due == date(2026, 12, 20)
    assert _step(view, "declaration-succession").due == date(2027, 5, 20)
    assert _step(view, "allocation-veuvage").due is None
    assert _step(view, "declaration-deces").overdue and not _step(view, "pension-reversion").overdue
    assert not _step(view, "allocation-veuvage").overdue  # no deadline, never overdue
    labels = [g[0].label for g in view.groups()]
    assert labels[:4] == ["Tout de suite", "Dès que possible", "Sous 24 h", "Sous 48 h"]
    assert labels[-1] == "Sans délai fixé"
    assert view.progress == (0, len(view.steps))


def test_marking_done_with_the_agent_logs_a_counted_accompaniment(store, actor, case_id):
    _start(store, actor, case_id)
    step = _step(_views(store, actor, case_id)[0], "pension-reversion")
    month = (date(2026, 12, 1), date(2027, 1, 1))
    with store.read() as session:
        before = activity.total_accompaniments(session, None, *month)
    with store.write() as session:
        checklists.set_step_status(session, actor, step.id, "fait", log_accompaniment=True,
                                   now=datetime(2026, 12, 1, 14, 30))
    with store.read() as session:
        assert activity.total_accompaniments(session, None, *month) == before + 1
        cube = activity.activity_cube(session, None, *month)
        assert [(r.partner_code, r.response_type, r.count) for r in cube] == [
            ("CNAV", "demarche_realisee_avec_usager", 1)]
        logged = session.get(CaseStep, step.id).logged_accompaniment_id
        acc = session.get(Accompaniment, logged)
        case_ = session.get(Accompaniment, case_id)
        assert acc.usager_id == case_.usager_id and acc.status == "clos"
        assert "Je perds un proche" in acc.note
        line = session.exec(__import__("sqlmodel").select(AccompanimentProcedure)
                            .where(AccompanimentProcedure.accompaniment_id == logged)).one()
        assert (line.partner_code, line.procedure_code) == ("CNAV", "CNAV-REVERSION")
    view = _views(store, actor, case_id)[0]
    assert _step(view, "pension-reversion").status == "fait"
    assert view.progress[0] == 1


def test_a_failed_accompaniment_leaves_the_step_unchanged(store, actor, case_id):
    _start(store, actor, case_id)
    step = _step(_views(store, actor, case_id)[0], "revenus-defunt")
    with store.read() as session:
        count = len(session.exec(__import__("sqlmodel").select(Accompaniment)).all())
    with pytest.raises(ValidationError):
        with store.write() as session:
            checklists.set_step_status(session, actor, step.id, "fait", log_accompaniment=True,
                                       response_type="pas_un_type")
    with store.read() as session:
        assert len(session.exec(__import__("sqlmodel").select(Accompaniment)).all()) == count
        row = session.get(CaseStep, step.id)
        assert row.status == "a_faire" and row.logged_accompaniment_id is None


def test_steps_without_a_partner_are_done_without_logging(store, actor, case_id):
    _start(store, actor, case_id)
    notaire = _step(_views(store, actor, case_id)[0], "notaire")
    with pytest.raises(ValidationError, match="ne relève pas d'un partenaire"):
        with store.write() as session:
            checklists.set_step_status(session, actor, notaire.id, "fait", log_accompaniment=True)
    with store.write() as session:
        checklists.set_step_status(session, actor, notaire.id, "fait")
    assert _step(_views(store, actor, case_id)[0], "notaire").status == "fait"


def test_statuses_sans_objet_and_en_attente_change_progress(store, actor, case_id):
    _start(store, actor, case_id)
    view = _views(store, actor, case_id)[0]
    total = len(view.steps)
    with store.write() as session:
        checklists.set_step_status(session, actor, _step(view, "certificat-deces").id, "sans_objet")
        checklists.set_step_status(session, actor, _step(view, "declaration-deces").id, "fait")
        checklists.set_step_status(session, actor, _step(view, "prevenir-caf").id, "en_attente_partenaire")
    view = _views(store, actor, case_id)[0]
    assert view.progress == (1, total - 1)
    assert _step(view, "prevenir-caf").status == "en_attente_partenaire"
    with pytest.raises(ValidationError):
        with store.write() as session:
            checklists.set_step_status(session, actor, _step(view, "notaire").id, "termine")
    with pytest.raises(ValidationError, match="Seule une étape faite"):
        with store.write() as session:
            checklists.set_step_status(session, actor, _step(view, "notaire").id, "a_faire", log_accompaniment=True)


def test_several_moments_run_in_one_case_and_progress_sums_them(store, actor, case_id):
    _start(store, actor, case_id)
    _start(store, actor, case_id, "demenagement", date(2027, 1, 15))
    views = _views(store, actor, case_id)
    assert [v.moment_id for v in views] == ["deces", "demenagement"]
    with store.write() as session:
        checklists.set_step_status(session, actor, _step(views[1], "reexpedition").id, "fait")
    with store.read() as session:
        progress = checklists.progress_for_cases(session, [case_id, 999])
    assert progress == {case_id: (1, len(views[0].steps) + len(views[1].steps))}
    assert checklists.progress_text(progress[case_id]) == f"1/{len(views[0].steps) + len(views[1].steps)}"


def test_sections_not_chosen_start_as_sans_objet(store, actor, case_id):
    _start(store, actor, case_id, "etranger", date(2027, 3, 1), sections=["retour"])
    view = _views(store, actor, case_id)[0]
    assert _step(view, "registre-consulaire").status == "sans_objet"
    assert _step(view, "permis-retour").status == "a_faire"
    assert _step(view, "visa-famille").due == date(2026, 12, 1)
    with pytest.raises(ValidationError) as err:
        _start(store, actor, case_id, "identite", TODAY, sections=[])
    assert err.value.field == "sections"


@pytest.mark.parametrize("moment, event, field, message", [
    ("inconnu", DEATH, "moment", "Choisissez un moment de vie"),
    ("deces", None, "event_date", "Date du décès : indiquez une date"),
    ("deces", date(2019, 1, 1), "event_date", "moins de 5 ans"),
])
def test_bad_start_input_is_refused_on_its_field(store, actor, case_id, moment, event, field, message):
    with pytest.raises(ValidationError) as err:
        _start(store, actor, case_id, moment, event)
    assert err.value.field == field and message in err.value.message
    assert _views(store, actor, case_id) == []


def test_the_same_moment_cannot_run_twice_in_a_case(store, actor, case_id):
    _start(store, actor, case_id)
    with pytest.raises(ValidationError, match="déjà en cours"):
        _start(store, actor, case_id)


def _bundle(version: str) -> str:
    data = to_bundle(load_bundled())
    data["version"] = version
    data["moments"][0]["etapes"][1]["titre"] = "Déclarer le décès (version importée)"
    return json.dumps(data, ensure_ascii=False)


def test_a_supervisor_imports_a_newer_catalogue_and_its_version_is_in_use(store, site, case_id):
    sup = site["supervisor"]
    _start(store, sup, case_id)  # started with 2026.1: its snapshot must not change
    with store.write() as session:
        checklists.import_catalogue(session, sup, _bundle("2026.2"), "moments-2026.2.json")
    with store.read() as session:
        info = checklists.catalogue_info(session)
        assert (info.version, info.origin, info.imported_by) == ("2026.2", "moments-2026.2.json", "Paul Sup")
        assert len(info.moments) == 10
    assert _step(_views(store, sup, case_id)[0], "declaration-deces").title == "Déclarer le décès à la mairie du lieu du décès"
    _start(store, sup, case_id, "parent", date(2027, 2, 1))
    with store.write() as session:
        checklists.start_moment(session, sup, case_id, "retraite", date(2027, 6, 1), today=TODAY)
    with store.read() as session:
        deces = checklists.current_catalogue(session).moments["deces"]
    assert deces.steps[1].title == "Déclarer le décès (version importée)"


def test_an_invalid_or_older_import_changes_nothing(store, site):
    sup = site["supervisor"]
    broken = json.loads(_bundle("2026.3"))
    broken["moments"][2]["etapes"][0]["partenaire"] = "PREFECTURE"
    with pytest.raises(CatalogueError, match="moment « identite ».*partenaire inconnu « PREFECTURE »"):
        with store.write() as session:
            checklists.import_catalogue(session, sup, json.dumps(broken), "maj.json")
    with pytest.raises(ValidationError, match="pas plus récente"):
        with store.write() as session:
            checklists.import_catalogue(session, sup, _bundle("2026.1"), "maj.json")
    with pytest.raises(CatalogueError, match="JSON invalide"):
        with store.write() as session:
            checklists.import_catalogue(session, sup, "{pas du json", "maj.json")
    with store.read() as session:
        assert checklists.catalogue_info(session).version == "2026.1"


def test_an_agent_cannot_import_a_catalogue(store, actor):
    with pytest.raises(PermissionDenied):
        with store.write() as session:
            checklists.import_catalogue(session, actor, _bundle("2026.2"), "maj.json")


def test_the_handout_data_has_the_first_name_only_with_consent(store, actor, case_id):
    _start(store, actor, case_id)
    with store.read() as session:
        assert checklists.handout_data(session, actor, case_id, include_first_name=False).first_name is None
        data = checklists.handout_data(session, actor, case_id, include_first_name=True)
    assert data.first_name == "Jeanne" and data.structure_name == "France services de Testville"


def test_a_step_with_a_partner_but_no_demarche_logs_with_the_case_theme(store, actor, case_id):
    _start(store, actor, case_id, "identite", TODAY)
    depot = _step(_views(store, actor, case_id)[0], "depot-dossier")
    with store.write() as session:
        step = checklists.set_step_status(session, actor, depot.id, "fait", log_accompaniment=True)
        acc = session.get(Accompaniment, step.logged_accompaniment_id)
        assert acc.thematique == session.get(Accompaniment, case_id).thematique
