"""Today's activity at a glance: counts the agent sees all day, refreshed after each save.
The figures come from `Desk.today()` (app/core/cases.today_activity, counted by app/core/activity)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from app.i18n import _, format_date, format_number, ngettext
from app.ui.flow_layout import FlowLayout


class TodayPanel(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self.setFrameShape(QFrame.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        top = FlowLayout(spacing=0)  # a narrow screen or large text: the figures go to a second line
        self.title = QLabel(_("Aujourd'hui"))
        self.title.setObjectName("todayTitle")
        top.addWidget(self.title)
        self.figures = {}
        for key in ("total", "usagers", "mine", "due"):
            label = QLabel("—")
            label.setObjectName("todayFigure")
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            top.addWidget(label)
            self.figures[key] = label
        layout.addLayout(top)
        self.partners = QLabel("")
        self.partners.setWordWrap(True)
        self.partners.setObjectName("todayPartners")
        layout.addWidget(self.partners)
        self.setAccessibleName(_("Activité du jour"))

    def clear(self) -> None:
        """Nothing shown (another agent takes the desk; their figures are on their way)."""
        self.title.setText(_("Aujourd'hui"))
        for label in self.figures.values():
            label.setText("—")
        self.partners.setText("")
        self.setAccessibleDescription("")

    def show_summary(self, s) -> None:
        self.title.setText(_("Aujourd'hui, {day}").format(day=format_date(s.day, "full")))
        self.figures["total"].setText(
            ngettext("<b>{n}</b> accompagnement", "<b>{n}</b> accompagnements", s.total).format(n=format_number(s.total)))
        self.figures["usagers"].setText(
            ngettext("<b>{n}</b> usager", "<b>{n}</b> usagers", s.usagers).format(n=format_number(s.usagers)))
        self.figures["mine"].setText(_("dont <b>{n}</b> par vous").format(n=format_number(s.mine)))
        due = ngettext("<b>{n}</b> relance due", "<b>{n}</b> relances dues", s.follow_ups_due).format(
            n=format_number(s.follow_ups_due))
        self.figures["due"].setText(("⚠ " if s.follow_ups_due else "") + due)
        if s.by_partner:
            self.partners.setText(" · ".join(f"{p} {format_number(n)}" for p, n in s.by_partner))
        else:
            self.partners.setText(_("Aucun accompagnement enregistré aujourd'hui."))
        text = " ".join(l.text() for l in self.figures.values())
        self.setAccessibleDescription(text.replace("<b>", "").replace("</b>", ""))
