"""The look (app/ui/look.py, resources/styles/guichet.qss): contrast of every text/background pair,
a visible focus ring on every kind of control, spacing on the 4/8 px grid, icons on the toolbar,
and the survey's own themes still winning over the application stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QTableView

from app.core.surveys import SurveyInput
from app.resources import resource_path
from app.ui import look
from tests.ui.helpers import wait_refreshed
from tests.ui.test_survey_access import contrast

QSS = resource_path("styles", "guichet.qss").read_text(encoding="utf-8")
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
WINDOW = "#ffffff"  # what a rule without its own background is drawn on (QMainWindow, QDialog)


def rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) for each block of the stylesheet, comments removed."""
    text = re.sub(r"/\*.*?\*/", "", QSS, flags=re.S)
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        props = {}
        for decl in body.split(";"):
            name, _, value = decl.partition(":")
            if value.strip():
                props[name.strip()] = value.strip()
        out.append((" ".join(selector.split()), props))
    return out


def colour(value: str | None) -> str | None:
    match = HEX.search(value or "")
    return match.group(0) if match else None


def text_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for selector, props in rules():
        background = colour(props.get("background") or props.get("background-color")) or WINDOW
        if colour(props.get("color")):
            pairs.append((selector, colour(props["color"]), background))
            if colour(props.get("alternate-background-color")):
                pairs.append((selector + " (alternate rows)", colour(props["color"]),
                              colour(props["alternate-background-color"])))
        if colour(props.get("selection-color")):
            pairs.append((selector + " (selection)", colour(props["selection-color"]),
                          colour(props["selection-background-color"])))
    return pairs


def test_every_text_colour_of_the_stylesheet_is_readable_on_its_background():
    pairs = text_pairs()
    assert len(pairs) > 30  # the parser sees the rules
    low = [(s, fg, bg, round(contrast(fg, bg), 2)) for s, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert low == []


def test_the_palette_pairs_meet_4_5_to_1_and_the_focus_ring_3_to_1():
    p = look.PALETTE
    for fg, bg in look.PALETTE_PAIRS:
        assert contrast(p[fg], p[bg]) >= 4.5, (fg, bg)
    for bg in ("background", "background_contrast", "background_alt"):  # non-text: WCAG 1.4.11
        assert contrast(p["focus"], bg := p[bg]) >= 3, bg
        assert contrast(p["border_plain"], bg) >= 3, bg
    assert p["blue_france"] == "#000091"


def test_primary_buttons_and_selection_are_bleu_france():
    props = dict(rules())
    assert colour(props['QPushButton:default, QPushButton[primary="true"]']["background"]) == "#000091"
    assert colour(props["QTableView::item:selected, QTreeView::item:selected, QListView::item:selected"]
                  ["background"]) == "#000091"


@pytest.mark.parametrize("widget", ["QPushButton", "QLineEdit", "QComboBox", "QSpinBox", "QDateEdit",
                                    "QPlainTextEdit", "QTableView", "QTreeView", "QCheckBox", "QToolButton"])
def test_every_kind_of_control_has_a_visible_focus_ring(widget):
    focus = [(s, p) for s, p in rules() if re.search(rf"\b{widget}:focus\b", s)]
    assert focus, widget
    assert any(colour(p.get("border") or p.get("border-color") or p.get("background")) for _s, p in focus)


def test_spacing_is_on_the_grid():
    """Paddings, margins and spacings are multiples of 4 px (the 8 px grid and its half step)."""
    off = []
    for selector, props in rules():
        for name in ("padding", "margin", "spacing", "margin-right", "margin-top"):
            for px in re.findall(r"(-?\d+)px", props.get(name, "")):
                if int(px) % 4:
                    off.append((selector, name, px))
    assert off == []


@pytest.fixture
def styled(qapp):
    """The application stylesheet and palette for one test, as app.ui.app.run applies them."""
    before = (qapp.styleSheet(), qapp.palette(), qapp.font())
    assert look.apply(qapp)
    yield qapp
    qapp.setStyleSheet(before[0])
    qapp.setPalette(before[1])
    qapp.setFont(before[2])


def test_the_stylesheet_is_applied_with_its_arrow_images_and_the_font_floor(styled):
    sheet = styled.styleSheet()
    assert "#000091" in sheet and "@styles@" not in sheet
    for url in re.findall(r"url\(([^)]+)\)", sheet):
        assert url.startswith(resource_path("styles").as_posix())  # absolute, inside resources/styles
        assert Path(url).exists(), url
    assert styled.font().pointSizeF() >= look.BASE_POINT_SIZE
    assert styled.palette().color(QPalette.Highlight).name() == "#000091"


def test_the_toolbar_shows_icons_beside_the_text_and_lists_have_no_row_numbers(qtbot, styled, window):
    qtbot.waitUntil(lambda: getattr(window, "toolbar_fit", None) is not None, timeout=5000)
    for action in (window.act_new, window.act_repeat, window.act_followups, window.survey_actions[0]):
        assert not action.icon().isNull(), action.text()
    window.resize(1366, 740)
    qtbot.waitUntil(lambda: window.toolbar.toolButtonStyle() == Qt.ToolButtonTextBesideIcon)
    for view in window.findChildren(QTableView):
        assert view.verticalHeader().isHidden(), view.accessibleName()


def test_a_narrow_window_keeps_the_search_field_on_the_toolbar(qtbot, styled, window):
    """Icons alone when the text does not fit: the search field is never pushed into the overflow."""
    qtbot.waitUntil(lambda: getattr(window, "toolbar_fit", None) is not None, timeout=5000)
    window.resize(760, 500)
    qtbot.waitUntil(lambda: window.toolbar.toolButtonStyle() == Qt.ToolButtonIconOnly)
    wait_refreshed(qtbot, window)
    field = window.search_edit
    right = field.mapTo(window.toolbar, field.rect().topRight()).x()
    assert field.isVisible() and right <= window.toolbar.width()


def test_the_survey_screen_keeps_its_own_high_contrast_theme_under_the_stylesheet(qtbot, styled, desk, actor):
    from app.ui.survey_mode import THEMES, SurveyScreen

    screen = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    qtbot.addWidget(screen)
    screen.resize(1000, 700)
    screen.apply_theme("high")
    screen.show()
    qtbot.waitExposed(screen)
    button = screen.answer_buttons[0][0]
    image = button.grab().toImage()
    corner_in = image.pixelColor(image.width() // 2, 12).name()  # inside the border, above the face
    assert corner_in == THEMES["high"]["button"]
    assert QApplication.instance().styleSheet()  # the application stylesheet was on meanwhile
