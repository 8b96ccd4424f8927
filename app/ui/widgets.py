"""Small widgets shared by forms: a field with its error line, labelled combos."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from app.i18n import _


class FieldError(QLabel):
    """Error text shown under a field: words and an icon, not colour alone (RGAA/EN 301 549)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.hide()

    def show_error(self, message: str, field_widget: QWidget | None = None) -> None:
        self.setText(f"⚠ {message}")
        self.show()
        if field_widget is not None:
            field_widget.setAccessibleDescription(_("Erreur : ") + message)

    def clear_error(self, field_widget: QWidget | None = None) -> None:
        self.clear()
        self.hide()
        if field_widget is not None:
            field_widget.setAccessibleDescription("")


def with_error(widget: QWidget) -> tuple[QWidget, FieldError]:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    error = FieldError(box)
    layout.addWidget(error)
    return box, error


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
