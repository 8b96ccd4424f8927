"""Supervision › Catalogue des moments de vie: the version in use, its moments, and the import of
an updated catalogue file (validated completely before anything changes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLabel, QListWidget, QPushButton,
                               QVBoxLayout)

from app.i18n import _, format_date, format_datetime
from app.ui.a11y import data_label

MAX_IMPORT_BYTES = 2_000_000


class ChecklistCatalogueDialog(QDialog):
    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle(_("Catalogue des moments de vie"))
        self.setAccessibleName(_("Catalogue des moments de vie"))
        self.resize(560, 440)
        self.version = QLabel()
        self.version.setWordWrap(True)
        self.version.setAccessibleName(_("Version en service"))
        self.moments = QListWidget()
        self.moments.setAccessibleName(_("Moments de vie du catalogue"))
        self.import_button = QPushButton(_("&Importer un catalogue mis à jour…"))
        self.import_button.setAccessibleName(_("Importer un catalogue mis à jour"))
        self.import_button.clicked.connect(self.choose_file)
        self.export_button = QPushButton(_("&Exporter le catalogue en service…"))
        self.export_button.setAccessibleName(_("Exporter le catalogue en service"))
        self.export_button.clicked.connect(self.export_file)
        can_import = desk.actor.can("import_checklist_catalogue")
        self.import_button.setEnabled(can_import)
        self.message = QLabel("" if can_import else _("Seul un superviseur peut importer un catalogue."))
        self.message.setWordWrap(True)
        data_label(self.message, _("Message"))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(_("Fermer"))
        buttons.button(QDialogButtonBox.Close).setAccessibleName(_("Fermer"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.version, self.moments, self.import_button, self.export_button, self.message, buttons):
            layout.addWidget(w)
        self.reload()

    def reload(self) -> None:
        from app.core.checklists import catalogue_info

        info = self.desk.query(lambda session, _actor: catalogue_info(session))
        text = _("Version en service : {version} du {day} ({origin})").format(
            version=info.version, day=format_date(info.day), origin=info.origin)
        if info.imported_at:
            text += "\n" + _("Importée le {at} par {by}").format(at=format_datetime(info.imported_at), by=info.imported_by)
        self.version.setText(text)
        self.moments.clear()
        for _id, title, steps in info.moments:
            self.moments.addItem(_("{title} — {n} étapes").format(title=title, n=steps))

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Catalogue des moments de vie"), "",
                                                    _("Catalogue JSON (*.json)"))
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> bool:
        """Validate then import; on any refusal the message names the file and the step."""
        from app.core.checklists import import_catalogue
        from app.models.errors import DomainError

        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise OSError(_("fichier trop volumineux"))
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.message.setText(_("Fichier illisible : {error}").format(error=exc))
            return False
        try:
            cat = self.desk.op(import_catalogue, text, path.name).value
        except DomainError as exc:
            self.message.setText(_("Import refusé, rien n'a changé. {reason}").format(reason=exc.message))
            self.import_button.setFocus()
            return False
        self.message.setText(_("Catalogue {version} importé : il sert pour les nouveaux moments de vie ; "
                               "ceux déjà démarrés ne changent pas.").format(version=cat.version))
        self.reload()
        return True

    def export_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Exporter le catalogue"), "moments-de-vie.json",
                                                    _("Catalogue JSON (*.json)"))
        if path:
            self.export_path(Path(path))

    def export_path(self, path: Path) -> None:
        import json

        from app.core.checklist_catalogue import to_bundle
        from app.core.checklists import current_catalogue

        bundle = self.desk.query(lambda session, _actor: to_bundle(current_catalogue(session)))
        try:
            path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), encoding="utf-8")
        except OSError as exc:
            self.message.setText(_("Export impossible : {error}").format(error=exc.strerror))
            return
        self.message.setText(_("Catalogue exporté : {path}").format(path=path))


def install(window) -> None:
    action = QAction(_("Catalogue des &moments de vie…"), window)
    action.triggered.connect(lambda: ChecklistCatalogueDialog(window.desk, window).exec())
    window.menu_supervision.addAction(action)
    window.checklist_catalogue_action = action
