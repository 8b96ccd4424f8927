"""Usager survey for screen-reader users and small screens (issue 22 §3, issue 15 §10)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible, QFont
from PySide6.QtWidgets import QApplication, QRadioButton

from app.core.surveys import SurveyInput
from app.ui.survey_mode import SurveyScreen


@pytest.fixture
def survey(qtbot, actor, desk):
    app = QApplication.instance()
    original = app.font()
    font = QFont(original)
    font.setPointSizeF(10.5)  # what app.run sets for the counter
    app.setFont(font)
    screen = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    qtbot.addWidget(screen)
    yield screen
    app.setFont(original)


def test_answers_are_a_radio_group_named_after_the_question(survey):
    survey.show_question(1)
    page = survey.question_pages[1]
    buttons = survey.answer_buttons[1]
    assert all(isinstance(b, QRadioButton) for b in buttons)
    group = buttons[0].parentWidget()
    iface = QAccessible.queryAccessibleInterface(group)
    assert iface.role() == QAccessible.Grouping
    assert iface.text(QAccessible.Name) == page.title.text()
    radio = QAccessible.queryAccessibleInterface(buttons[2])
    assert radio.role() == QAccessible.RadioButton
    assert radio.text(QAccessible.Name) == "3 sur 5 : Ni satisfait, ni insatisfait"
    survey.choose(4)  # answered, then back: the choice is exposed as « checked »
    survey.previous()
    assert QAccessible.queryAccessibleInterface(buttons[3]).state().checked


def test_each_page_starts_on_its_question_and_no_answer_is_pre_focused(qtbot, survey):
    survey.show()
    qtbot.waitExposed(survey)
    survey.show_question(0)
    for i in range(5):
        page = survey.question_pages[i]
        assert survey.focusWidget() is page.title
        assert QAccessible.queryAccessibleInterface(page.title).text(QAccessible.Name) == page.title.text()
        assert page.progress.text() == f"Question {i + 1} sur 7"
        # the progress label is exposed as what it shows, not as a fixed « Progression »
        assert QAccessible.queryAccessibleInterface(page.progress).text(QAccessible.Name) == page.progress.text()
        survey.choose(3)
    assert survey.focusWidget() is survey.aboutie_page.title
    assert survey.aboutie_page.progress.text() == "Question 6 sur 7"


def test_welcome_announces_as_many_questions_as_the_counter(survey):
    welcome = survey.welcome.title.text()
    assert "Sept questions" in welcome and "Cinq" not in welcome
    survey.show_question(0)
    assert survey.question_pages[0].progress.text().endswith("sur 7")


def test_the_survey_fits_a_1366_by_768_screen(qtbot, survey):
    hint = survey.minimumSizeHint()
    assert hint.width() <= 1366, hint
    assert hint.height() <= 768, hint
    survey.resize(1366, 768)
    survey.show()
    qtbot.waitExposed(survey)
    survey.show_question(0)
    qtbot.wait(20)
    for widget in (survey.question_pages[0].findChildren(QRadioButton)
                   + [survey._contrast_buttons[1]]):
        right = widget.mapTo(survey, widget.rect().bottomRight())
        assert right.x() <= 1366 and right.y() <= 768, widget.accessibleName()


def test_a_page_shown_again_takes_the_current_window_size_at_once(qtbot, survey):
    """The welcome page, last laid out at a small size, painted once at that size after
    « Merci » on a real display: it must have the stack's size as soon as it is current."""
    survey.resize(700, 500)
    survey.show()
    qtbot.waitExposed(survey)
    survey.show_question(0)
    survey.resize(1300, 740)
    qtbot.wait(20)
    survey.show_welcome()  # no event processed in between
    assert survey.welcome.geometry() == survey.stack.contentsRect()
    assert survey.start_button.hasFocus()
