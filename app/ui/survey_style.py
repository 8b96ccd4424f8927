"""Look of the usager survey: two tested colour themes (text/background pairs >= 4.5:1) and the
faces drawn on the answer buttons (no image files, any size, any theme colour)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap

THEMES = {
    "normal": dict(window="#ffffff", text="#161616", button="#f2f4fb", button_text="#161616",
                   border="#3a55a4", accent="#000091", accent_text="#ffffff", focus="#000091"),
    "high": dict(window="#000000", text="#ffffff", button="#000000", button_text="#ffffff",
                 border="#ffffff", accent="#ffff00", accent_text="#000000", focus="#ffff00"),
}


def face_icon(score: int, colour: str, checked_colour: str, size: int = 128) -> QIcon:
    """A face from frowning (1) to smiling (5), drawn in the theme's colours (no image files)."""
    icon = QIcon()
    icon.addPixmap(_face(score, colour, size), QIcon.Normal, QIcon.Off)
    icon.addPixmap(_face(score, checked_colour, size), QIcon.Normal, QIcon.On)
    return icon


def _face(score: int, colour: str, size: int) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    pen = QPen(QColor(colour), size / 16)
    pen.setCapStyle(Qt.RoundCap)
    p.setPen(pen)
    m = size / 12
    p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m))
    p.setBrush(QColor(colour))
    for x in (0.36, 0.64):
        p.drawEllipse(QPointF(size * x, size * 0.4), size / 18, size / 18)
    p.setBrush(Qt.NoBrush)
    bend = (score - 3) * size * 0.09  # >0 smile, <0 frown
    path = QPainterPath(QPointF(size * 0.3, size * 0.68 - max(bend, 0) * 0.3))
    path.quadTo(QPointF(size * 0.5, size * 0.68 + bend), QPointF(size * 0.7, size * 0.68 - max(bend, 0) * 0.3))
    p.drawPath(path)
    p.end()
    return pix


def system_prefers_high_contrast() -> bool:
    hints = QGuiApplication.styleHints()
    acc = getattr(hints, "accessibility", None)
    if acc is None:  # Qt < 6.10
        return False
    return acc().contrastPreference() == Qt.ContrastPreference.HighContrast
