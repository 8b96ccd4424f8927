"""Building and look of the usager survey's pages (the flow is in app/ui/survey_mode.py).

Each question page: progress (« Question 2 sur 7 », exposed as its text), the question (takes
the focus when the page shows: it is what a screen reader says first, and no answer looks
pre-chosen), the answers as a radio group named after the question, then « ◀ Retour » and
« Passer la question ▶ ». Sizes follow the application font × KIOSK_SCALE, and the widest page
fits a 1366 px screen (MAX_WIDTH, tested).
"""

from __future__ import annotations

import textwrap

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStackedWidget, QVBoxLayout,
                               QWidget)

from app.i18n import _
from app.models.surveys import DIMENSIONS
from app.ui.a11y import data_label
from app.ui.survey_style import THEMES, face_icon
from app.ui.survey_widgets import ABOUTIE, QUESTIONS, SCALE, AnswerButton, CommentEdit, answer_group

KIOSK_SCALE = 1.4  # read from a step away: every size is the app font × this × a per-role factor
MAX_WIDTH = 1366 - 16  # France services PCs: 1366×768, minus a window frame
MARGIN = 24
PAGES = len(DIMENSIONS) + 2  # the questions, « abouti ? », the comment


class SurveyPages:
    """Mixin of SurveyScreen: builds the stack of pages and applies fonts and themes."""

    # -- building ------------------------------------------------------------------
    def _text(self, text: str, factor: float, bold: bool = False, role: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignCenter)
        data_label(label, role)  # its name is what it shows, whatever it shows now
        self._scaled.append((label, factor, bold))
        return label

    def _question(self, text: str, factor: float) -> QLabel:
        label = self._text(text, factor, True)
        label.setObjectName("question")
        label.setFocusPolicy(Qt.StrongFocus)  # focused on each page: read first
        return label

    def _button(self, text: str, name: str, factor: float = 1.3) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setFocusPolicy(Qt.StrongFocus)
        button.setCursor(Qt.PointingHandCursor)
        button.setAttribute(Qt.WA_AcceptTouchEvents, True)
        self._scaled.append((button, factor, True))
        return button

    def _answer(self, text: str, name: str, factor: float) -> AnswerButton:
        button = AnswerButton(text, name)
        self._scaled.append((button, factor, True))
        return button

    def _back(self) -> QPushButton:
        back = self._button(_("◀ Retour"), _("◀ Retour à la question précédente"), 1.1)
        back.clicked.connect(self.previous)
        return back

    def _page(self, title: QLabel, body: QWidget | None = None, nav: list[QWidget] | None = None) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(MARGIN, 16, MARGIN, MARGIN)
        outer.setSpacing(16)
        top = QHBoxLayout()
        progress = self._text("", 1.1, role=_("Progression"))
        progress.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        page.progress, page.title = progress, title
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
            outer.addSpacing(8)
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
        self.welcome = self._page(self._text(_(
            "Votre avis nous aide à améliorer ce service.\n"
            "Sept questions courtes, moins d'une minute, sans donner votre nom."), 2.0), nav=[self.start_button])

        self.question_pages, self.answer_buttons = [], []
        for dim in DIMENSIONS:
            buttons = []
            for score in range(1, 6):
                b = self._answer(f"{score}\n{textwrap.fill(_(SCALE[score - 1]), 14)}",
                                 _("{n} sur 5 : {label}").format(n=score, label=_(SCALE[score - 1])), 1.2)
                b.clicked.connect(lambda _c=False, s=score: self.choose(s))
                buttons.append(b)
            skip = self._button(_("Passer la question ▶"), _("Passer la question"), 1.1)
            skip.clicked.connect(lambda: self.choose(None))
            question = _(QUESTIONS[dim])
            page = self._page(self._question(question, 2.0), answer_group(question, buttons), [self._back(), skip])
            page.dimension = dim
            self.question_pages.append(page)
            self.answer_buttons.append(buttons)

        self.aboutie_buttons = []
        for n, (text, value) in enumerate(ABOUTIE, start=1):
            b = self._answer(f"{n}\n{_(text)}", _(text), 1.5)
            b.clicked.connect(lambda _c=False, v=value: self.choose_aboutie(v))
            self.aboutie_buttons.append(b)
        question = _("La démarche a-t-elle abouti ?")
        self.aboutie_page = self._page(self._question(question, 2.0), answer_group(question, self.aboutie_buttons),
                                      [self._back()])

        body = QWidget()
        col = QVBoxLayout(body)
        self.comment_edit = CommentEdit()
        self.comment_edit.setAccessibleName(_("Commentaire (facultatif)"))
        self.comment_edit.setAccessibleDescription(_("300 caractères au plus. N'indiquez ni nom, ni téléphone, ni courriel."))
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.submitted.connect(self.submit)
        self.comment_edit.textChanged.connect(self._limit_comment)
        self._scaled.append((self.comment_edit, 1.4, False))
        hint = self._text(_("Facultatif. N'indiquez ni nom, ni téléphone, ni courriel."), 1.1)
        col.addWidget(self.comment_edit, 1)
        col.addWidget(hint)
        self.send_button = self._button(_("Envoyer mon avis"), _("Envoyer mon avis"), 1.4)
        self.send_button.clicked.connect(lambda: self.submit())
        self.comment_page = self._page(self._question(_("Un commentaire ? (facultatif)"), 2.0), body,
                                       [self._back(), self.send_button])

        self.thanks_page = self._page(self._question(_("Merci pour votre avis !\nBonne journée."), 2.6))

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
        cancel = self._button(_("Annuler"), _("Annuler : revenir à l'enquête"), 1.1)
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
        side = int(base * KIOSK_SCALE * 4.5)
        for row in self.answer_buttons + [self.aboutie_buttons]:
            # equal sizes (no answer looks favoured), computed from the text, never wider than
            # a 1366 px screen allows (five tiles and their spacing between the margins)
            fm = row[0].fontMetrics()
            lines = max(b.text().count("\n") + 1 for b in row)
            fit = (MAX_WIDTH - 2 * MARGIN - 12 * (len(row) - 1)) // len(row)
            width = min(fit, max(fm.horizontalAdvance(line) for b in row for line in b.text().split("\n")) + 36)
            height = side + lines * fm.lineSpacing() + 40
            for b in row:
                b.setIconSize(QSize(side, side))
                b.setMinimumSize(width, height)

    def apply_theme(self, name: str) -> None:
        self.theme = name
        c = THEMES[name]
        self.setStyleSheet(f"""
            #surveyScreen {{ background: {c['window']}; }}
            QLabel {{ color: {c['text']}; }}
            QLabel#question:focus {{ border-bottom: 4px solid {c['focus']}; }}
            QGroupBox#answers {{ border: none; margin: 0; padding: 0; }}
            QPushButton {{ background: {c['button']}; color: {c['button_text']};
                border: 3px solid {c['border']}; border-radius: 14px; padding: 12px; }}
            QPushButton:focus {{ border: 7px solid {c['focus']}; }}
            QPushButton:checked, QPushButton:pressed {{ background: {c['accent']}; color: {c['accent_text']}; }}
            QPlainTextEdit, QLineEdit {{ background: {c['window']}; color: {c['text']};
                border: 3px solid {c['border']}; border-radius: 8px; padding: 8px; }}
            QPlainTextEdit:focus, QLineEdit:focus {{ border: 7px solid {c['focus']}; }}
        """)
        for score, b in enumerate((b for row in self.answer_buttons for b in row), start=0):
            b.setIcon(face_icon(score % 5 + 1, c["button_text"], c["accent_text"]))
        for b in [b for row in self.answer_buttons for b in row] + self.aboutie_buttons:
            b.set_colours(c)
        for b in self._contrast_buttons:
            b.blockSignals(True)
            b.setChecked(name == "high")
            b.blockSignals(False)
