"""Who is acting: every use case that reads personal data or writes receives an Actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.enums import Role
from app.models.errors import NotFound, PermissionDenied

# Use case -> roles allowed. The service layer checks this whatever the UI shows.
PERMISSIONS: dict[str, frozenset[Role]] = {}

_ALL = frozenset(Role)
_SUPERVISION = frozenset({Role.SUPERVISEUR, Role.ADMINISTRATEUR})
_ADMIN = frozenset({Role.ADMINISTRATEUR})


def permission(use_case: str, roles: frozenset[Role]) -> None:
    PERMISSIONS[use_case] = roles


for _name in ("open_accompaniment", "update_accompaniment", "change_status", "read_cases",
              "search", "manage_favourites", "manage_usager"):
    permission(_name, _ALL)
permission("setup_structure", _ADMIN)
permission("record_survey", _ALL)  # surveys: anonymous, aggregates only
permission("read_survey_indicators", _ALL)
permission("manage_agents", _ADMIN)
permission("read_journal", _SUPERVISION)  # security: journal, retention, rights (issue 3)
permission("export_journal", _SUPERVISION)
permission("purge", _SUPERVISION)  # retention run and journal purge
permission("export_usager_data", _SUPERVISION)  # RGPD right of access, one usager
permission("erase_usager", _SUPERVISION)  # RGPD erasure, one usager
permission("configure_security", _ADMIN)  # retention months, auto-lock minutes
permission("backup_now", _ALL)  # backups (issue 3): encrypted copies of the whole store
permission("list_backups", _ALL)
permission("restore_backup", _SUPERVISION)
permission("sync_send", _ALL)  # sync: aggregates only, any agent may trigger it
permission("sync_close_month", _SUPERVISION)
permission("read_sync_journal", _SUPERVISION)
permission("configure_sync", _SUPERVISION)
permission("monthly_report", _ALL)  # reports: aggregates only, no personal data
permission("export_raw_report", _SUPERVISION)  # the one-row-per-accompaniment annex
permission("manage_checklists", _ALL)  # moments de vie in a case (issue 4)
permission("import_checklist_catalogue", _SUPERVISION)
permission("import_fiches", _SUPERVISION)  # the « Vos droits et démarches » base (issue 19)
permission("read_referents", _ALL)  # partner référents and escalations (issue 20)
permission("manage_referents", _ALL)  # agents keep the directory up to date, as on paper today
permission("import_referents", _SUPERVISION)  # a whole file replaces many lines at once
permission("referent_rights", _SUPERVISION)  # a référent's right of access (export with journal lines)
permission("escalate", _ALL)
permission("read_escalation_delays", _SUPERVISION)


@dataclass(frozen=True)
class Actor:
    """An agent as the core sees them for one operation.

    `structure_ids` is the actor's **scope**: the structures whose records they may read and
    write. An agent sees their own structure; a supervisor or administrator sees every structure
    of the store (the site and its bus). Left empty, it is the agent's own structure. The `Desk`
    (app/core/desk.py) builds a fresh Actor from the agent's row at every operation, so a role
    or scope given by hand is never trusted there."""

    agent_id: int
    structure_id: int
    role: Role = Role.AGENT
    display_name: str = ""
    structure_ids: frozenset[int] = field(default=frozenset())

    def __post_init__(self):
        if not self.structure_ids:
            object.__setattr__(self, "structure_ids", frozenset({self.structure_id}))

    def sees(self, structure_id: int | None) -> bool:
        return structure_id in self.structure_ids

    def require_scope(self, structure_id: int | None, what: str = "Enregistrement") -> None:
        """A record of another structure is answered as if it did not exist (no existence leak)."""
        if not self.sees(structure_id):
            # Whole sentences, so that each has its translation (« Usager » alone would stay French).
            message = "Usager introuvable." if what == "Usager" else "Enregistrement introuvable."
            raise NotFound(message)

    def can(self, use_case: str) -> bool:
        return self.role in PERMISSIONS.get(use_case, frozenset())

    def require(self, use_case: str) -> None:
        if use_case not in PERMISSIONS:
            raise KeyError(f"use case {use_case!r} has no permission entry")  # programming error
        if not self.can(use_case):
            raise PermissionDenied("Votre rôle ne permet pas cette action.")
