"""The look of Guichet, inspired by the French State design system (DSFR): bleu France for actions,
a small type scale, spacing on an 8 px grid and a focus ring that is always visible.

Everything visual comes from one stylesheet, `resources/styles/guichet.qss`, plus the application
palette below (used by what a stylesheet does not reach: tooltips, menus, placeholder text). The
text/background pairs of both are checked ≥ 4.5:1 by tests/ui/test_look.py.

When the system asks for high contrast (Qt ≥ 6.10) neither is applied: the system's own
high-contrast theme is better than anything we would draw. The survey screen keeps its two themes
(app/ui/survey_style.py); its widget stylesheet takes precedence over this one.

Toolbar icons come from QtAwesome (Material Design Icons), set after the first paint (`install`)
so that loading the icon font does not delay the window; without QtAwesome, the desktop's theme
icons are used, and without those the toolbar keeps its text alone.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QToolButton

from app.resources import resource_path

log = logging.getLogger(__name__)

BASE_POINT_SIZE = 10.5  # legibility at the counter: never smaller than this

# DSFR tokens (names as in the design system) used by the palette and the icons.
PALETTE = {
    "blue_france": "#000091",  # actions, primary buttons, selection, links
    "blue_france_hover": "#1212ff",
    "blue_france_light": "#e3e3fd",  # inactive tabs, hovered rows
    "blue_france_lightest": "#f5f5fe",  # the Today panel
    "text": "#161616",  # grey-50: body text
    "text_mention": "#666666",  # placeholders, secondary text (5.7:1 on white)
    "background": "#ffffff",
    "background_alt": "#f6f6f6",  # alternate rows, headers
    "background_contrast": "#eeeeee",  # input fields
    "border": "#dddddd",  # decorative lines only
    "border_plain": "#3a3a3a",  # the input underline (a UI boundary: ≥ 3:1)
    "focus": "#0a76f6",  # the focus ring (≥ 3:1 on white and on the input grey)
    "error": "#ce0500",
    "success": "#18753c",
}

# Text/background pairs of the palette (checked by the tests, as the stylesheet's are).
PALETTE_PAIRS = (
    ("text", "background"), ("text", "background_alt"), ("text", "background_contrast"),
    ("text", "blue_france_light"), ("text", "blue_france_lightest"), ("text_mention", "background"),
    ("background", "blue_france"), ("blue_france", "background"), ("blue_france", "blue_france_light"),
    ("error", "background"), ("success", "background"),
)

# Toolbar and menu icons: QtAwesome name, then the freedesktop theme name as a fallback.
ICONS = {
    "new": ("mdi6.plus-circle-outline", "document-new"),
    "repeat": ("mdi6.repeat", "edit-redo"),
    "open": ("mdi6.folder-open-outline", "document-open"),
    "search": ("mdi6.magnify", "edit-find"),
    "followups": ("mdi6.phone-clock", "appointment-soon"),
    "refresh": ("mdi6.refresh", "view-refresh"),
    "survey": ("mdi6.emoticon-happy-outline", "face-smile"),
    "moments": ("mdi6.map-marker-path", "view-list-details"),
}


def stylesheet() -> str:
    """guichet.qss with `@styles@` replaced by its folder (url() in a stylesheet is relative to
    the working directory, not to the file)."""
    path = resource_path("styles", "guichet.qss")
    if not path.exists():
        return ""
    return path.read_text(encoding="utf-8").replace("@styles@", path.parent.as_posix())


def palette() -> QPalette:
    c = {k: QColor(v) for k, v in PALETTE.items()}
    pal = QPalette()
    for role, colour in ((QPalette.Window, c["background"]), (QPalette.WindowText, c["text"]),
                         (QPalette.Base, c["background"]), (QPalette.AlternateBase, c["background_alt"]),
                         (QPalette.Text, c["text"]), (QPalette.Button, c["background"]),
                         (QPalette.ButtonText, c["text"]), (QPalette.ToolTipBase, c["text"]),
                         (QPalette.ToolTipText, c["background"]), (QPalette.Highlight, c["blue_france"]),
                         (QPalette.HighlightedText, c["background"]), (QPalette.Link, c["blue_france"]),
                         (QPalette.PlaceholderText, c["text_mention"]), (QPalette.BrightText, c["background"])):
        pal.setColor(role, colour)
    pal.setColor(QPalette.Disabled, QPalette.Text, c["text_mention"])
    pal.setColor(QPalette.Disabled, QPalette.WindowText, c["text_mention"])
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, c["text_mention"])
    return pal


def system_high_contrast() -> bool:
    from app.ui.survey_style import system_prefers_high_contrast

    return system_prefers_high_contrast()


def apply(app: QApplication) -> bool:
    """Font floor, palette and stylesheet on the application. False (nothing but the font floor)
    when the system asks for high contrast."""
    font = app.font()
    if font.pointSizeF() < BASE_POINT_SIZE:
        font.setPointSizeF(BASE_POINT_SIZE)
        app.setFont(font)
    if system_high_contrast():
        return False
    app.setStyle("Fusion")  # the stylesheet is drawn over Fusion on every platform: one look to test
    app.setPalette(palette())
    app.setStyleSheet(stylesheet())
    return True


def icon(key: str) -> QIcon:
    """The icon for `key` in ICONS, in bleu France; a null QIcon if neither source has it."""
    awesome, theme = ICONS[key]
    try:
        import qtawesome

        return qtawesome.icon(awesome, color=PALETTE["blue_france"],
                              color_disabled=PALETTE["text_mention"])
    except Exception:  # not installed, or its font failed to load: the desktop theme, else nothing
        log.info("QtAwesome unavailable, theme icon for %s", key)
        return QIcon.fromTheme(theme)


def install(window) -> None:
    """Icons beside the text of the toolbar and menu actions (after the first paint)."""
    actions = [(window.act_new, "new"), (window.act_repeat, "repeat"), (window.act_open, "open"),
               (window.act_search, "search"), (window.act_followups, "followups"), (window.act_refresh, "refresh")]
    survey = getattr(window, "survey_actions", None)
    if survey:
        actions.append((survey[0], "survey"))
    moments = getattr(window, "checklist_start_action", None)
    if moments is not None:
        actions.append((moments, "moments"))
    for action, key in actions:
        action.setIcon(icon(key))
    window.toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    # the search field takes whatever the buttons leave; 32 characters at least
    search = window.search_edit
    search.setMinimumWidth(min(search.minimumWidth(), search.fontMetrics().averageCharWidth() * 32))
    window.toolbar_fit = ToolbarFit(window.toolbar)


class ToolbarFit(QObject):
    """Icons beside their text when the toolbar has room, icons alone (text in the tooltip) when
    it has not: at 200 % text the search field once went into the overflow menu, out of sight."""

    def __init__(self, toolbar):
        super().__init__(toolbar)
        self.toolbar = toolbar
        self.full_width = self.text_width()  # with the text: measured while it is shown
        toolbar.installEventFilter(self)
        self.apply()

    def text_width(self) -> int:
        """Room the toolbar needs with text beside the icons: the buttons' widths, the search
        field at its minimum (it takes what is left), spacing and margins."""
        bar, total = self.toolbar, 0
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is None or not action.isVisible():
                continue
            if isinstance(widget, QToolButton):
                total += widget.sizeHint().width()
            else:
                total += max(widget.minimumWidth(), widget.minimumSizeHint().width())
            total += bar.layout().spacing()
        margins = bar.contentsMargins()
        return total + margins.left() + margins.right() + 24  # the handle

    def apply(self) -> None:
        bar = self.toolbar
        if bar.toolButtonStyle() == Qt.ToolButtonTextBesideIcon:
            self.full_width = self.text_width()
        wanted = Qt.ToolButtonTextBesideIcon if self.full_width <= bar.width() else Qt.ToolButtonIconOnly
        if bar.toolButtonStyle() != wanted:
            bar.setToolButtonStyle(wanted)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Resize:
            self.apply()
        return False
