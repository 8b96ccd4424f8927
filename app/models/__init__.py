"""Domain model: SQLModel tables, enumerations and catalogue loading. Imports nothing from app.ui.

The package is lazy (PEP 562): importing `app.models.catalogue`, `enums`, `errors` or `month` does
not import SQLAlchemy, SQLModel and every table (~0.4 s at start-up; `app.i18n.label()` needs only
the catalogue). `from app.models import Accompaniment` still works and imports its module then.
Code that walks `SQLModel.metadata` (migrations, erasure, the store) calls `load_all()` first so
that every table is registered; `app.store.engine` does it at import, so any open store has them.
"""

from __future__ import annotations

_EXPORTS = {
    **{name: "tables" for name in ("Accompaniment", "AccompanimentEvent", "AccompanimentProcedure", "Agent",
                                   "BusStop", "FavouriteProcedure", "Partner", "Procedure", "Setting",
                                   "Structure", "Usager")},
    "SurveyResponse": "surveys",
    "SyncJournal": "sync", "SyncMonth": "sync",
    "JournalAnchor": "security", "JournalEntry": "security", "LoginAttempt": "security",
    "CaseMoment": "checklists", "CaseStep": "checklists", "ChecklistCatalogueImport": "checklists",
    "SyncMonthStatus": "sync_status",
    "AccompanimentFiche": "fiches", "FicheNote": "fiches",
    "Escalation": "referents", "Referent": "referents",
    "CallAttempt": "followups",
}


def load_all() -> dict:
    """Import every module that declares tables (registers each table on SQLModel.metadata), in an
    order where foreign keys find their targets. Returns them by name. Cheap once done."""
    # Plain imports, not importlib: PyInstaller and tests/test_import_graph.py must see them.
    from app.models import tables  # noqa: I001
    from app.models import surveys, sync, security, checklists, sync_status, fiches, referents, followups

    return dict(tables=tables, surveys=surveys, sync=sync, security=security, checklists=checklists,
                sync_status=sync_status, fiches=fiches, referents=referents,
                followups=followups)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(load_all()[module], name)


__all__ = sorted(_EXPORTS)
