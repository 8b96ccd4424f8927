"""Usager mode: the satisfaction survey shown to the usager, full screen, one question at a time.

Why it is built this way
- The usager touches the agent's computer, so while the survey is up nothing of the agent's is
  visible or reachable (app.ui.survey_launch.UsagerGuard) and the survey refuses to close.
  Only the agent leaves it: Ctrl+Alt+Shift+Q, then the agent's password once one is set.
- Answers are five large buttons with words, a number and a face (the number is the key to
  press); arrows move between them, Enter chooses, touch and mouse work as usual.
- Idle for 60 s: the answers given so far are saved (never a half-typed comment), a neutral
  thank-you screen shows, then the welcome screen waits for the next usager.
- Two explicit themes whose text/background pairs are tested ≥ 4.5:1; the high-contrast one
  follows the system preference when Qt reports it (Qt ≥ 6.10) and can be toggled on screen.
"""

from __future__ import annotations

import dataclasses
import logging
import textwrap

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QSizePolicy, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from app.i18n import _
from app.models.surveys import DIMENSIONS
from app.ui.survey_style import THEMES, face_icon, system_prefers_high_contrast  # noqa: F401

log = logging.getLogger(__name__)

CHORD = (Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier, Qt.Key_Q)
IDLE_S = 60
KIOSK_SCALE = 1.4  # read from a step away: every size is the app font × this × a per-role factor
THANKS_S = 6

# msgids (translated when shown)
QUESTIONS = {
    "satisfaction_globale": "Globalement, êtes-vous satisfait(e) du service rendu aujourd'hui ?",
    "facilite_acces": "Êtes-vous satisfait(e) de la facilité d'accès à ce lieu (horaires, trajet, rendez-vous) ?",
    "delais": "Êtes-vous satisfait(e) du temps d'attente et des délais ?",
    "simplicite": "Êtes-vous satisfait(e) de la simplicité de votre démarche ?",
    "qualite_accueil": "Êtes-vous satisfait(e) de l'accueil (écoute, bienveillance, respect) ?",
}
SCALE = ("Pas du tout satisfait", "Plutôt pas satisfait", "Ni satisfait, ni insatisfait",
         "Plutôt satisfait", "Très satisfait")
ABOUTIE = (("Oui", True), ("Non", False), ("Je ne sais pas", None))

class _CommentEdit(QPlainTextEdit):
    """Enter sends (a short comment needs no new lines)."""
    submitted = Signal()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class SurveyScreen(QWidget):
    """The usager-facing survey. `context` carries canal, partner… of the visit, never its id."""

    response_recorded = Signal()
    left = Signal()

    def __init__(self, desk, context, idle_s: float = IDLE_S, thanks_s: float = THANKS_S):
        super().__init__(None, Qt.Window)
        self.desk = desk
        # the next usagers share the desk (structure, canal, stop) but not this visit's démarche
        self.context = context
        self.next_context = dataclasses.replace(context, partner_code=None, thematique=None)
        self.setObjectName("surveyScreen")
        self.setWindowTitle(_("Votre avis sur le service"))
        self.setAccessibleName(_("Enquête de satisfaction"))
        self.setAttribute(Qt.WA_StyledBackground, True)
        self._scaled: list[tuple[QWidget, float, bool]] = []
        self._leaving = False
        self.theme = "high" if system_prefers_high_contrast() else "normal"
        self.idle = QTimer(self, singleShot=True, interval=int(idle_s * 1000))
        self.idle.timeout.connect(self._on_idle)
        self.thanks_timer = QTimer(self, singleShot=True, interval=int(thanks_s * 1000))
        self.thanks_timer.timeout.connect(self.show_welcome)
        self._build()
        self._reset()
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "accessibility"):
            self._acc_hints = hints.accessibility()  # keep the wrapper alive
            self._acc_hints.contrastPreferenceChanged.connect(self.follow_system_contrast)
        self.apply_theme(self.theme)

    # -- building ------------------------------------------------------------------
    def _text(self, text: str, factor: float, bold: bool = False, name: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignCenter)
        label.setAccessibleName(name or text)
        self._scaled.append((label, factor, bold))
        return label

    def _button(self, text: str, name: str, factor: float = 1.3, tool: bool = False) -> QPushButton | QToolButton:
        button = QToolButton() if tool else QPushButton(text)
        if tool:
            button.setText(text)
            button.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        button.setAccessibleName(name)
        button.setFocusPolicy(Qt.StrongFocus)
        button.setCursor(Qt.PointingHandCursor)
        button.setAttribute(Qt.WA_AcceptTouchEvents, True)
        self._scaled.append((button, factor, True))
        return button

    def _page(self, title: QLabel, body: QWidget | None = None, nav: list[QWidget] | None = None) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(32, 24, 32, 32)
        outer.setSpacing(24)
        top = QHBoxLayout()
        progress = self._text("", 1.1, name=_("Progression"))
        progress.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        page.progress = progress
        top.addWidget(progress, 1)
        contrast = self._button(_("Contraste élevé"), _("Contraste élevé"), 1.0)
        contrast.setCheckable(True)
        contrast.toggled.connect(lambda on: self.apply_theme("high" if on else "normal"))
        self._contrast_buttons.append(contrast)
        top.addWidget(contrast)
        outer.addLayout(top)
        outer.addStretch(1)
        outer.addWidget(title)
        if body is not None:
            outer.addSpacing(16)
            outer.addWidget(body)
        outer.addStretch(1)
        if nav:
            row = QHBoxLayout()
            for w in nav:
                row.addWidget(w)
            outer.addLayout(row)
        self.stack.addWidget(page)
        return page

    def _build(self) -> None:
        self._contrast_buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)

        self.start_button = self._button(_("Commencer"), _("Commencer l'enquête"), 1.6)
        self.start_button.clicked.connect(lambda: self.show_question(0))
        self.welcome = self._page(self._text(_("Votre avis nous aide à améliorer ce service.\n"
                                               "Cinq questions, moins d'une minute, sans donner votre nom."), 2.0),
                                  nav=[self.start_button])

        self.question_pages, self.answer_buttons = [], []
        for i, dim in enumerate(DIMENSIONS):
            row = QWidget()
            box = QHBoxLayout(row)
            box.setSpacing(16)
            buttons = []
            for score in range(1, 6):
                b = self._button(f"{score}\n{textwrap.fill(_(SCALE[score - 1]), 16)}",
                                 _("{n} sur 5 : {label}").format(n=score, label=_(SCALE[score - 1])), 1.3, tool=True)
                b.setCheckable(True)
                b.clicked.connect(lambda _c=False, s=score: self.choose(s))
                box.addWidget(b)
                buttons.append(b)
            back = self._button(_("◀ Retour"), _("Question précédente"), 1.1)
            back.clicked.connect(self.previous)
            skip = self._button(_("Passer la question ▶"), _("Passer la question"), 1.1)
            skip.clicked.connect(lambda: self.choose(None))
            page = self._page(self._text(_(QUESTIONS[dim]), 2.2, True), row, [back, skip])
            page.dimension = dim
            self.question_pages.append(page)
            self.answer_buttons.append(buttons)

        row = QWidget()
        box = QHBoxLayout(row)
        box.setSpacing(16)
        self.aboutie_buttons = []
        for n, (text, value) in enumerate(ABOUTIE, start=1):
            b = self._button(f"{n}\n{_(text)}", _(text), 1.5, tool=True)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, v=value: self.choose_aboutie(v))
            box.addWidget(b)
            self.aboutie_buttons.append(b)
        back = self._button(_("◀ Retour"), _("Question précédente"), 1.1)
        back.clicked.connect(self.previous)
        self.aboutie_page = self._page(self._text(_("La démarche a-t-elle abouti ?"), 2.0, True), row, [back])

        body = QWidget()
        col = QVBoxLayout(body)
        self.comment_edit = _CommentEdit()
        self.comment_edit.setAccessibleName(_("Commentaire (facultatif)"))
        self.comment_edit.setAccessibleDescription(_("300 caractères au plus. N'indiquez ni nom, ni téléphone, ni courriel."))
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.submitted.connect(self.submit)
        self.comment_edit.textChanged.connect(self._limit_comment)
        self._scaled.append((self.comment_edit, 1.4, False))
        hint = self._text(_("Facultatif. N'indiquez ni nom, ni téléphone, ni courriel."), 1.1)
        col.addWidget(self.comment_edit, 1)
        col.addWidget(hint)
        back = self._button(_("◀ Retour"), _("Question précédente"), 1.1)
        back.clicked.connect(self.previous)
        self.send_button = self._button(_("Envoyer mon avis"), _("Envoyer mon avis"), 1.4)
        self.send_button.clicked.connect(lambda: self.submit())
        self.comment_page = self._page(self._text(_("Un commentaire ? (facultatif)"), 2.0, True), body,
                                       [back, self.send_button])

        self.thanks_page = self._page(self._text(_("Merci pour votre avis !\nBonne journée."), 2.6, True))

        body = QWidget()
        col = QVBoxLayout(body)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.password_edit.setAccessibleName(_("Mot de passe de l'agent"))
        self.password_edit.returnPressed.connect(self._unlock)
        self._scaled.append((self.password_edit, 1.4, False))
        self.password_error = self._text("", 1.1, True, _("Erreur"))
        col.addWidget(self.password_edit)
        col.addWidget(self.password_error)
        cancel = self._button(_("Annuler"), _("Revenir à l'enquête"), 1.1)
        cancel.clicked.connect(self.show_welcome)
        ok = self._button(_("Quitter le mode usager"), _("Quitter le mode usager"), 1.1)
        ok.clicked.connect(self._unlock)
        self.unlock_page = self._page(self._text(_("Réservé à l'agent : saisissez votre mot de passe."), 1.8, True),
                                      body, [cancel, ok])
        self.apply_fonts()

    # -- look ----------------------------------------------------------------------
    def apply_fonts(self) -> None:
        base = QApplication.font().pointSizeF()
        if base <= 0:
            base = 10.0
        for widget, factor, bold in self._scaled:
            font = QFont(QApplication.font())
            font.setPointSizeF(base * KIOSK_SCALE * factor)
            font.setBold(bold)
            widget.setFont(font)
        side = int(base * KIOSK_SCALE * 5)
        for row in self.answer_buttons + [self.aboutie_buttons]:
            for b in row:
                b.setIconSize(QSize(side, side))
                b.setMinimumWidth(0)
            # equal sizes (no answer looks favoured), computed from the text: style sheets make
            # QToolButton's own size hint too small for several lines
            fm = row[0].fontMetrics()
            lines = max(b.text().count("\n") + 1 for b in row)
            width = max(fm.horizontalAdvance(line) for b in row for line in b.text().split("\n")) + 44
            height = side + lines * fm.lineSpacing() + 60
            for b in row:
                b.setMinimumSize(width, height)

    def apply_theme(self, name: str) -> None:
        self.theme = name
        c = THEMES[name]
        self.setStyleSheet(f"""
            #surveyScreen {{ background: {c['window']}; }}
            QLabel {{ color: {c['text']}; }}
            QPushButton, QToolButton {{ background: {c['button']}; color: {c['button_text']};
                border: 3px solid {c['border']}; border-radius: 14px; padding: 14px; }}
            QPushButton:focus, QToolButton:focus {{ border: 7px solid {c['focus']}; }}
            QPushButton:checked, QToolButton:checked, QPushButton:pressed, QToolButton:pressed {{
                background: {c['accent']}; color: {c['accent_text']}; }}
            QPlainTextEdit, QLineEdit {{ background: {c['window']}; color: {c['text']};
                border: 3px solid {c['border']}; border-radius: 8px; padding: 8px; }}
            QPlainTextEdit:focus, QLineEdit:focus {{ border: 7px solid {c['focus']}; }}
        """)
        for score, b in enumerate((b for row in self.answer_buttons for b in row), start=0):
            b.setIcon(face_icon(score % 5 + 1, c["button_text"], c["accent_text"]))
        for b in self._contrast_buttons:
            b.blockSignals(True)
            b.setChecked(name == "high")
            b.blockSignals(False)

    def follow_system_contrast(self, preference=None) -> None:
        if preference is None:
            high = system_prefers_high_contrast()
        else:
            high = preference == Qt.ContrastPreference.HighContrast
        self.apply_theme("high" if high else "normal")

    def changeEvent(self, event):
        if event.type() in (QEvent.ApplicationFontChange, QEvent.FontChange) and self._scaled:
            self.apply_fonts()
        super().changeEvent(event)

    # -- flow ----------------------------------------------------------------------
    def _reset(self) -> None:
        self.scores: dict[str, int | None] = {d: None for d in DIMENSIONS}
        self.aboutie: bool | None = None
        self.comment_edit.clear()
        for b in [b for row in self.answer_buttons for b in row] + self.aboutie_buttons:
            b.setChecked(False)

    def _go(self, page: QWidget, focus: QWidget | None, progress: str = "") -> None:
        page.progress.setText(progress)
        self.stack.setCurrentWidget(page)
        if focus is not None:
            focus.setFocus(Qt.OtherFocusReason)
        self.idle.start()

    def _progress(self, n: int) -> str:
        return _("Question {n} sur {total}").format(n=n, total=len(DIMENSIONS) + 2)

    def show_welcome(self) -> None:
        self.thanks_timer.stop()
        self._reset()
        self._go(self.welcome, self.start_button)
        self.idle.stop()  # nobody to wait for

    def show_question(self, index: int) -> None:
        if index >= len(DIMENSIONS):
            self._go(self.aboutie_page, self.aboutie_buttons[0], self._progress(len(DIMENSIONS) + 1))
            return
        buttons = self.answer_buttons[index]
        chosen = self.scores[DIMENSIONS[index]]
        self._go(self.question_pages[index], buttons[(chosen or 3) - 1], self._progress(index + 1))

    def current_index(self) -> int:
        page = self.stack.currentWidget()
        if page in self.question_pages:
            return self.question_pages.index(page)
        return {self.aboutie_page: len(DIMENSIONS), self.comment_page: len(DIMENSIONS) + 1}.get(page, -1)

    def choose(self, score: int | None) -> None:
        i = self.current_index()
        if not 0 <= i < len(DIMENSIONS):
            return
        self.scores[DIMENSIONS[i]] = score
        for n, b in enumerate(self.answer_buttons[i], start=1):
            b.setChecked(n == score)
        self.show_question(i + 1)

    def choose_aboutie(self, value: bool | None) -> None:
        self.aboutie = value
        for b, (_t, v) in zip(self.aboutie_buttons, ABOUTIE):
            b.setChecked(v is value)
        self._go(self.comment_page, self.comment_edit, self._progress(len(DIMENSIONS) + 2))

    def previous(self) -> None:
        i = self.current_index()
        if i > 0:
            self.show_question(i - 1)

    def _limit_comment(self) -> None:
        from app.core.surveys import COMMENT_MAX

        text = self.comment_edit.toPlainText()
        if len(text) > COMMENT_MAX:
            self.comment_edit.setPlainText(text[:COMMENT_MAX])
            self.comment_edit.moveCursor(self.comment_edit.textCursor().MoveOperation.End)

    def submit(self, with_comment: bool = True) -> None:
        """Save what was answered (if anything), then thank the usager."""
        from app.core.surveys import record_response
        from app.models.errors import DomainError

        if with_comment and self.stack.currentWidget() is not self.comment_page:
            return  # only the last page sends (a stray Enter elsewhere must not)
        data = dataclasses.replace(self.context, demarche_aboutie=self.aboutie, source="ecran",
                                   comment=self.comment_edit.toPlainText() if with_comment else "",
                                   answered_on=None, **self.scores)
        if any(v is not None for v in self.scores.values()) or self.aboutie is not None:
            try:
                self.desk.op(record_response, data, source=self)
            except DomainError as exc:  # the usager sees thanks anyway; the agent finds it in the log
                log.warning("survey response not saved: %s", exc)
            else:
                self.response_recorded.emit()
        self.context = self.next_context
        self._go(self.thanks_page, None)
        self.idle.stop()
        self.thanks_timer.start()

    def _on_idle(self) -> None:
        if self.stack.currentWidget() in (*self.question_pages, self.aboutie_page, self.comment_page):
            self.submit(with_comment=False)  # a half-typed comment is dropped: it was never sent
        else:
            self.show_welcome()

    def user_activity(self) -> None:
        if self.idle.isActive():
            self.idle.start()

    # -- keyboard ------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key, page = event.key(), self.stack.currentWidget()
        i = self.current_index()
        digit = event.text() if event.text().isdigit() and event.text().isascii() else ""
        if 0 <= i < len(DIMENSIONS) and digit in ("1", "2", "3", "4", "5"):
            self.choose(int(digit))
        elif page is self.aboutie_page and digit in ("1", "2", "3"):
            self.choose_aboutie(ABOUTIE[int(digit) - 1][1])
        elif key in (Qt.Key_Right, Qt.Key_Down):
            self.focusNextChild()
        elif key in (Qt.Key_Left, Qt.Key_Up):
            self.focusPreviousChild()
        elif key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Space):
            focused = self.focusWidget()
            if isinstance(focused, (QPushButton, QToolButton)) and self.isAncestorOf(focused):
                focused.click()
            elif page is self.welcome:
                self.show_question(0)
        elif key == Qt.Key_Backspace:
            self.previous()
        else:
            super().keyPressEvent(event)

    # -- leaving -------------------------------------------------------------------
    def request_exit(self) -> None:
        from app.core.surveys import exit_needs_password

        if not self.desk.query(exit_needs_password):
            self.leave()
            return
        self.password_edit.clear()
        self.password_error.setText("")
        self._go(self.unlock_page, self.password_edit)

    def _unlock(self) -> None:
        from app.core import auth
        from app.models.errors import ValidationError

        try:
            auth.login(self.desk.store, self.desk.grant.agent_id, self.password_edit.text(), action="survey_exit")
        except ValidationError as exc:
            self.password_error.setText("⚠ " + exc.message)
            self.password_edit.setAccessibleDescription(_("Erreur : ") + exc.message)
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        self.leave()

    def leave(self) -> None:
        self._leaving = True
        self.idle.stop()
        self.thanks_timer.stop()
        self.close()
        self.left.emit()

    def closeEvent(self, event) -> None:
        if not self._leaving:
            event.ignore()  # Alt+F4, window manager: only the agent leaves usager mode
            return
        super().closeEvent(event)
