"""Shared builders for the référents and escalations tests."""

from __future__ import annotations

from datetime import datetime

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.referents import ReferentInput, save_referent


def caf_phone(**kw) -> ReferentInput:
    base = dict(partner_code="CAF", scope="departemental", name="Référente partenariats",
                channel="telephone", contact="01 23 45 67 89", hours="lun.–ven. 9 h–12 h")
    base.update(kw)
    return ReferentInput(**base)


def add_referent(store, actor, **kw):
    with store.write() as s:
        return save_referent(s, actor, None, caf_phone(**kw)).id


def open_case(store, actor, when: datetime | None = None, partner="CAF") -> int:
    with store.write() as s:
        return open_accompaniment(s, actor, AccompanimentInput([ProcedureLine(partner)], occurred_at=when)).id
