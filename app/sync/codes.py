"""The national lists: besides numbers, the only words a snapshot may carry.

Every string in a snapshot is a code from one of these lists (or a fixed format: matricule, month,
bus-stop code), never a label typed on site — so no name or phone can travel inside an "allowed"
text field. The client maps to these codes (app/sync/snapshot.py) and the stand-in server refuses
anything else (app/sync/server/db.py): both read this one module.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.models.enums import Canal, CorrectionReason, ResponseType

OTHER_PARTNER = "AUTRE"  # a partner added on site, outside the national catalogue
BUS_CANAL = Canal.ITINERANT_BUS.value
# A bus stop is sent as its rank among the structure's stops (arret-01, arret-02…): the stop's
# name is typed on site and could be anything ("chez Mme Martin"); the rank is only a number.
BUS_STOP = re.compile(r"^arret-[0-9]{2,3}$")
CANALS = frozenset(c.value for c in Canal)
RESPONSE_TYPES = frozenset(r.value for r in ResponseType)
CORRECTION_REASONS = frozenset(r.value for r in CorrectionReason)
# Satisfaction counts: top-level integer keys, and per dimension the four integer leaves.
SATISFACTION_TOP = ("responses", "accompaniments", "demarche_aboutie_yes", "demarche_aboutie_no")
SATISFACTION_LEAVES = ("answered", "satisfied", "neutral", "dissatisfied")


@lru_cache(maxsize=1)
def partners() -> frozenset[str]:
    """Partner codes of the bundled national catalogue, plus the catch-all AUTRE."""
    from app.models.catalogue import catalogue

    return frozenset(catalogue().partners) | {OTHER_PARTNER}


@lru_cache(maxsize=1)
def dimensions() -> tuple[str, ...]:
    from app.models.surveys import DIMENSIONS

    return tuple(DIMENSIONS)


def stop_code(rank: int) -> str:
    return f"arret-{rank:02d}"


def partner_code(code: str) -> str:
    return code if code in partners() else OTHER_PARTNER


def satisfaction_counts(tree: dict) -> dict:
    """Keep only the listed keys with integer values (anything else is dropped, not sent)."""
    def integer(value) -> int | None:
        return int(value) if isinstance(value, int) else None

    out = {k: integer(tree.get(k)) for k in SATISFACTION_TOP}
    out = {k: v for k, v in out.items() if v is not None}
    dims = {}
    for name in dimensions():
        leaves = (tree.get("dimensions") or {}).get(name)
        if isinstance(leaves, dict):
            kept = {k: integer(leaves.get(k)) for k in SATISFACTION_LEAVES}
            kept = {k: v for k, v in kept.items() if v is not None}
            if kept:
                dims[name] = kept
    if dims:
        out["dimensions"] = dims
    return out
