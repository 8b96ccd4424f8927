"""Small widgets shared by forms: a field with its error line, labelled combos."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLayout, QVBoxLayout, QWidget

from app.i18n import _


class FieldError(QLabel):
    """Error text shown under a field: words and an icon, not colour alone (RGAA/EN 301 549).

    While it shows, the field is marked for assistive technology: its description reads
    « Erreur : … », the error label is one of its labels (AT-SPI « labelled-by » relation: the
    message is read with the field) and its `invalid` property is true (the style sheet draws
    it). Qt's AT-SPI bridge has no invalid-entry state to set, hence these three. On clear, the
    field gets back the description (hint) it had before the error."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setStyleSheet("color: #b3261e; font-weight: 600;")
        self._field: QWidget | None = None
        self.hide()

    def show_error(self, message: str, field_widget: QWidget | None = None) -> None:
        from app.ui.a11y import announce, mark_invalid

        self.setText("⚠ " + message.replace("&", "&&"))  # a buddy label reads & as a mnemonic
        self.show()
        if field_widget is not None:
            mark_invalid(field_widget, self, message)
            self._field = field_widget
        else:  # no field takes the focus to read it out: say it
            announce(self, _("Erreur : ") + message, assertive=True)

    def clear_error(self, field_widget: QWidget | None = None) -> None:
        from app.ui.a11y import clear_invalid

        self.clear()
        self.hide()
        for field in {w for w in (field_widget, self._field) if w is not None}:
            clear_invalid(field, self)
        self._field = None


def with_error(widget: QWidget | QLayout) -> tuple[QVBoxLayout, FieldError]:
    """The field (or a row of fields) with its error line under it, as a layout for
    QFormLayout.addRow: a layout, not a box widget, so that the field, its caption and its error
    stay *siblings* — Qt relates only sibling buddy labels to a field (AT-SPI labelled-by), and
    on Linux a combo box's name is its value: its caption reaches Orca only through that relation."""
    layout = QVBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    if isinstance(widget, QLayout):
        layout.addLayout(widget)
    else:
        layout.addWidget(widget)
        # a wrapped error line must never squeeze the field (Téléphone fell to 8 px on a full screen)
        widget.setMinimumHeight(widget.minimumSizeHint().height())
    error = FieldError()
    layout.addWidget(error)
    return layout, error


def field_row(form, caption: str, widget: QWidget | QLayout, buddy: QWidget | None = None) -> FieldError:
    """Add « caption » + the field with its error line to a QFormLayout; returns the error line.
    The caption is the field's buddy (Alt+letter, and the AT-SPI labelled-by relation)."""
    box, error = with_error(widget)
    label = QLabel(caption)
    label.setBuddy(buddy if buddy is not None else widget)
    form.addRow(label, box)
    return error


def vocabulary_combo(vocabulary: str, accessible_name: str, optional: bool = False) -> QComboBox:
    from app.i18n import current_language
    from app.models.catalogue import catalogue

    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    if optional:
        combo.addItem("—", None)
    for code, text in catalogue().choices(vocabulary, current_language()):
        combo.addItem(text, code)
    return combo


def select_data(combo: QComboBox, value) -> None:
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)
