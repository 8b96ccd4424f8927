"""Main window: today's activity, search-as-you-type, the case list and the follow-ups list.

The window paints before the store is open (no ORM import at module level); `attach()` then
plugs in the store and the agent. The feature modules of `install_features` add their own
actions, panels and status-bar widgets through `install(window)`, after the first paint.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QLineEdit, QMainWindow, QMessageBox, QSizePolicy,
                               QTableView, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from app.i18n import _, format_number
from app.ui.case_model import CaseTableModel
from app.ui.today_panel import TodayPanel

log = logging.getLogger(__name__)

FEATURES_DELAY_MS = 150
SEARCH_DELAY_MS = 120  # debounce: one query per pause in typing, not per keystroke


class MainWindow(QMainWindow):
    case_saved = Signal(int)
    actor_changed = Signal(object)  # features that cache per-agent state listen to this

    def __init__(self, store=None, actor=None, parent=None):
        super().__init__(parent)
        self.store, self.actor = None, None
        self._features_installed = False
        self.setWindowTitle(_("Guichet — accompagnements France services"))
        self.setAccessibleName(_("Guichet"))
        self.resize(1200, 760)
        self._build_actions()
        self._build_menus()
        self._build_central()
        self.status_label = QLabel(_("Ouverture du fichier de données…"))
        self.status_label.setAccessibleName(_("État"))
        # A long store path must not push the sync indicator and other permanent widgets away.
        self.status_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.statusBar().addWidget(self.status_label, 1)
        self._set_enabled(False)
        if store is not None:
            self.attach(store, actor)

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
        view = QTableView()
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

    # -- store ------------------------------------------------------------------------
    def attach(self, store, actor, defer_features: bool = False) -> None:
        """Plug in the open store and the acting agent, then load the lists. At start-up the
        feature modules install just after the first paint (`defer_features`): the agent sees
        today's work sooner, and menus fill in a fraction of a second later."""
        from app.core.cases import CaseFilter

        self.store, self.actor = store, actor
        self.case_model = CaseTableModel(store, actor, CaseFilter(structure_id=actor.structure_id), self)
        self.followup_model = CaseTableModel(store, actor, self._followup_filter(), self)
        self.case_view.setModel(self.case_model)
        self.followup_view.setModel(self.followup_model)
        self.refresh()
        for view in (self.case_view, self.followup_view):
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.Interactive)
            header.setSectionResizeMode(3, QHeaderView.Stretch)
            for col, width in ((0, 150), (1, 150), (2, 140), (4, 120), (5, 150), (6, 110)):
                view.setColumnWidth(col, width)
            for col in range(7, view.model().columnCount()):
                view.setColumnWidth(col, 150)
        self._set_enabled(True)
        self.status_label.setText(self._status_text())
        self.status_label.setToolTip(self.status_label.text())
        if not self._features_installed:
            self._features_installed = True
            if defer_features:
                QTimer.singleShot(FEATURES_DELAY_MS, self.install_features)
            else:
                self.install_features()

    def switch_actor(self, actor) -> None:
        """Another agent takes the desk: every list and figure is rebuilt for them, and nothing
        typed by the previous agent (search text) stays on screen."""
        self.search_edit.clear()
        self.attach(self.store, actor)
        self.statusBar().clearMessage()
        self.actor_changed.emit(actor)

    def install_features(self) -> None:
        # Imported here, not at module level: they pull in the ORM, reportlab's callers, the sync…
        # which the first paint must not wait for (bench/bench_ui.py measures it).
        from app.ui import (about, agents_dialog, backup_dialog, checklist_panel, journal_view, lock,
                            report_dialog, settings_dialog, survey_launch, sync_status)

        features = (
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
        )
        for feature in features:
            try:
                feature.install(self)
            except Exception:  # one broken feature must not take the counter down
                log.exception("feature %s failed to install", feature.__name__)

    def _followup_filter(self):
        from app.core.cases import CaseFilter

        return CaseFilter(follow_up_due_by=date.today(), structure_id=self.actor.structure_id)

    def _status_text(self) -> str:
        from app.core.structures import get_structure

        with self.store.read() as session:
            structure = get_structure(session, self.actor.structure_id)
        return _("Agent : {agent} — {structure} (matricule {matricule}) — {path}").format(
            agent=self.actor.display_name, structure=structure.name, matricule=structure.matricule,
            path=self.store.path)

    def refresh(self) -> None:
        from app.core.cases import count_cases, today_activity

        if self.store is None:
            return
        with self.store.read() as session:
            summary = today_activity(session, self.actor)
            due = count_cases(session, self.actor, self._followup_filter())
        self.today_panel.show_summary(summary)
        self.apply_search()
        self.followup_model.reload(self._followup_filter())
        self.tabs.setTabText(1, _("À relancer ({n})").format(n=format_number(due)))

    def current_case_id(self) -> int | None:
        view = self.tabs.currentWidget()
        if not isinstance(view, QTableView) or view.model() is None:
            return None
        index = view.currentIndex()
        if not index.isValid():
            return None
        row = view.model().row_at(index.row())
        return row.id if row else None

    # -- actions ----------------------------------------------------------------------
    def apply_search(self) -> None:
        from app.core.cases import CaseFilter

        if self.store is None:
            return
        self.case_model.reload(CaseFilter(text=self.search_edit.text(), structure_id=self.actor.structure_id))

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self.apply_search()
        self.tabs.setCurrentWidget(self.case_view)
        self.case_view.setFocus()
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

        if self.store is None:
            return None
        form = AccompanimentForm(self.store, self.actor, parent=self, initial=initial)
        form.saved.connect(self._on_saved)
        form.exec()
        return form.saved_id

    def repeat_last(self) -> None:
        from app.core.accompaniments import last_input

        with self.store.read() as session:
            data = last_input(session, self.actor)
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
        dialog = CaseDetailDialog(self.store, self.actor, case_id, parent=self)
        dialog.changed.connect(self._on_saved)
        dialog.exec()

    def _on_saved(self, accompaniment_id: int) -> None:
        self.refresh()
        self.statusBar().showMessage(_("Accompagnement enregistré."), 4000)
        self.case_saved.emit(accompaniment_id)

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
