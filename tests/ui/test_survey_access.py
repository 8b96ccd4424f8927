"""Accessibility of the survey screens: names, contrast, system high-contrast, text scaling."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QColor, QFont
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from app.core.surveys import SurveyInput
from app.ui.survey_mode import THEMES, SurveyScreen
from app.ui.survey_paper import PaperEntryDialog


def contrast(a: str, b: str) -> float:
    def lum(hex_colour):
        c = QColor(hex_colour)
        parts = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            parts.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def focusable_without_name(root: QWidget) -> list[str]:
    missing = []
    for w in [root, *root.findChildren(QWidget)]:
        if w.focusPolicy() != Qt.NoFocus:
            iface = QAccessible.queryAccessibleInterface(w)
            if not iface or not iface.text(QAccessible.Name).strip():
                missing.append(f"{type(w).__name__} {w.objectName()}")
    return missing


def test_every_control_has_an_accessible_name(qtbot, store, actor, desk):
    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    paper = PaperEntryDialog(desk)
    for w in (survey, paper):
        qtbot.addWidget(w)
        assert focusable_without_name(w) == []


def test_both_themes_meet_the_contrast_ratios():
    for name, c in THEMES.items():
        assert contrast(c["text"], c["window"]) >= 4.5, name
        assert contrast(c["button_text"], c["button"]) >= 4.5, name
        assert contrast(c["accent_text"], c["accent"]) >= 4.5, name
        assert contrast(c["border"], c["window"]) >= 3, name   # non-text: UI component boundary
        assert contrast(c["focus"], c["window"]) >= 3, name
    assert contrast(THEMES["high"]["text"], THEMES["high"]["window"]) >= 7


def test_high_contrast_toggle_and_system_preference(qtbot, store, actor, desk):
    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    qtbot.addWidget(survey)
    assert survey.theme == "normal"  # offscreen platform reports no preference
    # found as assistive technology finds them: one « Contraste élevé » button on each page
    toggles = [b for b in survey.findChildren(QAbstractButton) if b.accessibleName() == "Contraste élevé"]
    assert len(toggles) > 1
    qtbot.keyClick(toggles[0], Qt.Key_Space)
    assert survey.theme == "high" and all(b.isChecked() for b in toggles)
    assert "#000000" in survey.styleSheet()
    survey.follow_system_contrast(Qt.ContrastPreference.NoPreference)
    assert survey.theme == "normal"
    # the signal Qt emits when the system setting changes is connected
    survey.follow_system_contrast(Qt.ContrastPreference.HighContrast)
    assert survey.theme == "high"


def test_text_follows_the_application_font(qtbot, store, actor, desk):
    app = QApplication.instance()
    original = app.font()
    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    qtbot.addWidget(survey)
    question = survey.question_pages[0].findChildren(type(survey.password_error))[1]
    before = question.font().pointSizeF()
    try:
        bigger = QFont(original)
        bigger.setPointSizeF(original.pointSizeF() * 2)
        app.setFont(bigger)
        survey.apply_fonts()
        assert question.font().pointSizeF() == before * 2
    finally:
        app.setFont(original)
