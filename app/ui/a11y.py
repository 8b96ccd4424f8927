"""What a screen reader needs from our widgets (AT-SPI on Linux, UIA on Windows; issue 22).

- `announce(widget, text)`: a status or completion message spoken without moving focus
  (QAccessibleAnnouncementEvent, Qt ≥ 6.8; the message also stays readable in a visible label).
- `data_label(label, role)`: a label that shows data exposes its *current text* as its name
  (Qt does that when no fixed accessible name is set, and sends NameChanged on setText); what
  the label is for goes to the description.
- `no_tab_trap(view)`: Tab leaves a table or list in one press, arrows move inside.
- `install_qt_translations(app)`: Qt's own strings (Close, Float, file dialogs…) in French.
- `mnemonic_clashes(window)`: duplicated Alt+letter keys among a window's visible controls
  (tests walk every dialog with it).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, Qt, QTranslator
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QGroupBox, QLabel, QStackedWidget,
                               QTabWidget, QToolBar, QToolButton, QWidget)

from app.i18n import _

log = logging.getLogger(__name__)
_translators: list[QTranslator] = []  # kept alive for the whole process


def announce(widget: QWidget, text: str, assertive: bool = False) -> None:
    """Have the screen reader say `text` now, wherever the focus is."""
    if not text or widget is None:
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    if assertive:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    _update_accessibility(event)


def _update_accessibility(event) -> None:
    """The one place events reach the accessibility bridge (tests listen here). PySide6 6.12.0
    dropped a reference to None on every call returning nothing — Python 3.11 then aborts with
    « none_dealloc »; pyproject excludes that release and tests/ui/test_qt_binding.py guards it."""
    QAccessible.updateAccessibility(event)


def data_label(label: QLabel, role: str = "") -> QLabel:
    """The label's accessible name is whatever it shows; `role` says what it is. (Qt sends
    NameChanged itself on setText for a label without a fixed name.)"""
    label.setAccessibleName("")
    if role:
        label.setAccessibleDescription(role)
    return label


def mark_invalid(field: QWidget, error: QLabel, message: str) -> None:
    """The field is in error: description « Erreur : … » (its hint is kept aside), the error
    label becomes one of its labels (AT-SPI labelled-by: read with the field; Qt relates
    *sibling* buddy labels only) and its `invalid` property is set for the style sheet. Qt's
    AT-SPI bridge maps no invalid-entry state, hence the description and the relation."""
    if field.property("a11y_hint") is None:
        field.setProperty("a11y_hint", field.accessibleDescription())
    field.setAccessibleDescription(_("Erreur : ") + message)
    field.setProperty("invalid", True)
    _restyle(field)
    if error.parentWidget() is field.parentWidget():
        error.setBuddy(field)


def clear_invalid(field: QWidget, error: QLabel | None = None) -> None:
    """Back to normal: the hint the field had before the error is its description again."""
    hint = field.property("a11y_hint")
    field.setAccessibleDescription(hint or "")
    field.setProperty("a11y_hint", None)
    if field.property("invalid"):
        field.setProperty("invalid", False)
        _restyle(field)
    if error is not None and error.buddy() is field:
        error.setBuddy(None)


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def no_tab_trap(view: QAbstractItemView) -> QAbstractItemView:
    view.setTabKeyNavigation(False)
    return view


def install_qt_translations(app: QApplication, lang: str = "fr") -> bool:
    """Load qtbase_<lang>.qm (shipped with PySide6, bundled by packaging/guichet.spec). True if loaded."""
    if lang == "en":
        return False  # Qt's own strings are English already
    import PySide6

    translator = QTranslator(app)
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
               str(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")]  # a bundle's layout
    if not any(translator.load(QLocale(lang), "qtbase", "_", folder) for folder in folders):
        log.warning("Qt translations for %s not found in %s", lang, folders)
        return False
    app.installTranslator(translator)
    _translators.append(translator)
    return True


# -- mnemonics -----------------------------------------------------------------------
_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic_of(text: str) -> str | None:
    match = _MNEMONIC.search((text or "").replace("&&", ""))
    return match.group(1).lower() if match else None


def _shown(widget: QWidget, window: QWidget) -> bool:
    """Shown, or on a tab page not in front: a dialog's keys must be unique across its tabs
    too (the agent learns one set per dialog). Explicitly hidden widgets do not count."""
    if widget.window() is not window:
        return False
    w = widget
    while w is not None and w is not window:
        if w.isHidden() and not isinstance(w.parentWidget(), QStackedWidget):
            return False
        w = w.parentWidget()
    return True


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter → the texts that claim it, over the window's buttons, buddy labels, group
    boxes and tab titles (the same tab page counts once)."""
    found: dict[str, list[str]] = {}

    def add(text: str) -> None:
        key = mnemonic_of(text)
        if key:
            found.setdefault(key, []).append(text.replace("&", ""))

    for w in window.findChildren(QWidget):
        if not _shown(w, window):
            continue
        if isinstance(w, QAbstractButton) and not isinstance(w, QToolButton):
            add(w.text())
        elif isinstance(w, QLabel) and w.buddy() is not None:
            add(w.text())
        elif isinstance(w, QGroupBox) and w.isCheckable():
            add(w.title())
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                add(w.tabText(i))
    return found


def mnemonic_clashes(window: QWidget) -> dict[str, list[str]]:
    return {k: v for k, v in mnemonics(window).items() if len(v) > 1}


# -- the main window's messages --------------------------------------------------------
class StatusAnnouncer:
    """Status-bar messages (« Accompagnement enregistré. », « Sélectionnez d'abord… ») are
    announced, and the last one stays readable in a label once the timed message is gone
    (the timed text itself is painted by QStatusBar and exposed to no one). Search answers
    announce their count."""

    def __init__(self, window):
        self.window = window
        self.last = QLabel()
        self.last.setObjectName("lastMessage")
        data_label(self.last, _("Dernier message"))
        bar = window.statusBar()
        bar.insertWidget(0, self.last)
        bar.messageChanged.connect(self._message)
        self._searched: str | None = None

    def _message(self, text: str) -> None:
        if not text:
            return  # the timed message ended: the label keeps it
        self.last.setText(text)
        self.last.setToolTip(text)
        announce(self.last, text)

    def cases_loaded(self, model) -> None:
        """The case list shows an answer: say its count if it answers a new search."""
        if model.case_filter is not None:
            self.search_answered(model.case_filter.text or "", model.rowCount(), model.canFetchMore())

    def search_answered(self, text: str, count: int, more: bool) -> None:
        from app.i18n import format_number, ngettext

        if not text.strip() or text == self._searched:
            self._searched = text if text.strip() else None
            return  # a refresh of the same search says nothing new
        self._searched = text
        if more:
            message = _("Plus de {n} accompagnements trouvés.").format(n=format_number(count))
        else:
            message = ngettext("{n} accompagnement trouvé.", "{n} accompagnements trouvés.", count).format(
                n=format_number(count))
        self.window.search_edit.setAccessibleDescription(message)
        announce(self.window.search_edit, message)


def install_announcer(window) -> StatusAnnouncer:
    """On the main window once its lists exist (again after a re-attach: new models)."""
    announcer = getattr(window, "announcer", None) or StatusAnnouncer(window)
    window.announcer = announcer
    name_inner_controls(window)
    window.case_model.loaded.connect(lambda: announcer.cases_loaded(window.case_model))
    return announcer


def name_inner_controls(window) -> None:
    """Controls Qt adds on its own get a name: the search field's clear button, the toolbar's
    overflow button (an unnamed « check box » to a screen reader otherwise)."""
    for button in window.search_edit.findChildren(QToolButton):
        button.setAccessibleName(_("Effacer la recherche"))
    for toolbar in window.findChildren(QToolBar):
        extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        if extension is not None:
            extension.setAccessibleName(_("Autres boutons de la barre d'outils"))


class _GridEscape(QObject):
    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Tab, Qt.Key_Backtab) \
                and event.modifiers() & Qt.ControlModifier:
            view = obj if isinstance(obj, QAbstractItemView) else obj.parentWidget()
            backwards = event.key() == Qt.Key_Backtab or bool(event.modifiers() & Qt.ShiftModifier)
            target = view.previousInFocusChain() if backwards else view.nextInFocusChain()
            while target is not None and target is not view and (
                    target.focusPolicy() & Qt.TabFocus != Qt.TabFocus or not target.isVisible()
                    or not target.isEnabled() or view.isAncestorOf(target)):
                target = target.previousInFocusChain() if backwards else target.nextInFocusChain()
            if target is not None and target is not view:
                target.setFocus(Qt.BacktabFocusReason if backwards else Qt.TabFocusReason)
                return True
        return False


def grid_escape(view: QAbstractItemView) -> None:
    """Entry grids (paper surveys) keep Tab for the next cell, as on paper; Ctrl+Tab and
    Ctrl+Shift+Tab leave them (the help text says so)."""
    escape = _GridEscape(view)
    view.installEventFilter(escape)
    view.viewport().installEventFilter(escape)


def refocus(widget: QWidget) -> None:
    """Focus back on `widget` *and* tell assistive technology: a completer popup closing leaves
    Qt's focus where it was, so no focus event would say we are back in the field. Clearing the
    focus first makes Qt send one."""
    widget.clearFocus()
    widget.setFocus(Qt.OtherFocusReason)


class DataLabel(QLabel):
    """A label that shows data or status, named by its text (no fixed name). While it is empty it
    takes no focus: an empty, focusable label is an unnamed object to a screen reader. (Hiding it
    instead would move the layout around.)"""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._policy = self.focusPolicy()
        self._follow()

    def setTextInteractionFlags(self, flags) -> None:  # noqa: N802 (Qt's name)
        super().setTextInteractionFlags(flags)  # sets the focus policy the flags need
        self._policy = self.focusPolicy()
        self._follow()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._follow()

    def clear(self) -> None:
        self.setText("")

    def _follow(self) -> None:
        self.setFocusPolicy(self._policy if self.text() else Qt.NoFocus)
