"""A realistic, seeded demo store: one fixed France services and one bus over two years.

Why bulk inserts: logging ~15,000 visits through `open_accompaniment` costs ~5 ms each (ORM
round trips), a minute of waiting before the demo opens. So the site, agents and favourites go
through the real services, while visits are generated as the exact column values the services
would write (validated vocabularies, history events, search index through app.store.search_index)
and inserted a month per transaction. tests/test_demo.py checks the two paths agree.

Deterministic: everything comes from one `random.Random(seed)` and the `today` argument (uuids and
audit timestamps included), so the same seed and day give the same store byte for byte in content.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import dataclass
from itertools import accumulate
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from app import config
from app.core import structures
from app.core.cases import set_favourite
from app.core.context import Actor
from app.core.usagers import UsagerInput, _validate as validate_usager
from app.models.catalogue import catalogue
from app.models.enums import Role, StructureKind
from app.models.tables import (Accompaniment, AccompanimentEvent, AccompanimentProcedure, Setting, Usager)
from app.store import search_index

DEMO_SEED = 20261123
DEMO_KEY = config.DEMO_SEED.name  # Setting marking a store as a demo (a real store is never overwritten)
FIXED_MATRICULE, BUS_MATRICULE = "10023", "10024"
PARIS = ZoneInfo("Europe/Paris")

# Share of accompaniments by partner (domain research: ANCT figures, rest spread).
PARTNER_MIX = {"ANTS": 19, "CAF": 16, "CPAM": 16, "DGFIP": 15, "CNAV": 14, "FT": 6, "MSA": 3,
               "POSTE": 2.5, "JUST": 2, "ANAH": 2, "AGIRC": 1, "MAIRIE": 1.5, "DEPT": 1, "CCAS": 1}
# Seasonal pull of a partner, by month (the yearly average is scaled back to PARTNER_MIX).
SEASON = {"DGFIP": {4: 1.6, 5: 2.6, 6: 1.3}, "CAF": {8: 1.3, 9: 1.4}, "FT": {9: 1.4, 1: 1.2},
          "ANTS": {6: 1.3, 7: 1.3}, "CNAV": {12: 0.8}}
VOLUME = {1: 1.0, 2: 1.0, 3: 1.05, 4: 1.1, 5: 1.3, 6: 1.1, 7: 0.85, 8: 0.7, 9: 1.25, 10: 1.05,
          11: 1.0, 12: 0.85}
# Popular démarches weigh more within their partner; the others weigh 1.
POPULAR = {"ANTS-CNI-PREDEMANDE": 6, "ANTS-PASSEPORT-PREDEMANDE": 4, "ANTS-CG-CHANGEMENT-TITULAIRE": 6,
           "ANTS-PERMIS-RENOUVELLEMENT": 3, "ANTS-CG-CESSION": 3, "CAF-PRIME-ACTIVITE": 5, "CAF-DTR": 5,
           "CAF-LOGEMENT": 4, "CAF-CHANGEMENT-SITUATION": 4, "CAF-RSA": 3, "CAF-COMPTE": 3,
           "CPAM-COMPTE-AMELI": 6, "CPAM-C2S": 5, "CPAM-CARTE-VITALE": 4, "CPAM-ATTESTATION-DROITS": 3,
           "DGFIP-DECLARATION-REVENUS": 6, "DGFIP-ESPACE-PARTICULIER": 5, "DGFIP-PAS": 3, "DGFIP-AVIS": 3,
           "CNAV-DEMANDE-RETRAITE": 6, "CNAV-RELEVE-CARRIERE": 4, "CNAV-COMPTE-RETRAITE": 3,
           "CNAV-REVERSION": 2, "FT-ACTUALISATION": 4, "FT-INSCRIPTION": 4, "ANAH-MAPRIMERENOV": 3}
PROC_SEASON = {"DGFIP-DECLARATION-REVENUS": {4: 4, 5: 8, 6: 2}, "CAF-ARS": {8: 8, 9: 4},
               "DGFIP-TAXE-FONCIERE": {9: 4, 10: 4}, "CAF-DTR": {1: 2, 4: 2, 7: 2, 10: 2}}
# Local partners often have no catalogue démarche: a free précision instead.
FREE_DEMARCHES = {"MAIRIE": [("Demande de logement social", "logement"), ("Inscription scolaire", "famille_scolarite")],
                  "CCAS": [("Aide alimentaire – orientation", "social_sante")],
                  "DEPT": [("Transport scolaire", "transports_mobilite")],
                  "POSTE": [("Procuration postale", "courrier")]}
RESPONSES = [("information_orientation", 30), ("accompagnement_numerique", 28),
             ("demarche_realisee_avec_usager", 20), ("demarche_realisee_sous_mandat", 5),
             ("mise_en_relation_partenaire", 9), ("prise_de_rendez_vous", 5), ("reorientation_autre_structure", 3)]
FIXED_CANALS = [("guichet", 84), ("telephone", 11), ("courriel", 3), ("visio", 2)]
NOTES = ["", "", "", "", "", "", "Pièces manquantes : justificatif de domicile", "Rappeler après réponse du partenaire",
         "Dossier transmis au correspondant partenaire", "Revient avec l'avis d'imposition",
         "Photo d'identité à refaire", "Rendez-vous pris en mairie"]
WOMEN = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Monique", "Christine", "Sandrine",
         "Valérie", "Céline", "Julie", "Émilie", "Fatima", "Léa", "Chloé", "Josiane", "Hélène", "Martine", "Aurélie"]
MEN = ["Jean", "Philippe", "Michel", "Alain", "Patrick", "Daniel", "Bernard", "Éric", "Thierry", "Pascal",
       "Nicolas", "Stéphane", "Karim", "Mohamed", "Thomas", "Lucas", "Gérard", "Yves", "René", "Jérôme"]
LAST_NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
              "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
              "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
              "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
              "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément"]
COMMUNES = ["18033", "18197", "18279", "18025", "18205", "18141"]
BUS_STOPS = ["Place de la mairie – Lignières", "Parking de la salle des fêtes – Châteaumeillant",
             "Marché couvert – Sancoins", "Place de l'église – Charenton-du-Cher"]


@dataclass
class _Visit:
    id: int
    site: str  # "fixed" | "bus"
    at: datetime
    agent: Actor
    stop_id: int | None


def _pick(rng: random.Random, pairs):
    return rng.choices([p for p, _ in pairs], cum_weights=list(accumulate(w for _, w in pairs)))[0]


def _holidays(year: int) -> set[date]:
    """French public holidays (fixed ones, plus Easter-based Monday, Ascension, Whit Monday)."""
    a, b, c = year % 19, year // 100, year % 100  # anonymous Gregorian Easter algorithm
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    easter = date(year, (h + l - 7 * m + 90) // 25, (h + l - 7 * m + 33 * ((h + l - 7 * m + 90) // 25) + 19) % 32)
    fixed = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}
    return {date(year, mo, dd) for mo, dd in fixed} | {easter + timedelta(days=n) for n in (1, 39, 50)}


def _workday(day: date) -> date:
    """The day itself, or the Monday after a weekend (agents do not close cases on Sunday)."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def _utc(local: datetime) -> datetime:
    """Naive UTC of a desk-local time, as `utcnow()` would have stamped it then."""
    return local.replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _uuid(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


class _Builder:
    def __init__(self, store, seed: int, today: date):
        self.store, self.seed, self.today = store, seed, today
        self.rng = random.Random(seed)
        cat = catalogue()
        self.partners = cat.partners
        self.procs_by_partner: dict[str, list[str]] = {}
        for code, proc in cat.procedures.items():
            self.procs_by_partner.setdefault(proc.partner, []).append(code)
        self.procedures = cat.procedures
        self._weights: dict[date, tuple[list, list]] = {}
        self._line_weights: dict[tuple[str, int], list[float]] = {}
        self.next_id = {"acc": 1, "line": 1, "event": 1, "usager": 1}
        self.pool: dict[int, list[dict]] = {}  # structure id -> identified usagers (for returns)
        self.usagers: dict[int, dict] = {}
        self.counts = dict(accompaniments=0, usagers=0, follow_ups=0)

    # ----- reference: through the real services
    def setup(self) -> None:
        with self.store.write() as s:
            fixed = structures.create_structure(s, FIXED_MATRICULE, "France services de Saint-Amand-Montrond",
                                                commune="Saint-Amand-Montrond")
            bus = structures.create_structure(s, BUS_MATRICULE, "Bus France services du Boischaut",
                                              StructureKind.BUS, commune="Saint-Amand-Montrond", stops=BUS_STOPS)
            agent = structures.create_agent(s, fixed.id, "camille", "Camille Roux", Role.AGENT)
            sup = structures.create_agent(s, fixed.id, "nadia", "Nadia Benali", Role.SUPERVISEUR)
            admin = structures.create_agent(s, fixed.id, "admin", "Administrateur démo", Role.ADMINISTRATEUR)
            driver = structures.create_agent(s, bus.id, "yann", "Yann Le Gall", Role.AGENT)
            self.stops = [st.id for st in structures.bus_stops(s, bus.id)]
            structures.set_setting(s, structures.CURRENT_STRUCTURE_KEY, str(fixed.id))
            s.add(Setting(key=DEMO_KEY, value=str(self.seed)))
        self.fixed_id, self.bus_id = fixed.id, bus.id
        self.agent = Actor(agent.id, fixed.id, Role.AGENT, agent.display_name)
        self.sup = Actor(sup.id, fixed.id, Role.SUPERVISEUR, sup.display_name)
        self.admin = Actor(admin.id, fixed.id, Role.ADMINISTRATEUR, admin.display_name)
        self.driver = Actor(driver.id, bus.id, Role.AGENT, driver.display_name)
        with self.store.write() as s:
            for actor, codes in ((self.agent, ["ANTS-CNI-PREDEMANDE", "CAF-PRIME-ACTIVITE", "CPAM-COMPTE-AMELI",
                                               "DGFIP-DECLARATION-REVENUS"]),
                                 (self.sup, ["CNAV-DEMANDE-RETRAITE", "CAF-DTR", "ANTS-CG-CHANGEMENT-TITULAIRE"]),
                                 (self.driver, ["CPAM-C2S", "ANTS-CG-CHANGEMENT-TITULAIRE", "MSA-SANTE"])):
                for code in codes:
                    set_favourite(s, actor, code)

    # ----- the calendar
    def visits_of_day(self, day: date, holidays: set[date]) -> list[_Visit]:
        if day.weekday() >= 5 or day in holidays:
            return []
        rng, vol = self.rng, VOLUME[day.month] * (1.15 if day.weekday() == 0 else 1.0)
        slots = []
        for _ in range(round(rng.randint(15, 27) * vol)):
            start = rng.choice([(9, 0, 195), (13, 30, 210)])  # 9:00–12:15, 13:30–17:00
            at = datetime.combine(day, time(start[0], start[1])) + timedelta(minutes=rng.randrange(start[2]))
            slots.append(("fixed", at, self.agent if rng.random() < 0.62 else self.sup, None))
        if day.weekday() >= 1:  # the bus: one stop a day, Tuesday to Friday (Monday: back office)
            stop = self.stops[day.weekday() - 1]
            for _ in range(round(rng.randint(7, 14) * vol)):
                at = datetime.combine(day, time(9, 30)) + timedelta(minutes=rng.randrange(390))
                slots.append(("bus", at, self.driver, stop))
        if day == self.today:  # keep "today" in the morning: no visit later than a plausible now
            slots = [v for v in slots if v[1].hour < 11]
        slots.sort(key=lambda v: v[1])
        return [_Visit(0, *v) for v in slots]

    def _partner(self, day: date) -> str:
        if day not in self._weights:  # computed once a day: the choice itself stays cheap
            weights = {p: w * SEASON.get(p, {}).get(day.month, 1.0) / self._season_mean(p)
                       for p, w in PARTNER_MIX.items() if self.partners[p].is_valid_on(day)}
            self._weights = {day: (list(weights), list(accumulate(weights.values())))}
        codes, weights = self._weights[day]
        return self.rng.choices(codes, cum_weights=weights)[0]

    def _season_mean(self, partner: str) -> float:
        season = SEASON.get(partner, {})
        return sum(VOLUME[m] * season.get(m, 1.0) for m in VOLUME) / sum(VOLUME.values())

    def _line(self, partner: str, month: int) -> tuple[str | None, str]:
        codes = self.procs_by_partner.get(partner, [])
        if partner in FREE_DEMARCHES and (not codes or self.rng.random() < 0.4):
            return None, self.rng.choice(FREE_DEMARCHES[partner])[0]
        key = (partner, month)
        if key not in self._line_weights:
            self._line_weights[key] = list(accumulate(POPULAR.get(c, 1) * PROC_SEASON.get(c, {}).get(month, 1)
                                                      for c in codes))
        return self.rng.choices(codes, cum_weights=self._line_weights[key])[0], ""

    # ----- one visit -> rows
    def visit(self, v: _Visit) -> None:
        rng, day = self.rng, v.at.date()
        partner = self._partner(day)
        lines = [(partner, *self._line(partner, day.month))]
        if rng.random() < 0.06:  # a second démarche in the same visit (e.g. CNAV then Agirc-Arrco)
            other = self._partner(day)
            if other != partner:
                lines.append((other, *self._line(other, day.month)))
        response = _pick(rng, RESPONSES)
        canal = "itinerant_bus" if v.site == "bus" else _pick(rng, FIXED_CANALS)
        mandate = "aucun"
        if response == "demarche_realisee_sous_mandat":  # the only type that needs a mandate
            mandate = "oral_telephone" if canal == "telephone" else _pick(rng, [("papier", 45), ("aidants_connect", 40), ("sms", 15)])
        if response in ("information_orientation", "reorientation_autre_structure", "prise_de_rendez_vous"):
            autonomy = None if rng.random() < 0.6 else _pick(rng, [("plutot_autonome", 6), ("a_participe", 3), ("entierement_accompagne", 1)])
            finalisation = "oriente_vers_structure" if response == "reorientation_autre_structure" else (
                None if rng.random() < 0.5 else "finalisee")
        elif response == "mise_en_relation_partenaire":
            autonomy, finalisation = None, None
        else:
            autonomy = "entierement_accompagne" if mandate != "aucun" else _pick(
                rng, [("entierement_accompagne", 4), ("a_participe", 4), ("plutot_autonome", 2)])
            finalisation = _pick(rng, [("finalisee", 70), ("a_finaliser_en_autonomie", 20), ("doit_revenir", 10)])
        follow_up = None
        if finalisation == "doit_revenir" or (response == "mise_en_relation_partenaire" and rng.random() < 0.4) \
                or rng.random() < 0.015:
            follow_up = day + timedelta(days=rng.choice([2, 3, 7, 7, 10, 14, 14, 21, 30]))
        low, high = {"information_orientation": (5, 15), "reorientation_autre_structure": (5, 10),
                     "prise_de_rendez_vous": (10, 20), "mise_en_relation_partenaire": (10, 25),
                     "demarche_realisee_sous_mandat": (20, 40)}.get(response, (15, 45))
        duration = 5 * round(rng.randint(low, high) * (0.7 if canal == "telephone" else 1) / 5) or 5
        first_proc = lines[0][1]
        thematique = self.procedures[first_proc].thematique if first_proc else \
            next(t for label, t in FREE_DEMARCHES[partner] if label == lines[0][2])
        note = rng.choice(NOTES) if follow_up or rng.random() < 0.1 else ""
        structure_id = v.agent.structure_id
        usager = None
        if follow_up or rng.random() < 0.11:
            usager = self._usager(structure_id, v.at, returning=rng.random() < 0.3)
        self._record(v, dict(
            structure_id=structure_id, agent_id=v.agent.agent_id, usager_id=usager["id"] if usager else None,
            occurred_at=v.at, duration_min=duration, canal=canal, bus_stop_id=v.stop_id, thematique=thematique,
            response_type=response, autonomy=autonomy, finalisation=finalisation, mandate=mandate,
            follow_up_on=follow_up, note=note), lines, usager)

    def _usager(self, structure_id: int, at: datetime, returning: bool) -> dict:
        pool = self.pool.setdefault(structure_id, [])
        if returning and pool:
            usager = self.rng.choice(pool[-400:])  # people come back within months, not years
            usager["last_contact_on"] = at.date()
            return usager
        rng = self.rng
        woman = rng.random() < 0.56
        first, last = rng.choice(WOMEN if woman else MEN), rng.choice(LAST_NAMES)
        phone = f"0199{rng.randrange(1000000):06d}" if rng.random() < 0.7 else ""  # ARCEP fiction range
        email = ""
        if rng.random() < 0.2:
            email = f"{search_index.normalise(first)}.{search_index.normalise(last)}@example.org".replace(" ", "-")
        data = UsagerInput(first_name=first, last_name=last, phone=phone, email=email,
                           age_band=_pick(rng, [("non_communique", 3), ("25_39", 2), ("40_59", 3), ("60_69", 3),
                                                ("70_plus", 3), ("18_24", 1)]),
                           gender=("feminin" if woman else "masculin") if rng.random() < 0.7 else "non_communique",
                           commune_insee=rng.choice(COMMUNES) if rng.random() < 0.5 else "")
        stamp = _utc(at)
        usager = dict(id=self._next("usager"), uuid=_uuid(rng), structure_id=structure_id,
                      **validate_usager(data), last_contact_on=at.date(), created_at=stamp, updated_at=stamp)
        self.usagers[usager["id"]] = usager
        pool.append(usager)
        return usager

    def _next(self, kind: str) -> int:
        value = self.next_id[kind]
        self.next_id[kind] += 1
        return value

    def _record(self, v: _Visit, values: dict, lines: list, usager: dict | None) -> None:
        """Rows and history exactly as open_accompaniment, change_status and close_accompaniment write them."""
        rng, acc_id = self.rng, self._next("acc")
        created = _utc(v.at + timedelta(minutes=values["duration_min"]))
        status = "ouvert" if values["follow_up_on"] else "clos"
        events = [(created, "created", {"status": status})]
        follow_up, finalisation = values["follow_up_on"], values["finalisation"]
        if follow_up:
            self.counts["follow_ups"] += 1
            waiting_on = _workday(v.at.date() + timedelta(days=1))
            if (values["response_type"] == "mise_en_relation_partenaire" or rng.random() < 0.3) and waiting_on < self.today:
                events.append((_utc(datetime.combine(waiting_on, time(9, 15 + rng.randrange(40)))), "status",
                               {"status": [status, "en_attente_partenaire"]}))
                status = "en_attente_partenaire"
            age = (self.today - follow_up).days
            if age > 60 or (0 < age <= 60 and rng.random() < 0.6):
                closed_on = min(_workday(follow_up + timedelta(days=rng.randrange(4))), self.today - timedelta(days=1))
                change = {}
                if finalisation != "finalisee":
                    change["finalisation"] = [finalisation, "finalisee"]
                change["status"] = [status, "clos"]
                at = _utc(datetime.combine(closed_on, time(10, rng.randrange(60))))
                events.append((max(at, events[-1][0]), "status" if len(change) == 1 else "updated", change))
                status, finalisation = "clos", "finalisee"
        elif rng.random() < 0.004:  # entered by mistake, then cancelled: kept, never counted
            events.append((created + timedelta(minutes=2), "status", {"status": ["clos", "annule"]}))
            status = "annule"
        values.update(id=acc_id, uuid=_uuid(rng), status=status, finalisation=finalisation,
                      created_at=created, updated_at=events[-1][0])
        self.batch["acc"].append(values)
        for pos, (partner, proc, precision) in enumerate(lines):
            self.batch["line"].append(dict(id=self._next("line"), accompaniment_id=acc_id, partner_code=partner,
                                           procedure_code=proc, precision=precision, position=pos))
        for at, kind, detail in events:
            self.batch["event"].append(dict(id=self._next("event"), accompaniment_id=acc_id, agent_id=v.agent.agent_id,
                                            at=at, kind=kind, detail=json.dumps(detail, ensure_ascii=False)))
        self.batch["fts"].append((acc_id, self._search_body(values["note"], usager, lines)))
        self.counts["accompaniments"] += 1

    def _search_body(self, note: str, usager: dict | None, lines: list) -> str:
        # Same words, same order as app.core.accompaniments.search_body (checked by tests/test_demo.py).
        parts = [note]
        if usager and not usager["anonymous"]:
            parts += [usager["first_name"] or "", usager["last_name"] or ""]
        for partner, proc, precision in lines:
            p = self.partners[partner]
            parts += [p.short_label, p.former_label or "", precision]
            if proc:
                parts.append(self.procedures[proc].label)
        return " ".join(p for p in parts if p)

    # ----- writing
    def run(self) -> None:
        start = self.today - timedelta(days=730)
        holidays = set().union(*(_holidays(y) for y in range(start.year, self.today.year + 1)))
        months: dict[tuple[int, int], list[_Visit]] = {}
        day = start + timedelta(days=1)
        while day <= self.today:
            months.setdefault((day.year, day.month), []).extend(self.visits_of_day(day, holidays))
            day += timedelta(days=1)
        self.batches = []
        for visits in months.values():
            self.batch = {"acc": [], "line": [], "event": [], "fts": []}
            for v in visits:
                self.visit(v)
            self.batches.append(self.batch)
        # Usagers first (accompaniments point to them), with their final last-contact date.
        with self.store.write() as s:
            rows = list(self.usagers.values())
            if rows:
                s.execute(insert(Usager.__table__), rows)
            search_index.bulk_index_usagers(s, [(u["id"], " ".join(filter(None, [
                u["first_name"], u["last_name"], u["phone"], u["email"]]))) for u in rows])
        self.counts["usagers"] = len(self.usagers)
        for batch in self.batches:  # one transaction per month
            if not batch["acc"]:
                continue
            with self.store.write() as s:
                s.execute(insert(Accompaniment.__table__), batch["acc"])
                s.execute(insert(AccompanimentProcedure.__table__), batch["line"])
                s.execute(insert(AccompanimentEvent.__table__), batch["event"])
                search_index.bulk_index_accompaniments(s, batch["fts"])


def _remove_files(path: Path, main: bool = True) -> None:
    from app.core.erasure_ledger import LEDGER_SUFFIX
    from app.core.journal_guard import PIN_SUFFIX

    # An old demo's journal pin or erasure ledger must not be checked against the new demo.
    for suffix in (("",) if main else ()) + ("-wal", "-shm", "-journal", PIN_SUFFIX, LEDGER_SUFFIX):
        Path(str(path) + suffix).unlink(missing_ok=True)


def build_demo_store(path: Path, seed: int = DEMO_SEED, today: date | None = None) -> Path:
    """Build the demo store at `path` (replacing an older demo). Written to path + '.tmp' then
    renamed, so a half-built demo never opens. Raises StoreError."""
    from app.core.bootstrap import open_app_store
    from app.models.errors import StoreError

    path = Path(path)
    today = today or date.today()
    if today < date(2021, 1, 2):  # two years back must stay after the store's earliest date (2019)
        from app.models.errors import ValidationError

        raise ValidationError("La démonstration doit se terminer après le 1er janvier 2021.", field="date")
    tmp = path.with_name(path.name + ".tmp")
    _remove_files(tmp)
    store = open_app_store(tmp)
    try:
        builder = _Builder(store, seed, today)
        builder.setup()
        builder.run()
        from app.core.demo_extras import add_surveys_and_moments  # answers and moments de vie in progress

        builder.counts.update(add_surveys_and_moments(store, seed, today, {builder.fixed_id: builder.agent,
                                                                           builder.bus_id: builder.driver}))
        problem = store.quick_check()
        if problem != "ok":
            raise StoreError("La base de démonstration est incohérente : {problem}", problem=problem)
        with store.engine.connect() as conn:  # fold the WAL into the file before it is renamed
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        store.close()
        _remove_files(tmp)
        raise
    store.close()
    wal = Path(str(tmp) + "-wal")
    if wal.exists() and wal.stat().st_size:  # another connection kept it open: do not rename half a store
        _remove_files(tmp)
        raise StoreError("La base de démonstration n'a pas pu être finalisée ; réessayez.")
    _remove_files(path, main=False)  # an old demo's WAL must never be replayed onto the new file
    os.replace(tmp, path)
    _remove_files(tmp, main=False)
    return path


def is_demo_store(path: Path) -> bool:
    """True when `path` is a store built by build_demo_store (safe to rebuild)."""
    import sqlite3

    try:
        conn = sqlite3.connect(path)  # read only in practice; a plain connection tidies the WAL files on close
        try:
            return conn.execute("SELECT 1 FROM setting WHERE key = ?", (DEMO_KEY,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False
