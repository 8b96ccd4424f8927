"""The report's raw annex: one row per counted accompaniment, pseudonymised. Supervisors only."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Iterator

from sqlmodel import Session, select

from app.core import activity
from app.core.context import Actor
from app.i18n import _, label
from app.models.month import Month
from app.models.tables import (Accompaniment, AccompanimentProcedure, BusStop, Partner, Procedure,
                               Structure, Usager)

if TYPE_CHECKING:
    from app.reports.monthly import MonthlyReport

RAW_COLUMNS = ("Référence", "Date et heure", "Matricule", "Structure", "Canal", "Arrêt du bus",
               "Partenaires", "Démarches", "Thématique", "Type de réponse", "Autonomie",
               "Finalisation", "Mandat", "Statut", "Relance prévue", "Durée (min)", "Usager")


def pseudonym(usager_uuid: str | None) -> str:
    """Stable within and across reports, meaningless outside the store: no name ever leaves."""
    if not usager_uuid:
        return _("anonyme")
    return "U-" + hashlib.sha256(("guichet-usager:" + usager_uuid).encode()).hexdigest()[:10].upper()


def raw_rows(session: Session, actor: Actor, report: "MonthlyReport") -> Iterator[tuple]:
    """One tuple per counted accompaniment of the month (RAW_COLUMNS order), oldest first.
    Free text (notes, précisions) and agents are left out: they may identify someone.
    Raises PermissionDenied for roles other than supervisors."""
    actor.require("export_raw_report")
    start, end = Month.of(report.month).bounds()
    ids = report.structure_ids
    partners = {p.code: p.short_label for p in session.exec(select(Partner))}
    procedures = dict(session.exec(select(Procedure.code, Procedure.label)).all())
    lines: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    q_lines = (select(AccompanimentProcedure.accompaniment_id, AccompanimentProcedure.partner_code,
                      AccompanimentProcedure.procedure_code)
               .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
               .where(activity.counted(ids, start, end))
               .order_by(AccompanimentProcedure.accompaniment_id, AccompanimentProcedure.position))
    for acc_id, partner, code in session.exec(q_lines):
        lines[acc_id].append((partner, code))
    q = (select(Accompaniment.id, Accompaniment.uuid, Accompaniment.occurred_at, Structure.matricule,
                Structure.name, Accompaniment.canal, BusStop.name, Accompaniment.thematique,
                Accompaniment.response_type, Accompaniment.autonomy, Accompaniment.finalisation,
                Accompaniment.mandate, Accompaniment.status, Accompaniment.follow_up_on,
                Accompaniment.duration_min, Usager.uuid)
         .join(Structure, Structure.id == Accompaniment.structure_id)
         .join(BusStop, BusStop.id == Accompaniment.bus_stop_id, isouter=True)
         .join(Usager, Usager.id == Accompaniment.usager_id, isouter=True)
         .where(activity.counted(ids, start, end))
         .order_by(Accompaniment.occurred_at, Accompaniment.id))
    cache: dict[tuple[str, str | None], str] = {}

    def lab(vocabulary, code):
        key = (vocabulary, code)
        if key not in cache:
            cache[key] = label(vocabulary, code) if code else ""
        return cache[key]

    for (acc_id, uuid, occurred, matricule, sname, canal, stop, them, rtype, auto, fin, mandate,
         status, follow, duration, usager_uuid) in session.exec(q):
        mine = lines.get(acc_id, [])
        yield (uuid[:8].upper(), occurred, matricule, sname, lab("canal", canal), stop or "",
               ", ".join(dict.fromkeys(partners.get(p, p) for p, _c in mine)),
               ", ".join(procedures.get(c, _("Démarche hors catalogue")) if c else _("Démarche hors catalogue") for _p, c in mine),
               lab("thematique", them), lab("response_type", rtype), lab("autonomy", auto),
               lab("finalisation", fin), lab("mandate", mandate), lab("status", status),
               follow, duration, pseudonym(usager_uuid))
