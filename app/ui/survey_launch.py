"""Launching usager mode safely, and wiring the survey into the main window.

`UsagerGuard` keeps the agent's screens out of reach while the survey is up: it hides every other
window of the app (and any that tries to appear), disables every action and swallows every
shortcut (an accepted ShortcutOverride means no shortcut fires). On a second screen facing the
usager, the agent keeps the main window on theirs and only the survey window is guarded.
`install(window)`, called by MainWindow.install_features: toolbar button, menus, and the offer
after a face-to-face visit (a bar with F6, app/ui/survey_hint.py; no dialog).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from app import config
from app.i18n import _
from app.ui.survey_mode import CHORD, SurveyScreen


class UsagerGuard(QObject):
    """Keeps the agent's screens out of reach while the survey is up (see module docstring)."""

    def __init__(self, screen: SurveyScreen, cover_agent: bool = True):
        super().__init__(screen)
        self.screen = screen
        self.cover_agent = cover_agent
        self.hidden: list[QWidget] = []
        self.disabled: list[QAction] = []
        self.active = False

    def engage(self) -> None:
        self.active = True
        QApplication.instance().installEventFilter(self)  # first: nothing slips through meanwhile
        if self.cover_agent:
            for w in QApplication.topLevelWidgets():
                if w is not self.screen and w.isVisible():
                    self._hide(w)
            for w in QApplication.topLevelWidgets():
                if w is self.screen:
                    continue
                for action in w.findChildren(QAction):
                    if shiboken6.isValid(action) and action.isEnabled():
                        action.setEnabled(False)
                        self.disabled.append(action)

    def release(self) -> None:
        if not self.active:
            return
        self.active = False
        QApplication.instance().removeEventFilter(self)
        for action in self.disabled:
            if shiboken6.isValid(action):  # a dialog may have been deleted meanwhile
                action.setEnabled(True)
        for w in self.hidden:
            if shiboken6.isValid(w):
                w.show()
        self.disabled, self.hidden = [], []

    def _hide(self, w: QWidget) -> None:
        if w not in self.hidden:
            self.hidden.append(w)
        w.hide()

    def _ours(self, obj) -> bool:
        return isinstance(obj, QWidget) and (obj is self.screen or self.screen.isAncestorOf(obj))

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        ours = self._ours(obj)
        if kind == QEvent.ShortcutOverride and (ours or self.cover_agent):
            event.accept()  # accepted override = no shortcut fires; the key goes to the survey
            return True
        if kind == QEvent.KeyPress and ours:
            self.screen.user_activity()
            if event.modifiers() & CHORD[0] == CHORD[0] and event.key() == CHORD[1]:
                self.screen.request_exit()
                return True
        elif kind in (QEvent.MouseButtonPress, QEvent.TouchBegin, QEvent.Wheel) and ours:
            self.screen.user_activity()
        elif (kind == QEvent.Show and self.cover_agent and isinstance(obj, QWidget) and obj.isWindow()
              and not ours and not obj.inherits("QMenu")):
            QTimer.singleShot(0, lambda w=obj: self.active and self._hide(w))  # e.g. a dialog from a timer
        return False


def target_screen(agent_window: QWidget | None):
    """(screen, is_second): another screen than the agent's when there is one."""
    screens = QGuiApplication.screens()
    agent = agent_window.screen() if agent_window is not None else QGuiApplication.primaryScreen()
    others = [s for s in screens if s is not agent]
    return (others[0], True) if others else (agent, False)


def start_usager_mode(desk, context, agent_window: QWidget | None = None, **kw) -> SurveyScreen:
    """Show the survey full screen (on a second screen if one exists) with the guard engaged."""
    screen_obj, second = target_screen(agent_window)
    survey = SurveyScreen(desk, context, **kw)
    survey.guard = UsagerGuard(survey, cover_agent=not second)
    survey.left.connect(survey.guard.release)
    survey.setWindowFlag(Qt.WindowStaysOnTopHint, True)
    survey.setScreen(screen_obj)
    survey.setGeometry(screen_obj.geometry())
    survey.guard.engage()
    survey.showFullScreen()
    survey.raise_()
    survey.activateWindow()
    survey.show_question(0)
    return survey

# ---------------------------------------------------------------- main window wiring

OFFER_PREF = config.SURVEY_OFFER


def survey_context(session, actor, case_id: int | None):
    """The survey's context: that of the accompaniment when there is one (in the actor's scope),
    else the desk's. A read use case: `desk.query(survey_context, case_id)`."""
    from app.core.accompaniments import get_accompaniment
    from app.core.structures import get_structure
    from app.core.surveys import SurveyInput, input_for_accompaniment
    from app.models.enums import Canal, StructureKind

    if case_id is not None:
        get_accompaniment(session, actor, case_id)  # scope: NotFound for another structure's case
        return input_for_accompaniment(session, case_id)
    kind = get_structure(session, actor.structure_id).kind
    canal = Canal.ITINERANT_BUS if kind == StructureKind.BUS else Canal.GUICHET
    return SurveyInput(structure_id=actor.structure_id, canal=str(canal))


def _closed(session, actor, case_ids) -> list[int]:
    """Those of `case_ids` in the actor's scope whose case is closed."""
    from app.core.accompaniments import get_accompaniment
    from app.models.enums import CaseStatus
    from app.models.errors import NotFound

    closed = []
    for case_id in case_ids:
        try:
            if get_accompaniment(session, actor, case_id).status == CaseStatus.CLOS:
                closed.append(case_id)
        except NotFound:
            continue
    return closed


def launch(window, case_id: int | None = None) -> SurveyScreen:
    current = getattr(window, "survey_screen", None)
    if current is not None and current.isVisible():
        return current
    survey = start_usager_mode(window.desk, window.desk.query(survey_context, case_id), agent_window=window)
    survey.response_recorded.connect(lambda: window.statusBar().showMessage(_("Avis de l'usager enregistré."), 4000))
    survey.left.connect(lambda: window.activateWindow())
    window.survey_screen = survey
    return survey


def offer(window, case_id: int) -> None:
    """After a visit is saved: the bar « … ? F6 » if the core says the survey is due for it
    (app/core/survey_offer.py), never a dialog (app/ui/survey_hint.py)."""
    from app.core.survey_offer import survey_offer_due
    from app.ui import prefs

    hint = getattr(window, "survey_hint", None)
    if hint is None or not prefs.get(OFFER_PREF):
        return
    if window.desk.query(survey_offer_due, case_id):
        hint.offer(case_id)


def install(window) -> None:
    """Toolbar button and menu entries; offer the survey when a case is closed."""
    from app.ui import survey_hint
    from app.ui.survey_indicators import show_indicators
    from app.ui.survey_paper import show_paper_entry

    act = QAction(_("Enquête de satisfaction"), window)
    act.setShortcut("Ctrl+Shift+E")
    act.setShortcutContext(Qt.ApplicationShortcut)
    act.setToolTip(_("Passer l'écran en mode usager pour l'enquête de satisfaction (Ctrl+Maj+E)"))
    act.triggered.connect(lambda: launch(window, _closed_selection(window)))
    window.addAction(act)
    window.toolbar.addAction(act)
    window.menu_case.addAction(act)
    paper = QAction(_("Saisir des enquêtes papier…"), window)
    paper.triggered.connect(lambda: show_paper_entry(window))
    window.menu_tools.addAction(paper)
    stats = QAction(_("Indicateurs de satisfaction…"), window)
    stats.triggered.connect(lambda: show_indicators(window))
    window.menu_supervision.addAction(stats)
    window.survey_actions = (act, paper, stats)
    survey_hint.install(window, launch)
    window.ops.executed.connect(lambda changes, source: offer_after_save(window, changes, source))


def offer_after_save(window, changes, source) -> None:
    """A case saved at the counter (the form, the case detail) and now closed: offer the survey."""
    from app.ui.accompaniment_form import COUNTER

    saved = sorted(changes.accompaniments - changes.deleted_accompaniments)
    if source == COUNTER and len(saved) == 1:
        offer(window, saved[0])


def _closed_selection(window) -> int | None:
    """The selected case gives the context only if it is closed (the visit that just ended)."""
    case_id = window.current_case_id()
    if case_id is None:
        return None
    return case_id if window.desk.query(_closed, [case_id]) else None
