"""Main window: today's activity, search-as-you-type, the case list and the follow-ups list.

The window paints before the store is open (no ORM import at module level); `attach()` then
plugs in the `Desk` (app/core/desk.py: the store and the logged-in agent). Every read and write
goes through it; `self.ops.executed(changes, source)` is told about every committed write, and
the lists, the Today panel and the other screens refresh from it when the changes touch them.
Lists and figures are read off the UI thread. The feature modules of `install_features` add
their own actions, panels and status-bar widgets through `install(window)`, after the first paint.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QLineEdit, QMainWindow, QMessageBox, QSizePolicy,
                               QTableView, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from app.i18n import _, format_number
from app.ui import fit
from app.ui.a11y import data_label, install_announcer, no_tab_trap
from app.ui.case_model import CaseTableModel
from app.ui.today_panel import TodayPanel
from app.ui.workers import OpsHub, run_op, show_failure

log = logging.getLogger(__name__)

FEATURES_DELAY_MS = 50  # after today's work is on screen: paint it first, then fill the menus
SEARCH_DELAY_MS = 120  # debounce: one query per pause in typing, not per keystroke
# Tables whose changes the lists and the Today panel show (cases, their lines, usagers' names,
# the moments de vie progress column).
LIST_TABLES = ("accompaniment", "accompaniment_procedure", "usager", "case_moment", "case_step", "call_attempt")


class MainWindow(QMainWindow):
    actor_changed = Signal(object)  # features that cache per-agent state listen to this
    refreshed = Signal()  # the lists and the Today panel show the store as of the last refresh()

    def __init__(self, desk=None, parent=None):
        super().__init__(parent)
        self.desk, self.ops = None, None
        self._features_installed = False
        self._waiting: set[str] = set()
        self._today_generation = 0  # also numbers the refreshes
        self._failure_shown = -1
        self._select_first_when_loaded = False
        self.setWindowTitle(_("Guichet — accompagnements France services"))
        self.setAccessibleName(_("Guichet"))
        self.resize(1200, 760)
        self._build_actions()
        self._build_menus()
        self._build_central()
        self.status_label = data_label(QLabel(_("Ouverture du fichier de données…")), _("État"))
        # A long store path must not push the sync indicator and other permanent widgets away.
        self.status_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.statusBar().addWidget(self.status_label, 1)
        self._set_enabled(False)
        if desk is not None:
            self.attach(desk)

    # -- construction ----------------------------------------------------------------
    def _action(self, text: str, shortcut: str | None, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ApplicationShortcut)  # Ctrl+N works from any window
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_new = self._action(_("&Nouvel accompagnement…"), "Ctrl+N", self.new_accompaniment,
                                    _("Enregistrer un nouvel accompagnement"))
        self.act_repeat = self._action(_("&Répéter le dernier…"), "Ctrl+R", self.repeat_last,
                                       _("Nouvel accompagnement prérempli comme votre dernier"))
        self.act_open = self._action(_("&Ouvrir le dossier"), "Ctrl+O", self.open_selected,
                                     _("Voir le dossier sélectionné, son historique et son statut"))
        self.act_search = self._action(_("Re&chercher"), "Ctrl+F", self.focus_search, _("Rechercher"))
        self.act_followups = self._action(_("À re&lancer"), "Ctrl+L", self.show_followups,
                                          _("Les accompagnements à relancer"))
        self.act_refresh = self._action(_("Actualiser"), "F5", self.refresh, _("Actualiser les listes"))
        self.act_quit = self._action(_("&Quitter"), "Ctrl+Q", self.close, _("Quitter Guichet"))
        self.act_shortcuts = self._action(_("Raccourcis &clavier"), "F1", self.show_shortcuts,
                                          _("Liste des raccourcis clavier"))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu(_("&Fichier"))
        self.menu_case = bar.addMenu(_("&Accompagnement"))
        self.menu_tools = bar.addMenu(_("&Outils"))
        self.menu_supervision = bar.addMenu(_("&Supervision"))
        self.menu_help = bar.addMenu(_("Ai&de"))
        self.menu_file.addAction(self.act_refresh)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        for a in (self.act_new, self.act_repeat, self.act_open, self.act_search, self.act_followups):
            self.menu_case.addAction(a)
        lang = self.menu_tools.addMenu(_("&Langue"))
        for code, name in (("fr", "Français"), ("en", "English")):
            lang.addAction(name, lambda c=code: self.set_language(c))
        self.menu_help.addAction(self.act_shortcuts)
        self.toolbar = QToolBar(_("Barre d'outils"))
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setAccessibleName(_("Barre d'outils"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        self.toolbar.addAction(self.act_new)
        self.toolbar.addAction(self.act_repeat)
        self.toolbar.addSeparator()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(_("Rechercher un usager, une démarche, un partenaire, une note… (Ctrl+F)"))
        self.search_edit.setAccessibleName(_("Rechercher"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(420)
        self.toolbar.addWidget(self.search_edit)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_enter)
        self.toolbar.addAction(self.act_followups)

    def _table(self, name: str) -> QTableView:
        view = no_tab_trap(QTableView())  # Tab leaves the table, arrows move inside
        view.setAccessibleName(name)
        view.setSelectionBehavior(QAbstractItemView.SelectRows)
        view.setSelectionMode(QAbstractItemView.SingleSelection)
        view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.setWordWrap(False)
        view.doubleClicked.connect(lambda _i: self.open_selected())
        view.activated.connect(lambda _i: self.open_selected())  # Enter on a row
        return view

    def _build_central(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 8)
        self.today_panel = TodayPanel()
        layout.addWidget(self.today_panel)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Listes"))
        self.case_view = self._table(_("Liste des accompagnements"))
        self.followup_view = self._table(_("Liste des accompagnements à relancer"))
        self.tabs.addTab(self.case_view, _("Accompagnements"))
        self.tabs.addTab(self.followup_view, _("À relancer"))
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.setTabOrder(self.search_edit, self.tabs)
        self.setTabOrder(self.tabs, self.case_view)

    def _set_enabled(self, on: bool) -> None:
        for a in (self.act_new, self.act_repeat, self.act_open, self.act_search, self.act_followups, self.act_refresh):
            a.setEnabled(on)
        self.search_edit.setEnabled(on)

    # -- desk -------------------------------------------------------------------------
    @property
    def actor(self):
        """The agent at the desk, for display and menus (every operation re-reads it anyway)."""
        return self.desk.actor if self.desk is not None else None

    def attach(self, desk, defer_features: bool = False) -> None:
        """Plug in the desk, then load the lists. At start-up the feature modules install once
        today's work is on screen (`defer_features`): the agent sees it sooner (the features'
        own first reads do not compete with it), and menus fill in a fraction of a second later."""
        from app.core.cases import CaseFilter

        if self.ops is not None:  # attached again (store re-opened after a recovery)
            self.ops.detach()
        self.desk = desk
        self.ops = OpsHub(desk, self)
        self.ops.executed.connect(self._on_executed)
        actor = desk.actor
        self.case_model = CaseTableModel(desk, CaseFilter(structure_id=actor.structure_id), self)
        self.followup_model = CaseTableModel(desk, self._followup_filter(), self)
        self.case_model.loaded.connect(lambda: self._arrived("cases"))
        self.followup_model.loaded.connect(lambda: self._arrived("followups"))
        self.case_model.on_failure = lambda exc: self._load_failed("cases", exc)
        self.followup_model.on_failure = lambda exc: self._load_failed("followups", exc)
        self.case_view.setModel(self.case_model)
        self.followup_view.setModel(self.followup_model)
        install_announcer(self)  # status messages and search counts spoken, named inner controls
        self.refresh()
        for view in (self.case_view, self.followup_view):
            fit.size_case_columns(view)  # names and dates whole, démarches elided with a tooltip
        self._set_enabled(True)
        self._show_status()
        if not self._features_installed:
            self._features_installed = True
            if defer_features:
                def once():
                    self.refreshed.disconnect(once)
                    QTimer.singleShot(FEATURES_DELAY_MS, self, self.install_features)

                self.refreshed.connect(once)
            else:
                self.install_features()

    def switch_actor(self, grant) -> None:
        """Another agent takes the desk: every list and figure is emptied at once and rebuilt for
        them, and nothing typed by the previous agent (search text) stays on screen."""
        from app.core.cases import CaseFilter

        self.search_edit.clear()
        self._search_timer.stop()
        self.desk.hand_over(grant)
        for model in (self.case_model, self.followup_model):
            model.clear()
        self.today_panel.clear()
        self.case_model.case_filter = CaseFilter(structure_id=self.actor.structure_id)
        self.followup_model.case_filter = self._followup_filter()
        self.refresh()
        self._show_status()
        self.statusBar().clearMessage()
        self.actor_changed.emit(self.actor)

    def install_features(self) -> None:
        # Imported here, not at module level: they pull in the ORM, reportlab's callers, the sync…
        # which the first paint must not wait for (bench/bench_ui.py measures it).
        from app.ui import (about, agents_dialog, backup_dialog, checklist_panel, fiches_pane, first_run, followups_panel,
                            journal_view, lock, look, referents_dialog, report_dialog, search_view, settings_dialog,
                            survey_launch, sync_status)

        features = (
            first_run, search_view,  # title, empty list's next step; ↓ into results, count, « Par usager »
            settings_dialog,
            about,
            survey_launch,
            checklist_panel,  # moments de vie panel, « Site officiel ? », catalogue
            lock,  # auto-lock, « Changer d'agent »
            journal_view,  # Supervision: journal, retention, usager rights
            report_dialog,  # Supervision: monthly activity report
            agents_dialog,  # Supervision: agents and security settings
            backup_dialog,  # Fichier › Sauvegardes…, automatic backups at start-up and close
            sync_status,  # status-bar sync indicator, Outils › Synchroniser (F9), sync dialogs
            fiches_pane,  # Outils › Fiches (F2), Supervision › Fiches : mettre à jour la base
            referents_dialog,  # Outils › Annuaire des référents, Supervision › Délais des partenaires
            followups_panel,  # « À relancer » as a work list, « Noter un appel », « Feuille de route »
            look,  # toolbar icons, once the actions above exist
        )
        for feature in features:
            try:
                feature.install(self)
            except Exception:  # one broken feature must not take the counter down
                log.exception("feature %s failed to install", feature.__name__)

    def _followup_filter(self):
        from app.core.cases import CaseFilter

        mine = self.actor.agent_id if getattr(self, "followups_mine", False) else None  # followups_panel.py
        return CaseFilter(follow_up_due_by=date.today(), structure_id=self.actor.structure_id, agent_id=mine)

    def _show_status(self) -> None:
        from app.core.counter import status_bar_text

        agent, structure, matricule = self.desk.query(status_bar_text)
        self.status_label.setText(_("Agent : {agent} — {structure} (matricule {matricule}) — {path}").format(
            agent=agent, structure=structure, matricule=matricule, path=self.desk.store.location))
        self.status_label.setToolTip(self.status_label.text())

    def refresh(self) -> None:
        """Reload the lists and today's figures in the background; `refreshed` when all are on screen."""
        if self.desk is None:
            return
        self._waiting = {"today", "cases", "followups"}
        self._today_generation += 1
        generation, desk = self._today_generation, self.desk
        run_op(self, lambda _p: desk.today(), on_done=lambda summary: self._show_today(generation, summary),
               on_error=lambda exc: self._load_failed("today", exc) if generation == self._today_generation else None)
        self.apply_search()
        self.followup_model.reload(self._followup_filter())

    @property
    def loading(self) -> bool:
        """True until the answers of the last refresh() are all on screen."""
        return bool(self._waiting)

    def _show_today(self, generation: int, summary) -> None:
        if generation != self._today_generation:
            return  # an older answer: a newer refresh is on its way
        self.today_panel.show_summary(summary)
        self.tabs.setTabText(1, _("À relancer ({n})").format(n=format_number(summary.follow_ups_due)))
        self._arrived("today")

    def _arrived(self, part: str) -> None:
        if part == "cases" and self._select_first_when_loaded:
            self._select_first_when_loaded = False
            self._select_first()
        if part in self._waiting:
            self._waiting.discard(part)
            if not self._waiting:
                self.refreshed.emit()

    def _load_failed(self, part: str, exc: BaseException) -> None:
        """One message per refresh, however many of its reads failed (e.g. the agent was
        deactivated meanwhile: all three are refused)."""
        if self._failure_shown != self._today_generation:
            self._failure_shown = self._today_generation
            show_failure(self, exc)
        self._arrived(part)

    def _on_executed(self, changes, source) -> None:
        """A write committed (here or in any screen): refresh what it touched."""
        from app.ui.accompaniment_form import COUNTER

        if changes.touches(*LIST_TABLES):
            self.refresh()
        if source == COUNTER:
            self.statusBar().showMessage(_("Accompagnement enregistré."), 4000)

    def current_case_id(self) -> int | None:
        view = self.tabs.currentWidget()
        if not isinstance(view, QTableView) or view.model() is None:  # e.g. the « Par usager » tree:
            return getattr(view, "current_case_id", lambda: None)()  # app/ui/search_view.py
        index = view.currentIndex()
        if not index.isValid():
            return None
        row = view.model().row_at(index.row())
        return row.id if row else None

    # -- actions ----------------------------------------------------------------------
    def apply_search(self) -> None:
        from app.core.cases import CaseFilter

        if self.desk is None:
            return
        self.case_model.reload(CaseFilter(text=self.search_edit.text(), structure_id=self.actor.structure_id))

    def _search_enter(self) -> None:
        """Enter in the search field: to the list, first row selected — at once when the list
        already shows this search, else as soon as its answer arrives."""
        shown = self.case_model.case_filter
        if self._search_timer.isActive() or self.case_model.loading or shown is None \
                or shown.text != self.search_edit.text():
            self._search_timer.stop()
            self._select_first_when_loaded = True
            self.apply_search()
        self.tabs.setCurrentWidget(self.case_view)
        self.case_view.setFocus()
        if not self._select_first_when_loaded:
            self._select_first()

    def _select_first(self) -> None:
        if self.case_model.rowCount():
            self.case_view.selectRow(0)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def show_followups(self) -> None:
        self.tabs.setCurrentWidget(self.followup_view)
        self.followup_view.setFocus()

    def new_accompaniment(self, initial=None) -> int | None:
        from app.ui.accompaniment_form import AccompanimentForm

        if self.desk is None:
            return None
        form = AccompanimentForm(self.desk, parent=self, initial=initial)
        form.exec()
        return form.saved_id

    def repeat_last(self) -> None:
        from app.core.accompaniments import last_input

        data = self.desk.query(last_input)
        if data is None:
            self.statusBar().showMessage(_("Aucun accompagnement précédent à répéter."), 5000)
            return
        self.new_accompaniment(initial=data)

    def open_selected(self) -> None:
        from app.ui.case_detail import CaseDetailDialog

        case_id = self.current_case_id()
        if case_id is None:
            self.statusBar().showMessage(_("Sélectionnez d'abord un accompagnement dans la liste."), 5000)
            return
        dialog = CaseDetailDialog(self.desk, case_id, parent=self)
        dialog.exec()

    def set_language(self, code: str) -> None:
        from app import config
        from app.ui import prefs

        prefs.put(config.LANGUAGE, code)
        QMessageBox.information(self, _("Langue"),
                                _("La langue choisie sera appliquée au prochain démarrage de Guichet."))

    def show_shortcuts(self) -> None:
        rows = [(a.shortcut().toString(QKeySequence.NativeText), a.text().replace("&", ""))
                for a in self.actions() if not a.shortcut().isEmpty()]
        text = "<table>" + "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{t}</td></tr>" for k, t in sorted(rows)) + "</table>"
        QMessageBox.information(self, _("Raccourcis clavier"), text)
