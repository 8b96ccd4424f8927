"""The survey's words and its answer tiles (usager mode, app/ui/survey_mode.py).

An answer is a radio button to assistive technology — role, checked state, and a group named
after the question — drawn as a large tile with a face and words (QRadioButton's own look is a
small circle). The tiles are not auto-exclusive: choosing is done by the survey (one click or
one digit chooses and moves on), and arrows only move the focus (a radio group's arrows would
choose, hence move on, at every press). They are auto-exclusive all the same: Qt exposes a
non-exclusive QRadioButton as a check box.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPlainTextEdit, QRadioButton, QSizePolicy

from app.ui.survey_style import THEMES

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
TILE_RADIUS = 14
_NAV_KEYS = (Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down, Qt.Key_Return, Qt.Key_Enter)


class AnswerButton(QRadioButton):
    colours = THEMES["normal"]

    def __init__(self, text: str, name: str):
        super().__init__(text)
        self.setAccessibleName(name)
        self.setAutoExclusive(True)  # the radio-button role (arrow keys are ours: keyPressEvent)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.PointingHandCursor)
        self.setAttribute(Qt.WA_AcceptTouchEvents, True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def sizeHint(self):  # the survey sets equal minimum sizes (no answer looks favoured)
        return self.minimumSize() if not self.minimumSize().isEmpty() else super().sizeHint()

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)  # the whole tile, not only a radio circle

    def keyPressEvent(self, event) -> None:
        if event.key() in _NAV_KEYS:
            event.ignore()  # the survey screen moves the focus / chooses
            return
        super().keyPressEvent(event)

    def set_colours(self, colours: dict) -> None:
        self.colours = colours
        self.update()

    def paintEvent(self, _event) -> None:
        c, on, focus = self.colours, self.isChecked() or self.isDown(), self.hasFocus()
        pen = 7 if focus else 3
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(QPen(QColor(c["focus"] if focus else c["border"]), pen))
        p.setBrush(QColor(c["accent"] if on else c["button"]))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(pen / 2, pen / 2, -pen / 2, -pen / 2), TILE_RADIUS, TILE_RADIUS)
        top = 10 + pen
        if not self.icon().isNull():
            side = self.iconSize().width()
            p.drawPixmap(QPoint((self.width() - side) // 2, top),
                         self.icon().pixmap(self.iconSize(), QIcon.Normal, QIcon.On if on else QIcon.Off))
            top += side + 4
        p.setPen(QColor(c["accent_text"] if on else c["button_text"]))
        p.setFont(self.font())
        p.drawText(QRect(pen + 4, top, self.width() - 2 * pen - 8, self.height() - top - pen),
                   Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, self.text())
        p.end()


def check_only(buttons: list[AnswerButton], chosen: AnswerButton | None) -> None:
    """`chosen` checked, the others not (None: none — an auto-exclusive group refuses to
    uncheck its last checked button, hence the toggle of the flag)."""
    for b in buttons:
        b.setAutoExclusive(False)
        b.setChecked(b is chosen)
        b.setAutoExclusive(True)


def answer_group(question: str, buttons: list[AnswerButton]) -> QGroupBox:
    """The answers of one question: a group (AT-SPI « panel » with the question as its name)."""
    group = QGroupBox()
    group.setObjectName("answers")
    group.setFlat(True)
    group.setAccessibleName(question)
    row = QHBoxLayout(group)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(12)
    for b in buttons:
        row.addWidget(b)
    return group


class CommentEdit(QPlainTextEdit):
    """Enter sends (a short comment needs no new lines)."""
    submitted = Signal()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)
