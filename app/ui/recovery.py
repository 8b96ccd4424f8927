"""Start-up recovery mode and the recovery-code screens.

- RecoveryDialog: shown when the store cannot be used (quick_check fails, unreadable file, key
  missing from the keyring). It never writes into the damaged file; it offers, depending on the
  diagnosis (app.core.backup_service.diagnose): restore the latest backup that passes the integrity
  check, open the file for consultation only (read-only), or re-establish the key with the
  supervisor's recovery code.
- RecoveryCodeDialog: shows the recovery code once at set-up (for the set-up wizard).

Entry point for start-up: `run_recovery(parent, store_path) -> outcome` with outcome one of
"restored", "key_restored", "read_only", "quit".
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout)

from app.i18n import _, format_datetime
from app.ui.a11y import data_label
from app.ui.backup_dialog import format_size
from app.ui.widgets import FieldError

log = logging.getLogger(__name__)


class RecoveryDialog(QDialog):
    def __init__(self, store_path: Path, diagnosis, parent=None):
        super().__init__(parent)
        self.store_path, self.diagnosis = Path(store_path), diagnosis
        self.outcome = "quit"
        self.setWindowTitle(_("Guichet — mode récupération"))
        self.setAccessibleName(_("Mode récupération"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        title = QLabel(_("<b>Le fichier de données ne peut pas être utilisé normalement.</b>"))
        layout.addWidget(title)
        self.problem = QLabel(diagnosis.message)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(_("Problème constaté"))
        layout.addWidget(self.problem)
        self.error = FieldError(self)
        self.buttons = QHBoxLayout()
        if diagnosis.kind == "key_missing":
            self._build_key_entry(layout)
        elif diagnosis.kind == "corrupt":
            self._build_restore(layout)
        layout.addWidget(self.error)
        self.buttons.addStretch(1)
        self.quit_button = self._button(_("&Quitter"), self.reject)
        layout.addLayout(self.buttons)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        # Wrapped labels need height-for-width: let the dialog grow to show every line.
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.layout().heightForWidth(self.width())))

    def _show_error(self, message: str, field=None) -> None:
        self.error.show_error(message, field)
        self._fit()

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", ""))
        button.clicked.connect(slot)
        self.buttons.addWidget(button)
        return button

    # -- damaged file ---------------------------------------------------------------------------
    def _build_restore(self, layout) -> None:
        good = self.diagnosis.latest_good
        if good is not None:
            text = _("Dernière sauvegarde valide : {date} ({size}). Les saisies faites depuis seront absentes ; "
                     "le fichier endommagé est conservé à côté.").format(
                date=format_datetime(good.created, "medium"), size=format_size(good.size))
        else:
            text = _("Aucune sauvegarde valide n'a été trouvée dans {folder}. Contactez votre support.").format(
                folder=self.store_path.parent / "sauvegardes")
        if self.diagnosis.rejected:
            text += "\n" + _("Sauvegardes écartées car endommagées : {n}.").format(n=len(self.diagnosis.rejected))
        self.backup_label = QLabel(text)
        self.backup_label.setWordWrap(True)
        data_label(self.backup_label, _("Sauvegarde proposée"))
        layout.addWidget(self.backup_label)
        if good is not None:
            self.restore_button = self._button(_("&Restaurer cette sauvegarde"), self.restore)
            self.restore_button.setDefault(True)
        if self.diagnosis.can_read_only:
            self.read_only_button = self._button(_("&Consulter en lecture seule"), self.read_only)

    def restore(self) -> None:
        from app.core.backup_service import restore_at_startup
        from app.models.errors import DomainError

        try:
            restore_at_startup(self.store_path, self.diagnosis.latest_good.path)
        except DomainError as exc:
            self._show_error(exc.message)
            return
        self.outcome = "restored"
        self.accept()

    def read_only(self) -> None:
        self.outcome = "read_only"
        self.accept()

    # -- key missing from the keyring -----------------------------------------------------------
    def _build_key_entry(self, layout) -> None:
        label = QLabel(_("&Code de récupération (superviseur) :"))
        self.code_edit = QLineEdit(self)
        self.code_edit.setAccessibleName(_("Code de récupération"))
        self.code_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.code_edit.setEchoMode(QLineEdit.Password)
        label.setBuddy(self.code_edit)
        layout.addWidget(label)
        layout.addWidget(self.code_edit)
        self.new_phrase = self.confirm_phrase = None
        from app.core import passphrase

        if passphrase.uses_passphrase(self.store_path):  # no keyring: the code sets a new site passphrase
            from app.ui.passphrase import policy_text

            self.new_phrase, self.confirm_phrase = QLineEdit(self), QLineEdit(self)
            for edit, text in ((self.new_phrase, _("&Nouvelle phrase de passe du site :")),
                               (self.confirm_phrase, _("C&onfirmation de la phrase de passe :"))):
                edit.setEchoMode(QLineEdit.Password)
                edit.setAccessibleName(text.replace("&", "").rstrip(" :"))
                caption = QLabel(text)
                caption.setBuddy(edit)
                layout.addWidget(caption)
                layout.addWidget(edit)
            hint = QLabel(policy_text())
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.key_button = self._button(_("&Rétablir la clé"), self.restore_key)
        self.key_button.setDefault(True)
        self.code_edit.returnPressed.connect(self.restore_key)

    def restore_key(self) -> None:
        from app.models.errors import DomainError
        from app.store.crypto import recover_store_key

        try:
            if self.new_phrase is not None:
                from app.core import passphrase

                passphrase.recover(self.store_path, self.code_edit.text(), self.new_phrase.text(),
                                   self.confirm_phrase.text())
            else:
                recover_store_key(self.store_path, self.code_edit.text())
        except DomainError as exc:
            field = {"passphrase": self.new_phrase, "confirm": self.confirm_phrase}.get(exc.field) or self.code_edit
            self._show_error(exc.message, field)
            field.setFocus()
            field.selectAll()
            return
        self.outcome = "key_restored"
        self.accept()


def run_recovery(parent, store_path: Path) -> str:
    """Diagnose the store, and if it is not usable, show the recovery dialog. Returns the outcome
    ("ok" when nothing is wrong)."""
    from app.core.backup_service import diagnose

    diagnosis = diagnose(store_path)
    if diagnosis.kind == "ok":
        return "ok"
    dialog = RecoveryDialog(store_path, diagnosis, parent)
    dialog.exec()
    return dialog.outcome


class RecoveryCodeDialog(QDialog):
    """Set-up: show the recovery code once; OK stays disabled until the supervisor confirms."""

    def __init__(self, code: str, parent=None, passphrase: bool = False):
        super().__init__(parent)
        self.setWindowTitle(_("Code de récupération"))
        self.setAccessibleName(_("Code de récupération"))
        layout = QVBoxLayout(self)
        intro = QLabel(_("Le fichier de données est chiffré. Sa clé est protégée par la phrase de passe du "
                         "site. Si cette phrase est oubliée, seul ce code permet de rouvrir les données et les "
                         "sauvegardes, et d'en choisir une nouvelle. Recopiez-le ou imprimez-le et confiez-le au "
                         "superviseur, sous clé. Il ne sera plus jamais affiché.") if passphrase else
                       _("Le fichier de données est chiffré. Sa clé est gardée dans le trousseau de cet "
                         "ordinateur. Si ce trousseau est perdu (nouveau profil, réinstallation), seul ce code "
                         "permet de rouvrir les données et les sauvegardes. Recopiez-le ou imprimez-le et "
                         "confiez-le au superviseur, sous clé. Il ne sera plus jamais affiché."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.code_label = QLabel(code)
        font = QFont("monospace")
        font.setStyleHint(QFont.Monospace)
        font.setPointSizeF(font.pointSizeF() * 1.4 if font.pointSizeF() > 0 else 14)
        self.code_label.setFont(font)
        self.code_label.setAccessibleName(_("Code de récupération : {code}").format(code=code))
        layout.addWidget(self.code_label)
        row = QHBoxLayout()
        copy = QPushButton(_("&Copier"), self)
        copy.setAccessibleName(_("Copier le code"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(code))
        row.addWidget(copy)
        row.addStretch(1)
        layout.addLayout(row)
        self.confirm = QCheckBox(_("J'ai recopié ce code et il sera conservé en lieu sûr"), self)
        self.confirm.setAccessibleName(_("Confirmation : code recopié"))
        layout.addWidget(self.confirm)
        self.ok = QPushButton(_("Continuer"), self)
        self.ok.setAccessibleName(_("Continuer"))
        self.ok.setEnabled(False)
        self.ok.clicked.connect(self.accept)
        self.confirm.toggled.connect(self.ok.setEnabled)
        layout.addWidget(self.ok)

    def reject(self) -> None:  # Esc must not skip the one chance to note the code
        if self.confirm.isChecked():
            super().reject()
        else:
            QMessageBox.information(self, _("Code de récupération"),
                                    _("Recopiez le code puis cochez la case pour continuer."))
