"""Search by keyboard: ↓ from the search field into the results, a result count, a per-usager view.

- ↓ in the search field does what Entrée does there: moves to the results with the first row
  selected (in the « Par usager » tab when that is the one shown), so ↓ ↓ Entrée opens a case.
- A count next to the field: « 3 accompagnements · 2 usagers » (« plus de 500 » past the cap of
  app/core/search_groups.py), read off the UI thread after each search, cleared with the text.
- The « Par usager » tab: each usager found, with the number of their cases, their cases under
  them (date, démarches, statut). Entrée on a case opens it; on a usager it unfolds them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeWidget, QTreeWidgetItem

from app.i18n import _, format_datetime, format_number, label
from app.ui.a11y import data_label
from app.ui.workers import run_op

CASE_ROLE = Qt.UserRole


class UsagerResults(QTreeWidget):
    """The « Par usager » view of the last search."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName(_("Résultats de la recherche, par usager"))
        self.setColumnCount(3)
        self.setHeaderLabels([_("Usager / date"), _("Démarche(s)"), _("Statut")])
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setUniformRowHeights(True)
        self.setColumnWidth(0, 260)
        self.setColumnWidth(1, 420)
        self.show_hint(_("Tapez un nom, une démarche ou une note dans la recherche (Ctrl+F)."))

    def show_hint(self, text: str) -> None:
        self.clear()
        item = QTreeWidgetItem([text])
        item.setFlags(Qt.ItemIsEnabled)
        self.addTopLevelItem(item)

    def show_overview(self, overview) -> None:
        self.clear()
        if not overview.groups:
            self.show_hint(_("Aucun résultat pour « {text} ».").format(text=overview.text))
            return
        for group in overview.groups:
            name = group.name or _("Visites anonymes")
            n = len(group.cases)
            top = QTreeWidgetItem([_("{name} — {n} accompagnement(s)").format(name=name, n=format_number(n))])
            top.setData(0, Qt.AccessibleTextRole, top.text(0))
            for row in group.cases:
                child = QTreeWidgetItem([format_datetime(row.occurred_at), row.demarches or row.partners,
                                         label("status", row.status)])
                child.setData(0, CASE_ROLE, row.id)
                child.setToolTip(1, row.demarches or row.partners)
                top.addChild(child)
            self.addTopLevelItem(top)
            top.setExpanded(len(overview.groups) <= 5)  # a few usagers: their cases at once

    def select_first(self) -> None:
        first = self.topLevelItem(0)
        if first is None:
            return
        if first.childCount():
            first.setExpanded(True)
            self.setCurrentItem(first.child(0))
        else:
            self.setCurrentItem(first)

    def current_case_id(self) -> int | None:
        item = self.currentItem()
        return item.data(0, CASE_ROLE) if item is not None else None


class SearchKeys(QObject):
    """↓ in the search field: into the results (same as Entrée there)."""

    def __init__(self, window, results: UsagerResults):
        super().__init__(window)
        self.window, self.results = window, results
        window.search_edit.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Down and not event.modifiers():
            enter_results(self.window, self.results)
            return True
        return False


def enter_results(window, results: UsagerResults) -> None:
    if window.tabs.currentWidget() is results:
        results.setFocus()
        results.select_first()
    else:
        window._search_enter()


class SearchCount:
    """The count next to the search field, and the « Par usager » tab, after each search."""

    def __init__(self, window, results: UsagerResults):
        self.window, self.results = window, results
        self.label = QLabel()
        self.label.setObjectName("searchCount")
        data_label(self.label, _("Nombre de résultats"))  # exposes the count it shows (issue 22)
        # no reserved width: empty while nothing is searched, so the toolbar keeps its text at 1366 px
        window.toolbar.insertWidget(window.act_followups, self.label)
        self.generation = 0
        self.last = None
        window.case_model.loaded.connect(self.update)
        window.actor_changed.connect(lambda _a: self.update())

    def update(self) -> None:
        from app.core.search_groups import search_overview

        text = self.window.search_edit.text().strip()
        self.generation += 1
        if not text:
            self.last = None
            self.label.clear()
            self.results.show_hint(_("Tapez un nom, une démarche ou une note dans la recherche (Ctrl+F)."))
            return
        generation, desk = self.generation, self.window.desk
        structure_id = self.window.actor.structure_id
        run_op(self.label, lambda _p: desk.query(search_overview, text, structure_id),
               on_done=lambda overview: self._show(generation, overview),
               on_error=lambda exc: self._show(generation, None))

    def _show(self, generation: int, overview) -> None:
        if generation != self.generation:
            return  # the agent typed on: a newer answer is coming
        self.last = overview
        if overview is None:
            self.label.clear()
            return
        cases = (_("plus de {n} accompagnements").format(n=format_number(overview.count)) if overview.capped
                 else _("{n} accompagnement(s)").format(n=format_number(overview.count)))
        self.label.setText(_("{cases} · {usagers} usager(s)").format(cases=cases,
                                                                     usagers=format_number(overview.usagers)))
        self.label.setToolTip(self.label.text())
        self.results.show_overview(overview)


def install(window) -> None:
    results = UsagerResults()
    window.tabs.addTab(results, _("Par usager"))
    window.usager_results = results
    window.search_count = SearchCount(window, results)
    window.search_keys = SearchKeys(window, results)
    results.itemActivated.connect(lambda item, _col: _activate(window, results, item))


def _activate(window, results: UsagerResults, item) -> None:
    if item.data(0, CASE_ROLE) is None:
        item.setExpanded(not item.isExpanded())
        return
    window.open_selected()
