"""Lazy table model over the case list: pages come from app.core.cases.list_cases through
canFetchMore/fetchMore, so the view never loads all rows (a million-row store opens instantly).

Every page is read off the UI thread (`query_op` through the Desk). A reload bumps a generation
number: an answer for an older reload (the agent kept typing, another agent took the desk)
is dropped. `loaded` is emitted when the rows on screen match the current filter."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from app.i18n import _, format_date, format_datetime, label
from app.ui.workers import query_op, show_failure

PAGE = 100


def _waiting_statuses() -> tuple:
    """Statuses whose follow-up can be overdue. Imported when rows arrive, not with the module:
    the main window paints before the ORM (app.models) is loaded."""
    from app.models.enums import CaseStatus

    return CaseStatus.OUVERT, CaseStatus.EN_ATTENTE_PARTENAIRE


class CaseTableModel(QAbstractTableModel):
    COLUMNS = ("occurred_at", "usager", "partners", "demarches", "status", "follow_up_on", "agent")
    loaded = Signal()

    def __init__(self, desk, case_filter=None, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.case_filter = case_filter
        self.rows: list = []
        self._cursor = None
        self._exhausted = True
        self._loading = False
        self._generation = 0
        self._today = date.today()
        self._waiting: tuple = ()
        self.extra_columns: list[tuple[str, callable]] = []  # (header, fn(session, ids) -> {id: text})
        self._extra: dict[int, list[str]] = {}
        # What to do with a failed page (the main window shows one message per refresh for all its lists).
        self.on_failure = self._show_failure

    def headers(self) -> list[str]:
        return [_("Date"), _("Usager"), _("Partenaire(s)"), _("Démarche(s)"), _("Statut"), _("Relance"),
                _("Agent")] + [h for h, _fn in self.extra_columns]

    # -- loading ---------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._loading

    def clear(self) -> None:
        """Empty the list at once (another agent takes the desk); answers still on their way are dropped."""
        self._generation += 1
        self._loading = False
        self.beginResetModel()
        self.rows, self._cursor, self._exhausted, self._extra = [], None, True, {}
        self.endResetModel()

    def reload(self, case_filter=None) -> None:
        """Read the first page again, in the background; the rows on screen stay until it arrives."""
        if case_filter is not None:
            self.case_filter = case_filter
        self._generation += 1
        self._loading = True
        self._today = date.today()
        self._query(None, reset=True)

    def _query(self, after, reset: bool) -> None:
        from app.core.counter import list_page

        generation = self._generation
        query_op(self, self.desk, list_page, self.case_filter, after, PAGE, [fn for _h, fn in self.extra_columns],
                 on_done=lambda answer: self._arrived(generation, answer, reset),
                 on_error=lambda exc: self._failed(generation, exc))

    def _arrived(self, generation: int, answer, reset: bool) -> None:
        if generation != self._generation:
            return  # stale: a newer reload (or a clear) came after this query
        page, cursor, extra = answer
        self._loading = False
        self._waiting = self._waiting or _waiting_statuses()
        if reset:
            self.beginResetModel()
            self.rows, self._extra = list(page), dict(extra)
            self._cursor, self._exhausted = cursor, cursor is None
            self.endResetModel()
        else:
            self._cursor, self._exhausted = cursor, cursor is None
            self._extra.update(extra)
            if page:
                start = len(self.rows)
                self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
                self.rows.extend(page)
                self.endInsertRows()
        self.loaded.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return  # an older query: the newer one will answer (or fail) for itself
        self._loading = False
        self.on_failure(exc)

    def _show_failure(self, exc: BaseException) -> None:
        parent = self.parent()
        show_failure(parent if parent is not None and parent.isWidgetType() else None, exc)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        self._query(self._cursor, reset=False)

    # -- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS) + len(self.extra_columns)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers()[section]
        return None

    def row_at(self, row: int):
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        overdue = bool(r.follow_up_on and r.follow_up_on < self._today and r.status in self._waiting)
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            if col >= len(self.COLUMNS):
                extra = self._extra.get(r.id, [])
                i = col - len(self.COLUMNS)
                return extra[i] if i < len(extra) else ""
            name = self.COLUMNS[col]
            if name == "occurred_at":
                return format_datetime(r.occurred_at)
            if name == "status":
                return label("status", r.status)
            if name == "follow_up_on":
                if not r.follow_up_on:
                    return ""
                # Overdue is said in words, not only in colour.
                text = format_date(r.follow_up_on)
                return f"⚠ {text} ({_('en retard')})" if overdue else text
            return getattr(r, name)
        if role == Qt.ToolTipRole and col == 3:
            return r.demarches
        if role == Qt.ForegroundRole and overdue and col == self.COLUMNS.index("follow_up_on"):
            from PySide6.QtGui import QColor

            return QColor("#b3261e")
        if role == Qt.UserRole:
            return r.id
        return None
