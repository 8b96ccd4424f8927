"""Small builders for survey tests: accompaniments through the real service, responses likewise."""

from __future__ import annotations

from datetime import date, datetime

from app.core.accompaniments import AccompanimentInput, ProcedureLine, change_status, open_accompaniment
from app.core.surveys import SurveyInput, record_response

DAY = date(2026, 10, 14)


def visit(store, actor, *, partners=("CAF",), canal="guichet", when=datetime(2026, 10, 14, 10, 30),
          status=None, bus_stop_id=None) -> int:
    with store.write() as s:  # logged as it happens (now=when): the real date plays no part
        acc = open_accompaniment(s, actor, AccompanimentInput(
            procedures=[ProcedureLine(p) for p in partners], canal=canal, occurred_at=when,
            thematique="social_sante", bus_stop_id=bus_stop_id), now=when)
        if status:
            change_status(s, actor, acc.id, status)
        return acc.id


def answer(store, actor, *, day=DAY, canal="guichet", partner="CAF", globale=None, delais=None,
           acces=None, simplicite=None, accueil=None, aboutie=None, comment="", structure_id=None,
           source="ecran"):
    with store.write() as s:
        return record_response(s, actor, SurveyInput(
            satisfaction_globale=globale, delais=delais, facilite_acces=acces, simplicite=simplicite,
            qualite_accueil=accueil, demarche_aboutie=aboutie, comment=comment, answered_on=day,
            canal=canal, partner_code=partner, structure_id=structure_id, source=source),
            today=date(2026, 11, 23))
