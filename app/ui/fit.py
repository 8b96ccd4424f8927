"""Fitting small screens and large text (France services PCs are often 1366×768; some agents work
at 200 % text): windows no larger than the screen, scroll areas for tall forms, column widths
that keep names whole, and the full text of an elided cell in its tooltip.

tests/ui/test_fit_screen.py opens every window at 1366×768, at twice the font size and at
QT_SCALE_FACTOR=2 and checks that every visible widget is on the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QFrame, QHeaderView, QPushButton, QScrollArea,
                               QSizePolicy, QStyledItemDelegate, QToolTip, QWidget)

MAXIMISE_BELOW = (1440, 900)  # a smaller screen gets the main window maximised
FRAME_ALLOWANCE = 48  # title bar and borders a window manager adds (openbox 20 px, Windows 11 ~32 px)


def available(widget: QWidget | None = None) -> QRect:
    screen = (widget.screen() if widget is not None else None) or QApplication.primaryScreen()
    return screen.availableGeometry()


def show_main(window: QWidget) -> None:
    """Show the main window maximised on a small screen, else at its size shrunk to the screen."""
    area = available(window)
    if area.width() < MAXIMISE_BELOW[0] or area.height() < MAXIMISE_BELOW[1]:
        window.showMaximized()
        return
    clamp(window)
    window.show()


def clamp(window: QWidget) -> None:
    """Shrink a top-level window (before it is shown) so that it fits its screen with its frame,
    and move it inside; its minimum size is lowered too if it asked for more than the screen."""
    area = available(window)
    width, height = area.width(), area.height() - FRAME_ALLOWANCE
    if window.minimumWidth() > width or window.minimumHeight() > height:
        window.setMinimumSize(min(window.minimumWidth(), width), min(window.minimumHeight(), height))
    if window.width() > width or window.height() > height:
        window.resize(min(window.width(), width), min(window.height(), height))


def scrollable(content: QWidget, name: str = "") -> QScrollArea:
    """`content` in a frameless vertical scroll area: a tall form stays reachable on a short
    screen (at 200 % text the accompaniment form is twice the height of a 1366×768 screen)."""
    area = QScrollArea()
    area.setObjectName(name or "fitScroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
    area.setFocusPolicy(Qt.NoFocus)  # Tab goes to the fields, and the focused one is scrolled into view
    area.setWidget(content)

    def follow_focus(_old, new):  # a field reached by Alt+letter is scrolled into view too
        try:
            if new is not None and content.isAncestorOf(new):
                area.ensureWidgetVisible(new, 16, 16)
        except RuntimeError:  # the form is gone
            _disconnect(follow_focus)

    QApplication.instance().focusChanged.connect(follow_focus)
    area.destroyed.connect(lambda *_: _disconnect(follow_focus))
    return area


def _disconnect(slot) -> None:
    try:
        QApplication.instance().focusChanged.disconnect(slot)
    except (RuntimeError, TypeError):
        pass


def fit_height(area: QScrollArea, window: QWidget, rest: int) -> None:
    """Ask for the content's full height when the screen has room (no scroll bar on a large
    screen), else for what is left of the screen after `rest` pixels of other widgets."""
    content = area.widget().sizeHint()
    room = available(window).height() - FRAME_ALLOWANCE - rest
    area.setMinimumHeight(max(120, min(content.height() + 2, room)))


# -- tables -------------------------------------------------------------------------------------
# Case lists: the share of the view a column may take at most. Dates, the follow-up date (« ⚠ 2 oct.
# 2026 (en retard) » is read whole), the agent and the moments de vie progress are short: their
# content width. The démarches take what is left and elide, their whole text in the tooltip.
# (share of the view, but never fewer characters than): a name of 22 characters and « En attente du
# partenaire » stay whole, even beside the moments de vie panel.
CASE_SHARES = {"usager": (0.15, 22), "partners": (0.13, 14), "status": (0.1, 24)}
DEMARCHES_FLOOR = 0.22  # below 22 % of the view the list scrolls sideways rather than cut them more


def size_case_columns(view: QAbstractItemView) -> None:
    """Case lists: names and dates whole, démarches elided with a tooltip (« Marie … » was cut
    while « Actif » took the width). Columns added later get their content width too."""
    names = list(getattr(view.model(), "COLUMNS", ()))
    shares = {names.index(n): share for n, share in CASE_SHARES.items() if n in names}
    stretch = names.index("demarches") if "demarches" in names else None
    view.case_columns = ColumnShares(view, shares, stretch=stretch, floor=DEMARCHES_FLOOR)
    view.setItemDelegate(ElidedTipDelegate(view))


class ElidedTipDelegate(QStyledItemDelegate):
    """A cell cut short (« Prestations familiales (PAJE / … ») shows its whole text as a tooltip."""

    def helpEvent(self, event, view, option, index):
        if event.type() == QEvent.ToolTip and index.isValid():
            own = index.data(Qt.ToolTipRole)
            text = index.data(Qt.DisplayRole)
            if not own and isinstance(text, str) and text:
                self.initStyleOption(option, index)
                needed = option.fontMetrics.horizontalAdvance(text) + 16
                if needed > view.visualRect(index).width():
                    QToolTip.showText(event.globalPos(), text, view)
                    return True
        return super().helpEvent(event, view, option, index)


class ColumnShares(QObject):
    """Column widths that keep the important column readable: each column gets its content
    width, but no more than its share of the view for the columns in `shares`; the `stretch`
    column (the first by default) takes the rest. Recomputed when rows arrive and on resize."""

    def __init__(self, view, shares: dict[int, float | tuple[float, int]], stretch: int | None = 0,
                 floor: float = 0.0):
        super().__init__(view)
        self.view, self.shares, self.stretch, self.floor = view, shares, stretch, floor
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.Interactive)
        if stretch is not None:
            header.setSectionResizeMode(stretch, QHeaderView.Stretch)
            header.setMinimumSectionSize(view.fontMetrics().horizontalAdvance("Démarche(s)") + 24)
        view.viewport().installEventFilter(self)
        model = view.model()
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.columnsInserted, model.layoutChanged):
                signal.connect(self.apply)

    def header(self) -> QHeaderView:
        return self.view.header() if hasattr(self.view, "header") else self.view.horizontalHeader()

    def apply(self, *_args) -> None:
        try:
            self._apply()
        except RuntimeError:  # the view is being destroyed (its model clears as it goes)
            pass

    def _apply(self) -> None:
        header, width = self.header(), self.view.viewport().width()
        used = 0
        for col in range(header.count()):
            if col == self.stretch or header.isSectionHidden(col):
                continue
            title = header.sectionSizeHint(col)  # the header's text is never cut
            wanted = max(self.view.sizeHintForColumn(col), title)
            share = self.shares.get(col)
            if isinstance(share, tuple):  # (share, at least this many characters)
                share = max(share[0], share[1] * self.view.fontMetrics().averageCharWidth() / max(width, 1))
            size = max(title, min(wanted, int(width * share))) if share else wanted
            self.view.setColumnWidth(col, size)
            used += size
        if self.stretch is None:
            return
        # the rest, or its floor share when the rest is less (then the list scrolls sideways)
        rest = width - used
        stretch = QHeaderView.Stretch if rest >= width * self.floor else QHeaderView.Interactive
        header.setSectionResizeMode(self.stretch, stretch)
        if stretch == QHeaderView.Interactive:
            self.view.setColumnWidth(self.stretch, int(width * self.floor))

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Resize:
            self.apply()
        return False


class ElidedButton(QPushButton):
    """A button whose label is cut with « … » to the width it is given (its mnemonic prefix kept,
    the whole label in the tooltip), instead of being clipped on both sides: the favourite
    démarches of the form, three to a row."""

    def __init__(self, prefix: str, label: str, parent=None):
        super().__init__(prefix + label, parent)
        self.prefix, self.label = prefix, label
        self.setObjectName("favourite")
        self.setToolTip(label)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self.prefix.replace("&", "") + "…") + 32, hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        room = self.width() - 24 - self.fontMetrics().horizontalAdvance(self.prefix.replace("&", ""))
        self.setText(self.prefix + self.fontMetrics().elidedText(self.label, Qt.ElideRight, max(room, 0)))


class WrapHeight(QObject):
    """A window whose layout wraps (a FlowLayout of buttons, word-wrapped labels) grows to the
    height its width needs when shown or resized: Qt does not apply height-for-width to windows."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QEvent.Show, QEvent.Resize) and obj is self.window:
            layout = self.window.layout()
            layout.activate()
            needed = layout.heightForWidth(self.window.width()) if layout.hasHeightForWidth() else -1
            if needed > self.window.height():
                self.window.resize(self.window.width(), min(needed, available(self.window).height() - FRAME_ALLOWANCE))
        return False
