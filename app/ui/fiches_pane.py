"""« Fiches » (F2): the service-public.fr « Vos droits et démarches » base, searched as you type and
read offline.

Searches and reads go through the Desk off the UI thread (`query_op`); a reply that arrives after
the agent typed on is dropped (generation counter). The reader is a QTextBrowser fed with the HTML
of app/core/fiche_html.py: it never loads anything (no remote or local resource, external links
not opened by Qt); links are handled here — `fiche:` opens another fiche, `cas:` folds a case,
and an https address (already one the « Site officiel ? » check accepted) is checked again before
the system browser opens it. Supervisors update the base from Supervision › « Fiches : mettre à
jour la base… ».
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox, QPushButton, QSplitter, QTextBrowser, QVBoxLayout,
                               QWidget)

from app.i18n import _, format_date
from app.ui.workers import collection_op, query_op, run_op, show_failure

SEARCH_DELAY_MS = 80  # debounce: one query per pause in typing


class FicheBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing by itself."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.setAccessibleName(_("Fiche"))

    def loadResource(self, kind, url):  # noqa: N802 (Qt override): no image, style sheet or page, ever
        return None


class FichesDialog(QDialog):
    def __init__(self, desk, parent=None, today=None):
        super().__init__(parent)
        from datetime import date

        self.desk = desk
        self.today = today or date.today()
        self._generation = 0
        self.current = None  # the Fiche shown
        self.collapsed: set[int] = set()
        self.history: list[str] = []
        self.notes: list = []
        self.info = None
        self.on_given = None  # set by the accompaniment form: « Donnée à l'usager » adds the fiche to the case
        self.setWindowTitle(_("Fiches — Vos droits et démarches (service-public.fr)"))
        self.setAccessibleName(_("Fiches"))
        self.resize(1100, 720)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Rechercher une fiche : « carte grise », « apl », « retraite »…"))
        self.search.setAccessibleName(_("Rechercher une fiche"))
        self.search.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.results = QListWidget()
        self.results.setAccessibleName(_("Fiches trouvées"))
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        self.browser = FicheBrowser()
        self.browser.anchorClicked.connect(self.follow)
        self.note_button = QPushButton(_("&Note du site…"))
        self.note_button.setAccessibleName(_("Ajouter une note du site sur cette fiche"))
        self.note_button.clicked.connect(self.add_note)
        self.given_button = QPushButton(_("&Donnée à l'usager"))
        self.given_button.setAccessibleName(_("Information donnée avec cette fiche"))
        self.given_button.clicked.connect(self.mark_given)
        self.given_button.hide()
        self.pdf_button = QPushButton(_("&PDF pour l'usager…"))
        self.pdf_button.setAccessibleName(_("PDF pour l'usager…"))
        self.pdf_button.setAccessibleDescription(_("Enregistrer la fiche en PDF, gros caractères, liens en QR codes"))
        self.pdf_button.clicked.connect(self.save_pdf)
        actions = QHBoxLayout()
        actions.addWidget(self.note_button)
        actions.addWidget(self.given_button)
        actions.addWidget(self.pdf_button)
        actions.addStretch(1)
        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        right_lay.addLayout(actions)
        right_lay.addWidget(self.browser, 1)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.status)
        lay.addWidget(self.results, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([380, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._open_first)
        self.results.currentItemChanged.connect(lambda item, _prev: item and self.open_fiche(item.data(Qt.UserRole)))
        self.search.setFocus()
        self.refresh_info()

    # ------------------------------------------------------------------ base and search
    def refresh_info(self) -> None:
        from app.core import fiches

        query_op(self, self.desk, fiches.fiche_base_info, on_done=self._show_info)

    def _show_info(self, info) -> None:
        self.info = info
        if not info.present:
            self.status.setText(_("Aucune base de fiches sur cet ordinateur : un superviseur l'importe depuis "
                                  "Supervision › Fiches : mettre à jour la base…"))
        else:
            text = _("{count} fiches, contenu du {day}.").format(count=info.count, day=format_date(info.newest))
            if info.stale(self.today):
                text = "⚠ " + text + " " + _("Base de plus de 3 mois : à mettre à jour.")
            self.status.setText(text)

    def run_search(self) -> None:
        from app.core import fiches

        self._generation += 1
        generation = self._generation
        query_op(self, self.desk, fiches.search_fiches, self.search.text(),
                 on_done=lambda hits: self._show_hits(generation, hits))

    def _show_hits(self, generation: int, hits) -> None:
        if generation != self._generation:
            return  # the agent typed on: a newer search is coming
        self.results.clear()
        for hit in hits:
            day = format_date(hit.modified) if hit.modified else ""
            item = QListWidgetItem(f"{hit.title}\n{hit.breadcrumb}  ·  {day}")
            item.setData(Qt.UserRole, hit.id)
            item.setToolTip(hit.breadcrumb)
            self.results.addItem(item)
        self.searched = len(hits)

    def _open_first(self) -> None:
        self._timer.stop()
        if self.results.count():
            self.results.setCurrentRow(0)
            self.browser.setFocus()

    # ------------------------------------------------------------------ reading
    def open_fiche(self, fiche_id: str, remember: bool = True) -> None:
        from app.core import fiche_notes

        def shown(result):
            fiche, self.notes = result
            if fiche is None:
                self.browser.setHtml(f"<p>{_('Cette fiche n’est pas dans la base locale.')}</p>")
                return
            if remember and self.current is not None and self.current.id != fiche.id:
                self.history.append(self.current.id)
            self.current, self.collapsed = fiche, set()
            self.render()

        query_op(self, self.desk, fiche_notes.fiche_for_reading, fiche_id, on_done=shown)

    def render(self) -> None:
        from app.core.fiche_html import render

        stale = self.info.newest if self.info is not None and self.info.stale(self.today) else None
        rendered = render(self.current.xml, collapsed=frozenset(self.collapsed), stale_since=stale,
                          notes=[n.text for n in self.notes])
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(rendered.html)
        self.browser.verticalScrollBar().setValue(scroll)
        self.rendered = rendered

    def add_note(self) -> None:
        """A note of the agent's structure, shown above the fiche (journaled by the use case)."""
        from app.core import fiche_notes

        if self.current is None:
            return
        text, ok = QInputDialog.getText(self, _("Note du site"), _("Note sur cette fiche pour les agents du site "
                                                                     "(un lieu, un horaire — jamais une personne) :"))
        if ok and text.strip():
            fiche_id = self.current.id
            collection_op(self, self.desk, fiche_notes.add_note, fiche_id, text,
                          on_done=lambda _r: self.open_fiche(fiche_id, remember=False))

    def save_pdf(self, path: str | None = None) -> None:
        """The fiche in large type with its official links as QR codes (app/reports/fiche_handout.py).
        No personal data in it, so it is saved where the agent chooses."""
        if self.current is None:
            return
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Fiche en PDF"), f"{self.current.id}.pdf",
                                                        _("PDF (*.pdf)"))
        if not path:
            return
        xml, notes = self.current.xml, [n.text for n in self.notes]

        def write(_progress):
            from app.reports.fiche_handout import write_pdf

            return write_pdf(xml, Path(path), notes)

        def done(written):
            self.pdf_written = written
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))

        run_op(self, write, on_done=done, on_error=lambda exc: show_failure(self, exc))

    def mark_given(self) -> None:
        if self.current is not None and self.on_given is not None:
            self.on_given(self.current.id, self.current.title)
            self.given_button.setText(_("Donnée à l'usager ✓"))

    def follow(self, url: QUrl) -> None:
        scheme, target = url.scheme(), url.path()
        if scheme == "fiche":
            self.open_fiche(target)
        elif scheme == "cas" and target.isdigit() and self.current is not None:
            self.collapsed ^= {int(target)}
            self.render()
        elif scheme == "https":
            from app.core.fiche_html import official_url

            if official_url(url.toString()):
                QDesktopServices.openUrl(url)


def _import_base(window, download: bool = False) -> None:
    from app.core import fiches, fiches_download

    if download:
        work = lambda progress: window.desk.store_op(fiches_download.download_fiches, progress)  # noqa: E731
    else:
        path, _filter = QFileDialog.getOpenFileName(window, _("Base des fiches (export officiel, zip)"), "",
                                                    _("Archive zip (*.zip)"))
        if not path:
            return
        work = lambda progress: window.desk.store_op(fiches.import_fiches, Path(path), progress)  # noqa: E731
    window.statusBar().showMessage(_("Mise à jour de la base des fiches…"))

    def done(result):
        report = result.value
        window.statusBar().clearMessage()
        text = _("Base des fiches mise à jour : {count} publications, contenu du {day}.").format(
            count=report.count, day=format_date(report.newest))
        if report.missing_links:
            text += "\n\n" + _("Démarches dont la fiche liée manque dans cette base : {codes}.").format(
                codes=", ".join(report.missing_links))
        QMessageBox.information(window, _("Fiches"), text)

    def failed(exc):
        window.statusBar().clearMessage()
        show_failure(window, exc)

    run_op(window, work, on_done=done, on_error=failed)


def install(window) -> None:
    action = QAction(_("&Fiches (droits et démarches)…"), window)
    action.setShortcut(QKeySequence("F2"))
    # The main window's F2 only: in the accompaniment form F2 opens the chosen démarche's fiche
    # (an application-wide F2 would make both ambiguous, and Qt would then fire neither).
    action.setShortcutContext(Qt.WindowShortcut)
    action.setStatusTip(_("Chercher et lire une fiche service-public.fr, hors ligne"))
    action.triggered.connect(lambda: open_fiches(window))
    window.menu_tools.addAction(action)
    window.addAction(action)
    window.fiches_action = action
    importer = QAction(_("Fiches : mettre à jour la base…"), window)
    importer.setStatusTip(_("Importer l'export officiel « Vos droits et démarches » (fichier zip)"))
    importer.triggered.connect(lambda: _import_base(window))
    downloader = QAction(_("Fiches : télécharger la base officielle"), window)
    downloader.setStatusTip(_("Télécharger l'export officiel depuis service-public.fr, puis l'importer"))
    downloader.triggered.connect(lambda: _import_base(window, download=True))
    window.menu_supervision.addAction(importer)
    window.menu_supervision.addAction(downloader)
    window.fiches_import_action, window.fiches_download_action = importer, downloader


def open_fiches(window, fiche_id: str | None = None) -> FichesDialog:
    dialog = getattr(window, "fiches_dialog", None)
    if dialog is None:
        dialog = window.fiches_dialog = FichesDialog(window.desk, window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.search.setFocus()
    dialog.search.selectAll()
    if fiche_id:
        dialog.open_fiche(fiche_id)
    return dialog


def open_for_form(form) -> FichesDialog:
    """F2 in the accompaniment form: the fiche linked to the démarche selected in its list (else the
    first chosen), or a search for its label, or for the text being typed."""
    from app.core import fiche_links

    dialog = getattr(form, "fiches_dialog", None)
    if dialog is None:  # a child of the modal form, so it takes input while the form is open
        dialog = form.fiches_dialog = FichesDialog(form.desk, form)
    row = form.selected_list.currentRow()
    choice = form.selected[row] if 0 <= row < len(form.selected) else (form.selected[0] if form.selected else None)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    if dialog.on_given is None:
        _track_given(form, dialog)
    fiche_id = fiche_links.fiche_for(choice.code) if choice else None
    if fiche_id:
        dialog.open_fiche(fiche_id)
    else:
        dialog.search.setText(choice.label if choice else form.demarche_edit.text())
        dialog.search.setFocus()
    return dialog


def _track_given(form, dialog: FichesDialog) -> None:
    """« Donnée à l'usager » in a dialog opened from the form: remembered on the form, recorded on
    the accompaniment once the form has saved it (a new case has no id before that)."""
    from app.core import fiche_notes

    form.fiches_given = {}
    dialog.given_button.show()

    def given(fiche_id: str, title: str) -> None:
        form.fiches_given[fiche_id] = title

    def record(case_id: int) -> None:
        for fiche_id, title in form.fiches_given.items():
            collection_op(form.parent(), form.desk, fiche_notes.record_fiche_given, case_id, fiche_id, title)

    dialog.on_given = given
    form.saved.connect(record)
