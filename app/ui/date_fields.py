"""Date and time fields typed in French (« 14/10/2026 », « 10:30 »), refused rather than corrected.

QDateEdit fixes an impossible date behind the agent's back (31/02/2027 becomes 28/02/2027) and,
after an error, the next digits land in whichever section had the cursor (often the year). These
fields are line edits with a mask: the agent types digits, the separators are already there,
`value()` parses with app/core/typed_dates.py and raises ValidationError(field) with the reason,
and `select_for_retyping()` puts the cursor back on the first digit with everything selected, so
retyping replaces the whole value from the day.
"""

from __future__ import annotations

from datetime import date as Date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from app.core.typed_dates import format_date, format_time, parse_date, parse_time


class _Masked(QLineEdit):
    MASK = ""
    WIDTH_CHARS = 10

    def __init__(self, field: str, label: str, accessible: str, parent=None):
        super().__init__(parent)
        self.field, self.label = field, label
        self.setInputMask(self.MASK)
        self.setAccessibleName(accessible)
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * (self.WIDTH_CHARS + 4)))

    def select_for_retyping(self) -> None:
        self.setFocus()
        self.setCursorPosition(0)
        self.selectAll()

    def focusInEvent(self, event):
        super().focusInEvent(event)
        # Qt puts a masked field's cursor where the click or the last edit left it; from the
        # keyboard the agent retypes the whole value, so start at the first digit.
        self.setCursorPosition(0)
        self.selectAll()


class DateField(_Masked):
    """jj/mm/aaaa."""

    MASK = "00/00/0000"

    def __init__(self, field: str, label: str, accessible: str, parent=None):
        super().__init__(field, label, accessible, parent)
        self.setToolTip("jj/mm/aaaa")

    def value(self) -> Date:
        return parse_date(self.text(), self.field, self.label)

    def setDate(self, value) -> None:  # noqa: N802 - the QDateEdit name, so callers need not care
        if isinstance(value, QDate):
            value = value.toPython()
        self.setText(format_date(value))

    def keyPressEvent(self, event):
        # ↑/↓ step one day, as QDateEdit's day section did (« hier » is one key on a paper sheet);
        # on a date that does not exist they do nothing: the agent retypes it.
        step = {Qt.Key_Up: 1, Qt.Key_Down: -1}.get(event.key())
        if step is not None and event.modifiers() in (Qt.NoModifier, Qt.KeypadModifier):
            try:
                self.setDate(self.value() + timedelta(days=step))
            except Exception:  # ValidationError (not a date) or OverflowError (year 1 or 9999)
                return
            self.select_for_retyping()
            return
        super().keyPressEvent(event)

    def date(self) -> QDate:
        """The date as a QDate, invalid when the text is not a real date (callers that must say
        why use `value()`)."""
        try:
            return QDate(self.value())
        except Exception:
            return QDate()


class TimeField(_Masked):
    """hh:mm, 24 hours."""

    MASK = "00:00"
    WIDTH_CHARS = 5

    def __init__(self, field: str, label: str, accessible: str, parent=None):
        super().__init__(field, label, accessible, parent)
        self.setToolTip("hh:mm")

    def value(self) -> time:
        return parse_time(self.text(), self.field, self.label)

    def setTime(self, value: time) -> None:  # noqa: N802
        self.setText(format_time(value))


class WhenRow(QWidget):
    """« jj/mm/aaaa à hh:mm », now by default. `value()` gives back what was shown (None for
    « now », so a new visit is stamped at the save and an edit keeps its seconds) while the agent
    leaves the text as it was, else the typed date and time (ValidationError when impossible)."""

    def __init__(self, field: str, label: str, parent=None):
        from app.i18n import _

        super().__init__(parent)
        self.date_edit = DateField(field, label, label)
        self.time_edit = TimeField(field.replace("_at", "_time"), _("Heure"), _("Heure de l'accompagnement"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date_edit)
        at = QLabel(_("à"))
        # no buddy: « à » is a joining word; the time field carries its own name (« Heure de l'accompagnement »)
        row.addWidget(at)
        row.addWidget(self.time_edit)
        row.addStretch()
        self.show_when(None)

    def show_when(self, when: datetime | None) -> None:
        self.shown_value = when
        shown = when or datetime.now()
        self.date_edit.setDate(shown.date())
        self.time_edit.setTime(shown.time())
        self._shown_text = (self.date_edit.text(), self.time_edit.text())

    def value(self) -> datetime | None:
        if (self.date_edit.text(), self.time_edit.text()) == self._shown_text:
            return self.shown_value
        return datetime.combine(self.date_edit.value(), self.time_edit.value())
