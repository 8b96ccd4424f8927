"""Usager mode: the satisfaction survey shown to the usager, full screen, one question at a time.

Why it is built this way
- The usager touches the agent's computer, so while the survey is up nothing of the agent's is
  visible or reachable (app.ui.survey_launch.UsagerGuard) and the survey refuses to close.
  Only the agent leaves it: Ctrl+Alt+Shift+Q, then the agent's password once one is set.
- Answers are five large tiles with words, a number and a face (the number is the key to
  press); arrows move between them, Enter chooses, touch and mouse work as usual. To a screen
  reader they are a radio group named after the question, and each page starts with the focus
  on its question (app/ui/survey_pages.py builds the pages, app/ui/survey_widgets.py the tiles).
- Idle for 60 s: the answers given so far are saved (never a half-typed comment), a neutral
  thank-you screen shows, then the welcome screen waits for the next usager.
- Two explicit themes whose text/background pairs are tested ≥ 4.5:1; the high-contrast one
  follows the system preference when Qt reports it (Qt ≥ 6.10) and can be toggled on screen.
"""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QWidget

from app.i18n import _
from app.models.surveys import DIMENSIONS
from app.ui.survey_pages import KIOSK_SCALE, PAGES, SurveyPages  # noqa: F401 (KIOSK_SCALE: re-exported)
from app.ui.survey_style import THEMES, system_prefers_high_contrast  # noqa: F401 (THEMES: re-exported)
from app.ui.survey_widgets import ABOUTIE, QUESTIONS, SCALE, check_only  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

CHORD = (Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier, Qt.Key_Q)
IDLE_S = 60
THANKS_S = 6

class SurveyScreen(SurveyPages, QWidget):
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
        for row in self.answer_buttons + [self.aboutie_buttons]:
            check_only(row, None)

    def _go(self, page: QWidget, focus: QWidget | None, progress: str = "") -> None:
        page.progress.setText(progress)
        self.stack.setCurrentWidget(page)
        # QStackedLayout sizes only the current page and shows the next one before its layout
        # runs: a page last seen before the window went full screen painted once at its old,
        # small size (the welcome page after « Merci », seen on a real X display). Size it now.
        self.stack.layout().setGeometry(self.stack.contentsRect())
        page.layout().activate()
        page.update()
        if focus is not None:
            focus.setFocus(Qt.OtherFocusReason)
        self.idle.start()

    def _progress(self, n: int) -> str:
        return _("Question {n} sur {total}").format(n=n, total=PAGES)

    def show_welcome(self) -> None:
        self.thanks_timer.stop()
        self._reset()
        self._go(self.welcome, self.start_button)
        self.idle.stop()  # nobody to wait for

    def show_question(self, index: int) -> None:
        """Focus on the question (read first, no answer pre-chosen); its answers follow."""
        if index >= len(DIMENSIONS):
            self._go(self.aboutie_page, self.aboutie_page.title, self._progress(len(DIMENSIONS) + 1))
            return
        page = self.question_pages[index]
        self._go(page, page.title, self._progress(index + 1))

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
        row = self.answer_buttons[i]
        check_only(row, row[score - 1] if score else None)
        self.show_question(i + 1)

    def choose_aboutie(self, value: bool | None) -> None:
        self.aboutie = value
        check_only(self.aboutie_buttons, next(b for b, (_t, v) in zip(self.aboutie_buttons, ABOUTIE) if v is value))
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
        self._go(self.thanks_page, self.thanks_page.title)
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
            if isinstance(focused, QAbstractButton) and self.isAncestorOf(focused):
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
