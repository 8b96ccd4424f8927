"""Lazy table model over the case list: pages come from app.core.cases.list_cases through
canFetchMore/fetchMore, so the view never loads all rows (a million-row store opens instantly)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.i18n import _, format_date, format_datetime, label

PAGE = 100


class CaseTableModel(QAbstractTableModel):
    COLUMNS = ("occurred_at", "usager", "partners", "demarches", "status", "follow_up_on", "agent")

    def __init__(self, store, actor, case_filter=None, parent=None):
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.case_filter = case_filter
        self.rows: list = []
        self._cursor = None
        self._exhausted = True
        self._today = date.today()
        self.extra_columns: list[tuple[str, callable]] = []  # (header, fn(session, ids) -> {id: text})
        self._extra: dict[int, list[str]] = {}

    def headers(self) -> list[str]:
        return [_("Date"), _("Usager"), _("Partenaire(s)"), _("Démarche(s)"), _("Statut"), _("Relance"),
                _("Agent")] + [h for h, _fn in self.extra_columns]

    # -- loading ---------------------------------------------------------------------
    def reload(self, case_filter=None) -> None:
        if case_filter is not None:
            self.case_filter = case_filter
        self.beginResetModel()
        self.rows, self._cursor, self._exhausted, self._extra = [], None, False, {}
        self._today = date.today()
        self._load_page()
        self.endResetModel()

    def _fetch(self) -> list:
        """Next page from the store; updates the cursor and the extra columns' cache."""
        from app.core.cases import CaseFilter, list_cases

        with self.store.read() as session:
            page, cursor = list_cases(session, self.actor, self.case_filter or CaseFilter(),
                                      after=self._cursor, limit=PAGE)
            for _header, fn in self.extra_columns:
                values = fn(session, [r.id for r in page])
                for r in page:
                    self._extra.setdefault(r.id, []).append(values.get(r.id, ""))
        self._cursor = cursor
        self._exhausted = cursor is None
        return page

    def _load_page(self) -> None:
        self.rows.extend(self._fetch())

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or self._exhausted:
            return
        start = len(self.rows)
        page = self._fetch()
        if page:
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()

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
        overdue = bool(r.follow_up_on and r.follow_up_on < self._today and r.status in ("ouvert", "en_attente_partenaire"))
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
