"""« Site officiel ? »: the agent pastes an address; Guichet says whether it is an official site
and, if not, why it looks like one and which official site does the démarche."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QStyle, QVBoxLayout)

from app.i18n import _
from app.ui.a11y import DataLabel, data_label


class OfficialSiteDialog(QDialog):
    def __init__(self, parent=None, text: str = ""):
        super().__init__(parent)
        self.setWindowTitle(_("Site officiel ?"))
        self.setAccessibleName(_("Site officiel ?"))
        self.resize(620, 300)
        self.verdict = None
        intro = QLabel(_("Collez l'adresse du site (ou son nom de domaine) que l'usager a utilisé ou trouvé :"))
        intro.setWordWrap(True)
        self.url = QLineEdit(text)
        self.url.setAccessibleName(_("Adresse du site à vérifier"))
        self.url.setPlaceholderText("https://…")
        intro.setBuddy(self.url)
        self.check_button = QPushButton(_("&Vérifier"))
        self.check_button.setAccessibleName(_("Vérifier"))
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.run_check)
        self.url.returnPressed.connect(self.run_check)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(self.check_button)
        self.icon = QLabel()
        self.icon.setFixedSize(36, 36)
        self.result = DataLabel()  # takes no focus while empty
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.RichText)
        self.result.setOpenExternalLinks(True)
        self.result.setTextInteractionFlags(Qt.TextBrowserInteraction)
        data_label(self.result, _("Résultat de la vérification"))
        self.result.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        result_row = QHBoxLayout()
        result_row.addWidget(self.icon, 0, Qt.AlignTop)
        result_row.addWidget(self.result, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(_("Fermer"))
        buttons.button(QDialogButtonBox.Close).setAccessibleName(_("Fermer"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addLayout(result_row, 1)
        layout.addWidget(buttons)

    def run_check(self) -> None:
        from app.core.official_sites import check, suggestion_line
        from app.models.errors import ValidationError

        esc = lambda t: (t or "").replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
        # The previous verdict goes first: a « ✔ OUI » must never stay next to another address.
        self.verdict = None
        self.icon.clear()
        self.result.clear()
        try:
            self.verdict = verdict = check(self.url.text())
        except ValidationError as exc:  # check() raises nothing else: any unparsable address lands here
            self.verdict = None
            self.icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxWarning).pixmap(32, 32))
            self.result.setText(esc(exc.message))
            self.url.setFocus()
            return
        icon = QStyle.SP_DialogApplyButton if verdict.official else QStyle.SP_MessageBoxCritical
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(32, 32))
        if verdict.official:
            head = _("✔ OUI, site officiel : {host}").format(host=esc(verdict.display_host))
            lines = [f"<b>{head}</b>", esc(verdict.entry.label)]
        else:
            head = _("✘ NON, ce n'est pas un site officiel : {host}").format(host=esc(verdict.display_host))
            lines = [f"<b style='color:#b3261e'>{head}</b>"]
        lines += [esc(r) for r in verdict.reasons]
        if verdict.suggestions:
            lines.append("<b>" + _("Site officiel pour cette démarche :") + "</b>")
            for entry in verdict.suggestions:
                url = entry.url or f"https://{entry.domain}"
                lines.append(f'• <a href="{esc(url)}">{esc(suggestion_line(entry))}</a>')
            lines.append(_("Les démarches sur les sites officiels sont gratuites."))
        self.result.setText("<br>".join(lines))


def install(window) -> None:
    action = QAction(_("Site &officiel ?…"), window)
    action.setShortcut(QKeySequence("Ctrl+Shift+O"))
    action.setStatusTip(_("Vérifier qu'une adresse est celle d'un site officiel"))
    action.triggered.connect(lambda: OfficialSiteDialog(window).exec())
    window.menu_tools.addAction(action)
    window.addAction(action)
    window.official_site_action = action
