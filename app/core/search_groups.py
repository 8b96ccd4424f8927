"""Search results seen per usager: how many cases a search finds, and those cases grouped under
the usager they concern, so « dubois » shows Mme Dubois once with her three cases rather than
three loose rows.

The count stops at `CAP` (« plus de 500 ») because a two-letter search can match most of a large
store and counting every match would cost more than the agent needs to know. The groups are built
from the same first `CAP` matches, newest first, through the scoped list use case, so a usager of
another structure never appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.core.cases import CaseFilter, CaseRow, list_cases
from app.core.context import Actor
from app.models.tables import Accompaniment

CAP = 500


@dataclass
class UsagerGroup:
    usager_id: int | None  # None: the anonymous visits, one group
    name: str
    cases: list[CaseRow] = field(default_factory=list)


@dataclass
class SearchOverview:
    text: str
    count: int  # cases found, at most CAP
    capped: bool  # more than CAP cases match
    groups: list[UsagerGroup] = field(default_factory=list)

    @property
    def usagers(self) -> int:
        return sum(1 for g in self.groups if g.usager_id is not None)


def search_overview(session: Session, actor: Actor, text: str, structure_id: int | None = None) -> SearchOverview:
    """Cases matching `text` (at most CAP), grouped by usager: identified usagers first, by
    their latest case, then the anonymous visits. Raises PermissionDenied like `list_cases`."""
    rows, _cursor = list_cases(session, actor, CaseFilter(text=text, structure_id=structure_id), limit=CAP + 1)
    capped = len(rows) > CAP
    rows = rows[:CAP]
    ids = [r.id for r in rows]
    owner = dict(session.exec(select(Accompaniment.id, Accompaniment.usager_id)
                              .where(Accompaniment.id.in_(ids))).all()) if ids else {}
    groups: dict[int | None, UsagerGroup] = {}
    for row in rows:  # newest first: the group order is that of each usager's latest case
        usager_id = owner.get(row.id)
        group = groups.get(usager_id)
        if group is None:
            group = groups[usager_id] = UsagerGroup(usager_id, row.usager if usager_id else "")
        group.cases.append(row)
    anonymous = groups.pop(None, None)
    ordered = list(groups.values()) + ([anonymous] if anonymous else [])
    return SearchOverview(text, len(rows), capped, ordered)
