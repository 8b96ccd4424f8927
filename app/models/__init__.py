"""Domain model: SQLModel tables, enumerations and catalogue loading. Imports nothing from app.ui."""

from app.models.tables import (  # noqa: F401
    Accompaniment,
    AccompanimentEvent,
    AccompanimentProcedure,
    Agent,
    BusStop,
    FavouriteProcedure,
    Partner,
    Procedure,
    Setting,
    Structure,
    Usager,
)
from app.models.surveys import SurveyResponse  # noqa: F401,E402
from app.models.sync import SyncJournal, SyncMonth  # noqa: F401,E402
from app.models.security import JournalAnchor, JournalEntry, LoginAttempt  # noqa: F401,E402
from app.models.checklists import CaseMoment, CaseStep, ChecklistCatalogueImport  # noqa: F401,E402
from app.models.sync_status import SyncMonthStatus  # noqa: F401,E402
from app.models.followups import CallAttempt  # noqa: F401,E402
