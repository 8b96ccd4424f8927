"""Opens every top-level window and dialog of Guichet and lists what does not fit the screen.

Not collected by the normal run (no `test_` prefix): tests/ui/test_fit_screen.py runs it in a
subprocess per screen, because the offscreen screen size and QT_SCALE_FACTOR are fixed when the
QApplication starts. GUICHET_FIT_FONT (e.g. 2) multiplies the application font first.

A window fits when, as the app shows it: it is no larger than the screen's available area (a
title bar allowed for), every visible widget lies inside it (widgets inside a scroll area may be
scrolled to, so they are checked against nothing but their own size), no label that does not wrap
is narrower than its text, and every table column is at least as wide as its header's text
(except the one stretched column, whose cells elide with a tooltip).
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import (QAbstractScrollArea, QApplication, QDialog, QHeaderView, QLabel, QTableView, QTreeView,
                               QWidget)

from app.ui import fit, look

FRAME = 32  # title bar allowance: offscreen windows have none, a real window manager adds ~20-32 px


def problems(window: QWidget) -> list[str]:
    area = fit.available(window)
    name = f"{type(window).__name__} « {window.windowTitle()} »"
    out = []
    frame = 0 if window.isMaximized() else FRAME  # maximised: the window manager fits it, title bar included
    if window.width() > area.width() or window.height() + frame > area.height():
        out.append(f"{name}: {window.width()}×{window.height()} on a {area.width()}×{area.height()} screen")
    scrolled = [s.viewport() for s in window.findChildren(QAbstractScrollArea)]
    for child in window.findChildren(QWidget):
        if not child.isVisibleTo(window) or child.isWindow() or any(v.isAncestorOf(child) for v in scrolled):
            continue
        top_left = child.mapTo(window, child.rect().topLeft())
        right, bottom = top_left.x() + child.width(), top_left.y() + child.height()
        if top_left.x() < -1 or top_left.y() < -1 or right > window.width() + 1 or bottom > window.height() + 1:
            out.append(f"{name}: {type(child).__name__} {child.objectName() or child.accessibleName()!r} "
                       f"at ({top_left.x()}, {top_left.y()}) {child.width()}×{child.height()} outside "
                       f"{window.width()}×{window.height()}")
    for label in window.findChildren(QLabel):
        if label.isVisibleTo(window) and not label.wordWrap() and label.text() and label.sizePolicy().horizontalPolicy() \
                != label.sizePolicy().Policy.Ignored and label.width() + 1 < label.minimumSizeHint().width():
            out.append(f"{name}: label cut « {label.text()[:40]} » {label.width()} < {label.minimumSizeHint().width()}")
    for view in window.findChildren(QTableView) + window.findChildren(QTreeView):
        if not view.isVisibleTo(window) or view.model() is None:
            continue
        header = view.horizontalHeader() if isinstance(view, QTableView) else view.header()
        # read-only lists have no row numbers; a data-entry grid keeps them (the paper sheet's lines)
        if isinstance(view, QTableView) and not view.verticalHeader().isHidden() \
                and view.editTriggers() == QTableView.NoEditTriggers:
            out.append(f"{name}: row numbers shown in {view.accessibleName()!r}")
        last = max((i for i in range(header.count()) if not header.isSectionHidden(i)), default=-1)
        for i in range(header.count()):
            if header.isSectionHidden(i) or header.sectionResizeMode(i) == QHeaderView.Stretch \
                    or (i == last and header.stretchLastSection()):
                continue
            text = str(view.model().headerData(i, header.orientation()) or "")
            needed = header.fontMetrics().horizontalAdvance(text) + 8
            if text and header.sectionSize(i) < needed:
                out.append(f"{name}: column « {text} » {header.sectionSize(i)} px < {needed} px")
    return out


def show(qtbot, window: QWidget) -> list[str]:
    qtbot.addWidget(window)
    if isinstance(window, QDialog):
        window.show()
    else:
        fit.show_main(window)
    qtbot.waitExposed(window)
    QApplication.processEvents()
    found = problems(window)
    if found:
        print(f"{type(window).__name__}: size {window.size().toTuple()} minimum {window.minimumSizeHint().toTuple()}")
    window.hide()  # not close(): the recovery code dialog refuses to close before its box is ticked
    return found


@pytest.fixture
def scaled(qapp):
    factor = float(os.environ.get("GUICHET_FIT_FONT", "1"))
    look.apply(qapp)
    font = qapp.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    qapp.setFont(font)
    yield qapp


@pytest.fixture
def filled(store, site, frozen_clock):
    """Cases with long names, démarches, follow-ups and a moment de vie; favourites for the form."""
    from app.core.accompaniments import AccompanimentInput, ProcedureLine
    from app.core import structures
    from app.core.checklists import start_moment
    from app.core.context import Actor
    from app.models.enums import Role
    from app.core.usagers import UsagerInput
    from tests.desks import desk_for

    agent, supervisor = site["agent"], site["supervisor"]
    desk = desk_for(store, agent)
    lines = [ProcedureLine("CAF", "CAF-PAJE"), ProcedureLine("ANTS", "ANTS-CG-CHANGEMENT-TITULAIRE"),
             ProcedureLine("CNAV", "CNAV-DEMANDE-RETRAITE"), ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES")]
    ids = []
    for i, line in enumerate(lines * 2):
        data = AccompanimentInput(
            procedures=[line], response_type="demarche_realisee_avec_usager", duration_min=20,
            status="ouvert", occurred_at=frozen_clock.now() - timedelta(days=12 - i),
            follow_up_on=date.today() - timedelta(days=5 - i),
            new_usager=UsagerInput(first_name="Marie-Christine", last_name="DUPONT-LEFEBVRE " + "ABCDEFGH"[i], phone="0612345678"))
        ids.append(desk.save_accompaniment(None, data).value.id)
    desk.op(start_moment, ids[0], "deces", date.today() - timedelta(days=10), None)
    with store.write() as session:
        admin = structures.create_agent(session, site["fixed"].id, "admin", "Administratrice", Role.ADMINISTRATEUR)
        admin = Actor(admin.id, site["fixed"].id, Role.ADMINISTRATEUR, admin.display_name)
    return {"agent": desk, "supervisor": desk_for(store, supervisor), "admin": desk_for(store, admin),
            "case": ids[0], "store": store}


def windows(filled, qtbot):
    """(label, factory) for every top-level window; each factory builds the window, not yet shown."""
    from app.core.backup_service import Diagnosis
    from app.ui import (about, agents_dialog, backup_dialog, case_detail, checklist_catalogue_dialog, journal_view,
                        login, official_site_dialog, recovery, report_dialog, settings_dialog, setup_wizard,
                        start_moment_dialog, survey_paper, sync_dialogs)
    from app.ui.accompaniment_form import AccompanimentForm
    from app.ui.main_window import MainWindow

    agent, sup, case, store = filled["agent"], filled["supervisor"], filled["case"], filled["store"]

    def main_with_moments():
        w = MainWindow(agent)
        w.install_features()
        w.case_view.selectRow(0)
        return w

    return [
        ("main window", main_with_moments),
        ("form", lambda: AccompanimentForm(agent)),
        ("case detail", lambda: case_detail.CaseDetailDialog(agent, case)),
        ("start moment", lambda: start_moment_dialog.StartMomentDialog(agent, case)),
        ("login", lambda: login.LoginDialog(store)),
        ("about", lambda: about.AboutDialog(store)),
        ("journal", lambda: journal_view.JournalDialog(sup)),
        ("report", lambda: report_dialog.ReportDialog(sup)),
        ("settings", lambda: settings_dialog.SettingsDialog(filled["admin"])),
        ("agents", lambda: agents_dialog.AgentsDialog(filled["admin"])),
        ("backups", lambda: backup_dialog.BackupDialog(sup)),
        ("catalogue", lambda: checklist_catalogue_dialog.ChecklistCatalogueDialog(sup)),
        ("official site", lambda: official_site_dialog.OfficialSiteDialog(text="https://www.impots.gouv.fr")),
        ("paper surveys", lambda: survey_paper.PaperEntryDialog(agent)),
        ("recovery code", lambda: recovery.RecoveryCodeDialog("ABCD-EFGH-IJKL-MNOP-QRST-UVWX")),
        ("recovery", lambda: recovery.RecoveryDialog(store.path, Diagnosis("key_missing", "La clé est introuvable."))),
        ("set-up wizard", lambda: setup_wizard.SetupWizard(store)),
        ("sync preflight", lambda: sync_dialogs.PreflightDialog(sup)),
        ("sync journal", lambda: sync_dialogs.JournalDialog(sup)),
        ("sync service", lambda: sync_dialogs.ServiceDialog(sup)),
    ]


def test_every_window_fits_the_screen(qtbot, scaled, filled):
    found, opened = [], []
    for label, factory in windows(filled, qtbot):
        try:
            window = factory()
        except Exception as exc:  # a window that cannot open here is reported, not silently skipped
            found.append(f"{label}: could not open ({type(exc).__name__}: {exc})")
            continue
        opened.append(label)
        started = time.perf_counter()
        found += show(qtbot, window)
        print(f"{label}: {time.perf_counter() - started:.2f} s")
    screen = QApplication.primaryScreen().availableGeometry()
    print(f"screen {screen.width()}×{screen.height()}, font {QApplication.font().pointSizeF():g} pt, "
          f"{len(opened)} windows opened: {', '.join(opened)}")
    print("\n".join(found))
    assert found == []
