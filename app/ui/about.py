"""« À propos de Guichet »: versions, catalogues, store schema, and where data and logs live.

What a help desk asks first when an agent calls: which version, which catalogues, which schema,
where is the data, where are the logs. `about_rows()` gathers it (no Qt needed to compute it) and
the dialog shows it with a button to copy it all and buttons to open the two folders.
"""

from __future__ import annotations

import hashlib
import logging
import platform
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from app.i18n import _, format_date, format_number
from app.ui.a11y import data_label
from app.resources import resource_path
from app.ui.fit import WrapHeight
from app.ui.flow_layout import FlowLayout

log = logging.getLogger(__name__)


def guichet_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("guichet")  # a bundle carries the metadata (copy_metadata in guichet.spec)
    except PackageNotFoundError:
        return _("inconnue (installation sans métadonnées)")


def qt_versions() -> str:
    import PySide6
    from PySide6.QtCore import qVersion

    return _("Qt {qt}, PySide6 {pyside}").format(qt=qVersion(), pyside=PySide6.__version__)


def _fingerprint(paths: list[Path]) -> tuple[str, str]:
    """(date of the newest file, short content hash): identifies a catalogue in a support call."""
    digest = hashlib.sha256()
    newest = 0.0
    for path in paths:
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return format_date(datetime.fromtimestamp(newest).date()), digest.hexdigest()[:8]


def catalogue_summary() -> str:
    from app.models.catalogue import catalogue

    try:
        cat = catalogue()
        day, digest = _fingerprint([Path(p) for p in cat.sources])
    except Exception as exc:  # a broken catalogue is exactly what this dialog must show
        log.warning("catalogue summary failed: %s", exc)
        return _("illisible : {error}").format(error=exc)
    return _("{partners} partenaires, {procedures} démarches — fichiers du {day} (empreinte {digest})").format(
        partners=format_number(len(cat.partners)), procedures=format_number(len(cat.procedures)),
        day=day, digest=digest)


def checklists_summary() -> str:
    """The bundled moments de vie files: how many, their date and a fingerprint."""
    folder = resource_path("moments_de_vie")
    files = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        return _("non installées")
    day, digest = _fingerprint(files)
    return _("{count} fichiers du {day} (empreinte {digest})").format(count=len(files), day=day, digest=digest)


def schema_summary(store) -> str:
    from app.store.migrate import current_revisions, head_revisions

    if store is None:
        return _("aucun fichier de données ouvert")
    try:
        current, heads = current_revisions(store.engine), head_revisions()
    except Exception as exc:
        return _("illisible : {error}").format(error=exc)
    text = ", ".join(sorted(current)) or _("vide")
    if current == heads:
        return text + " " + _("(à jour)")
    return text + " " + _("(attendu : {heads})").format(heads=", ".join(sorted(heads)))


def about_rows(store) -> list[tuple[str, str]]:
    from app.logging_setup import log_file  # honours GUICHET_LOG_DIR, like the log handler
    from app.store import paths

    data_file = store.location if store is not None else str(paths.default_store_path())
    return [
        (_("Guichet"), guichet_version()),
        (_("Interface"), qt_versions()),
        (_("Python"), f"{platform.python_version()} ({platform.system()} {platform.machine()})"),
        (_("Catalogue des démarches"), catalogue_summary()),
        (_("Parcours « moments de vie »"), checklists_summary()),
        (_("Schéma des données"), schema_summary(store)),
        (_("Fichier de données"), data_file),
        (_("Dossier des données"), str(Path(data_file).parent)),
        (_("Dossier des journaux"), str(log_file().parent)),
    ]


def open_folder(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)  # the log folder may not exist before the first log
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AboutDialog(QDialog):
    def __init__(self, store=None, parent: QWidget | None = None):
        super().__init__(parent)
        from app.ui.setup_wizard import app_icon

        self.setWindowTitle(_("À propos de Guichet"))
        self.setWindowIcon(app_icon())
        self.rows = about_rows(store)
        values = dict(self.rows)
        self.log_dir = Path(values[_("Dossier des journaux")])
        self.data_dir = Path(values[_("Dossier des données")])

        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAccessibleName(_("Logo de Guichet"))
        title = QLabel("<b style='font-size:16pt'>Guichet</b><br>"
                       + _("Suivi des accompagnements France services"))
        title.setAccessibleName(_("Guichet, suivi des accompagnements France services"))
        head.addWidget(logo)
        head.addWidget(title, 1)

        form = QFormLayout()
        self.value_labels: dict[str, QLabel] = {}
        for caption, value in self.rows:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            label.setAccessibleName(f"{caption} : {value}")
            form.addRow(caption + " :", label)
            self.value_labels[caption] = label

        self.copy_button = QPushButton(_("&Copier ces informations"))
        self.copy_button.setAccessibleName(_("Copier ces informations"))
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.logs_button = QPushButton(_("Ouvrir le dossier des &journaux"))
        self.logs_button.setAccessibleName(_("Ouvrir le dossier des journaux"))
        self.logs_button.clicked.connect(lambda: self._open(self.log_dir))
        self.data_button = QPushButton(_("Ouvrir le dossier des &données"))
        self.data_button.setAccessibleName(_("Ouvrir le dossier des données"))
        self.data_button.clicked.connect(lambda: self._open(self.data_dir))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(_("&Fermer"))
        close.setAccessibleName(_("Fermer"))
        actions = FlowLayout()  # a row that wraps at 200 % text rather than widening past the screen
        for button in (self.copy_button, self.logs_button, self.data_button):
            actions.addWidget(button)
        buttons.rejected.connect(self.reject)
        self.status = QLabel()
        data_label(self.status, _("Message"))

        column = QVBoxLayout(self)
        column.addLayout(head)
        column.addLayout(form)
        column.addWidget(self.status)
        column.addLayout(actions)
        column.addWidget(buttons)
        close.setDefault(True)
        close.setFocus()
        self.resize(720, self.sizeHint().height())
        WrapHeight(self)

    def text(self) -> str:
        return "\n".join(f"{caption} : {value}" for caption, value in self.rows)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.status.setText(_("Informations copiées : collez-les dans votre message au support."))

    def _open(self, folder: Path) -> None:
        try:
            opened = open_folder(folder)
        except OSError as exc:
            opened = False
            log.warning("cannot open %s: %s", folder, exc)
        if not opened:
            self.status.setText(_("Impossible d'ouvrir le dossier ; son chemin est : {path}").format(path=folder))


def install(window) -> None:
    """Add « À propos de Guichet » to the Help menu."""
    action = QAction(_("À &propos de Guichet"), window)
    action.setStatusTip(_("Versions, catalogues, emplacement des données et des journaux"))
    # A store-level view (path, schema revisions): the desk's store, or none before the login.
    action.triggered.connect(lambda: AboutDialog(getattr(getattr(window, "desk", None), "store", None), window).exec())
    window.menu_help.addAction(action)
    window.act_about = action
