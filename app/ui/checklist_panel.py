"""Moments de vie of the selected case: a side panel (QDockWidget) listing steps grouped by
deadline with due dates and statuses, the « Démarrer un moment de vie… » dialog
(app/ui/start_moment_dialog.py), and the handout printed in two clicks (panel button → PDF
opened by the system viewer).

Overdue steps say so in words (« ⚠ En retard ») with a warning icon and bold type, not by colour alone.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFont, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QDialog, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.i18n import _, format_date
from app.ui.a11y import DataLabel, data_label
from app.ui.start_moment_dialog import StartMomentDialog

STEP_ROLE = Qt.UserRole + 1


def status_label(code: str) -> str:
    return {"a_faire": _("À faire"), "fait": _("Fait"), "sans_objet": _("Sans objet"),
            "en_attente_partenaire": _("En attente du partenaire")}[code]


def _open_file(path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ChecklistPanel(QWidget):
    """The moments de vie of one case. Its writes go through the desk with itself as `source`:
    the lists refresh from OpsHub.executed, the panel reloads itself."""

    open_file = staticmethod(_open_file)  # tests replace it: the PDF is checked, not opened

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.case_id: int | None = None
        self.last_pdf = None
        self.setAccessibleName(_("Moments de vie du dossier"))
        self.heading = QLabel(_("Sélectionnez un dossier."))
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName(_("Étapes des moments de vie"))
        self.tree.setHeaderLabels([_("Étape"), _("Échéance"), _("Statut")])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)  # step titles get the room
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.tree.currentItemChanged.connect(self._show_step)
        self.detail = DataLabel()  # takes no focus while empty
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.RichText)
        self.detail.setOpenExternalLinks(True)
        self.detail.setTextInteractionFlags(Qt.TextBrowserInteraction)
        data_label(self.detail, _("Détail de l'étape"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        data_label(self.message, _("Message"))
        self.buttons: dict[str, QPushButton] = {}
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for key, text, row in (("log", _("Fait avec l'usager (compter l'accompagnement)"), row1),
                               ("fait", _("Fait"), row1), ("en_attente_partenaire", _("En attente du partenaire"), row2),
                               ("sans_objet", _("Sans objet"), row2), ("a_faire", _("À faire"), row2)):
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", ""))
            button.clicked.connect(lambda _=False, k=key: self.set_status(k))
            row.addWidget(button)
            self.buttons[key] = button
        self.start_button = QPushButton(_("Démarrer un moment de vie…"))
        self.start_button.setAccessibleName(_("Démarrer un moment de vie"))
        self.start_button.clicked.connect(self.start_moment)
        self.first_name = QCheckBox(_("Prénom de l'usager sur la fiche (l'usager est d'accord)"))
        self.first_name.setAccessibleName(_("Prénom de l'usager sur la fiche, avec son accord"))
        self.print_button = QPushButton(_("Imprimer la fiche pour l'usager"))
        self.print_button.setAccessibleName(_("Imprimer la fiche pour l'usager"))
        self.print_button.clicked.connect(self.print_handout)
        print_action = QAction(self)
        print_action.setShortcut(QKeySequence.Print)
        print_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        print_action.triggered.connect(self.print_handout)
        self.addAction(print_action)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.detail, 1)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.message)
        layout.addWidget(self.start_button)
        layout.addWidget(self.first_name)
        layout.addWidget(self.print_button)
        self.views = []
        self.reload()

    # -- loading ---------------------------------------------------------------------
    def set_case(self, case_id: int | None) -> None:
        if case_id != self.case_id:
            self.message.clear()
        self.case_id = case_id
        self.reload()

    def reload(self, keep_step: int | None = None) -> None:
        from app.core.checklists import moments_for_case

        self.tree.clear()
        self.views = []
        if self.case_id is not None:
            self.views = self.desk.query(moments_for_case, self.case_id, date.today())
        if self.case_id is None:
            self.heading.setText(_("Sélectionnez un dossier dans la liste."))
        elif not self.views:
            self.heading.setText(_("Aucun moment de vie dans ce dossier."))
        else:
            done = sum(v.progress[0] for v in self.views)
            total = sum(v.progress[1] for v in self.views)
            self.heading.setText(_("Dossier n° {id} — {done}/{total} étapes faites").format(
                id=self.case_id, done=done, total=total))
        warn = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        bold = QFont(self.tree.font())
        bold.setBold(True)
        current = None
        for view in self.views:
            done, total = view.progress
            top = QTreeWidgetItem([view.title, f"{view.date_label} : {format_date(view.event_date)}",
                                   f"{done}/{total}"])
            top.setFont(0, bold)
            self.tree.addTopLevelItem(top)
            for deadline, due, steps in view.groups():
                heading = deadline.label + (f" — {format_date(due)}" if due else "")
                group = QTreeWidgetItem([heading, "", ""])
                top.addChild(group)
                for s in steps:
                    when = format_date(s.due) if s.due else ""
                    if s.overdue:
                        when = f"{_('En retard')} — {when}"  # plus icon and bold: never colour alone
                    title = s.title if s.kind == "etape" else f"{s.title} ({_('droit à vérifier')})"
                    item = QTreeWidgetItem([title, when, status_label(s.status)])
                    item.setData(0, STEP_ROLE, s.id)
                    item.setToolTip(0, f"{s.title}\n{s.text}")
                    if s.overdue:
                        item.setIcon(1, warn)
                        for col in range(3):
                            item.setFont(col, bold)
                        item.setForeground(1, Qt.darkRed)
                    group.addChild(item)
                    if s.id == keep_step:
                        current = item
        self.tree.expandAll()
        if current is not None:
            self.tree.setCurrentItem(current)
        self._show_step(self.tree.currentItem())

    def selected_step(self):
        item = self.tree.currentItem()
        step_id = item.data(0, STEP_ROLE) if item else None
        for view in self.views:
            for s in view.steps:
                if s.id == step_id:
                    return s
        return None

    def select_step(self, step_key: str) -> None:
        """Select a step by its catalogue id (keyboard users type to search; tests use this)."""
        for item in self.tree.findItems("*", Qt.MatchWildcard | Qt.MatchRecursive):
            sid = item.data(0, STEP_ROLE)
            if any(s.id == sid and s.step_id == step_key for v in self.views for s in v.steps):
                self.tree.setCurrentItem(item)
                return

    def _show_step(self, *_args) -> None:
        from app.core.official_sites import format_phone

        s = self.selected_step()
        for key, button in self.buttons.items():
            button.setEnabled(s is not None and (key != "log" or (s.partner is not None
                                                                 and s.logged_accompaniment_id is None)))
        if s is None:
            self.detail.setText("")
            return
        esc = lambda t: (t or "").replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
        parts = [f"<b>{esc(s.title)}</b>", esc(s.text)]
        if s.condition:
            parts.append(_("Seulement {condition}.").format(condition=esc(s.condition)))
        if s.precision:
            parts.append(f"<i>{esc(s.precision)}</i>")
        if s.documents:
            parts.append(_("Pièces : ") + "; ".join(esc(d) for d in s.documents))
        where = [esc(s.where)]
        if s.procedure_label:
            where.append(esc(s.procedure_label))
        if s.link:
            where.append(f'<a href="{esc(s.link)}">{esc(s.link)}</a>')
        if s.phone:
            where.append(_("tél. {phone}").format(phone=format_phone(s.phone)))
        parts.append(_("Où : ") + " — ".join(w for w in where if w))
        if not s.verified:
            parts.append(_("⚠ Information à vérifier (connaissance générale, non sourcée)."))
        if s.logged_accompaniment_id:
            parts.append(_("Accompagnement enregistré (n° {id}).").format(id=s.logged_accompaniment_id))
        self.detail.setText("<br>".join(parts))

    # -- actions ---------------------------------------------------------------------
    def set_status(self, key: str) -> None:
        from app.core.checklists import set_step_status
        from app.models.errors import DomainError

        s = self.selected_step()
        if s is None:
            self.message.setText(_("Sélectionnez d'abord une étape."))
            self.tree.setFocus()
            return
        status = "fait" if key == "log" else key
        try:
            self.desk.op(set_step_status, s.id, status, log_accompaniment=key == "log", source=self)
        except DomainError as exc:
            self.message.setText(exc.message)
            self.buttons[key].setFocus()
            return
        self.message.setText(_("Accompagnement enregistré et compté pour « {title} ».").format(title=s.title)
                             if key == "log" else _("« {title} » : {status}.").format(title=s.title,
                                                                                     status=status_label(status)))
        self.reload(keep_step=s.id)

    def start_moment(self) -> bool:
        if self.case_id is None:
            self.message.setText(_("Sélectionnez d'abord un dossier dans la liste."))
            return False
        dialog = StartMomentDialog(self.desk, self.case_id, self, source=self)
        if dialog.exec() != QDialog.Accepted:
            return False
        self.reload()
        return True

    def print_handout(self) -> None:
        from app.core.checklists import handout_data
        from app.models.errors import DomainError
        from app.ui.workers import run_op

        if self.case_id is None:
            return
        try:
            data = self.desk.query(handout_data, self.case_id, include_first_name=self.first_name.isChecked())
        except DomainError as exc:
            self.message.setText(exc.message)
            return
        self.print_button.setEnabled(False)
        self.message.setText(_("Préparation de la fiche…"))

        def build(_progress):
            from app.reports.handout import build_handout

            return build_handout(data)

        def done(path):
            from app.reports import handout

            self.print_button.setEnabled(True)
            self.last_pdf = path
            self.message.setText(_("Fiche prête : {path}").format(path=path))
            self.open_file(path)
            # the viewer has loaded it by then; what is left goes at exit (app.reports.handout)
            QTimer.singleShot(int(handout.KEEP_S * 1000), self,
                              lambda: handout.remove_handouts(older_than_s=handout.KEEP_S))

        def failed(exc):
            self.print_button.setEnabled(True)
            self.message.setText(_("La fiche n'a pas pu être créée : {error}").format(error=exc))

        run_op(self, build, on_done=done, on_error=failed)


def install(window) -> None:
    """Dock the panel on the right, add the menu actions and the « Moments » column."""
    from app.core.checklists import progress_for_cases, progress_text

    panel = ChecklistPanel(window.desk)
    dock = QDockWidget(_("Moments de vie"), window)
    dock.setObjectName("checklistDock")
    dock.setAccessibleName(_("Moments de vie"))
    dock.setWidget(panel)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    dock.hide()
    window.checklist_panel, window.checklist_dock = panel, dock

    def follow_selection(*_args):
        # a list reload clears the selection: keep showing the case rather than going blank
        case_id = window.current_case_id()
        if dock.isVisible() and case_id is not None:
            panel.set_case(case_id)

    def show_panel():
        panel.set_case(window.current_case_id())
        dock.show()
        dock.raise_()
        panel.tree.setFocus()

    def start():
        case_id = window.current_case_id()
        if case_id is None:
            window.statusBar().showMessage(_("Sélectionnez d'abord un accompagnement dans la liste."), 5000)
            return
        panel.set_case(case_id)
        dock.show()
        panel.start_moment()

    start_action = QAction(_("Démarrer un &moment de vie…"), window)
    start_action.setShortcut(QKeySequence("Ctrl+M"))
    start_action.triggered.connect(start)
    show_action = QAction(_("Moments de vie du dossier"), window)
    show_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
    show_action.triggered.connect(show_panel)
    window.menu_case.addSeparator()
    for action in (start_action, show_action):
        window.menu_case.addAction(action)
        window.addAction(action)
    window.checklist_start_action = start_action
    for view in (window.case_view, window.followup_view):
        if view.selectionModel() is not None:
            view.selectionModel().currentRowChanged.connect(follow_selection)
    window.tabs.currentChanged.connect(follow_selection)

    def changed(changes, source):
        # another screen's write (the form, the case detail) may have changed this case's steps
        if source is not panel and dock.isVisible() and changes.touches("accompaniment", "case_moment", "case_step"):
            panel.reload()

    window.ops.executed.connect(changed)

    def progress_column(session, ids):
        return {k: progress_text(v) for k, v in progress_for_cases(session, ids).items()}

    window.case_model.extra_columns.append((_("Moments de vie"), progress_column))
    window.case_model.reload()

    from app.ui import checklist_catalogue_dialog, official_site_dialog

    official_site_dialog.install(window)
    checklist_catalogue_dialog.install(window)
