"""Reference data in the store and the démarche typeahead.

The bundled CSV catalogue is the source of truth for national partners and démarches; at each
open it is upserted into the partner/procedure tables (so foreign keys hold and reports can join),
without ever deleting a row that existing accompaniments point to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.models.catalogue import Catalogue, catalogue as bundled_catalogue
from app.models.tables import Partner, Procedure
from app.store.search_index import normalise


def sync_reference_data(session: Session, cat: Catalogue | None = None) -> int:
    """Upsert partners and procedures from the catalogue; returns rows changed."""
    cat = cat or bundled_catalogue()
    changed = 0
    existing_partners = {p.code: p for p in session.exec(select(Partner))}
    for code, d in cat.partners.items():
        values = dict(label=d.label, short_label=d.short_label, scope=d.scope, valid_from=d.valid_from,
                      valid_to=d.valid_to, former_label=d.former_label, renamed_on=d.renamed_on,
                      website=d.website, phone=d.phone)
        row = existing_partners.get(code)
        if row is None:
            session.add(Partner(code=code, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
            changed += 1
    session.flush()
    existing_procs = {p.code: p for p in session.exec(select(Procedure))}
    for code, d in cat.procedures.items():
        values = dict(partner_code=d.partner, label=d.label, thematique=d.thematique,
                      keywords=d.keywords, active=True)
        row = existing_procs.get(code)
        if row is None:
            session.add(Procedure(code=code, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
            changed += 1
    # A démarche dropped from the catalogue stays for history but is no longer offered.
    for code, row in existing_procs.items():
        if code not in cat.procedures and row.active and "-LOCAL-" not in code:
            row.active = False
            session.add(row)
            changed += 1
    return changed


@dataclass(frozen=True)
class ProcedureChoice:
    code: str
    partner_code: str
    label: str
    partner_label: str
    thematique: str

    @property
    def display(self) -> str:
        return f"{self.label} — {self.partner_label}"


class ProcedureMatcher:
    """Typeahead over démarches: every typed word must prefix a word of the label, keywords,
    partner name or former name ("carte gr" -> carte grise; "pole emp" -> France Travail)."""

    def __init__(self, choices: list[ProcedureChoice], extra_words: dict[str, str] | None = None):
        self.choices = choices
        self._words: list[tuple[ProcedureChoice, list[str]]] = []
        extra_words = extra_words or {}
        for c in choices:
            text = " ".join([c.label, c.partner_label, c.partner_code, extra_words.get(c.code, "")])
            self._words.append((c, normalise(text).replace("'", " ").split()))

    @classmethod
    def from_catalogue(cls, cat: Catalogue | None = None) -> "ProcedureMatcher":
        cat = cat or bundled_catalogue()
        choices, extra = [], {}
        for p in cat.procedures.values():
            partner = cat.partners[p.partner]
            choices.append(ProcedureChoice(p.code, p.partner, p.label, partner.short_label, p.thematique))
            extra[p.code] = " ".join(filter(None, [p.keywords, partner.former_label or "", partner.label]))
        return cls(choices, extra)

    def match(self, query: str, limit: int = 12, boost: dict[str, int] | None = None) -> list[ProcedureChoice]:
        typed = normalise(query).replace("'", " ").split()
        if not typed:
            return []
        boost = boost or {}
        hits = []
        for order, (choice, words) in enumerate(self._words):
            if all(any(w.startswith(t) for w in words) for t in typed):
                # label-prefix hits first, then the agent's frequent démarches, then catalogue order
                starts = normalise(choice.label).startswith(typed[0])
                hits.append((not starts, -boost.get(choice.code, 0), order, choice))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def get(self, code: str) -> ProcedureChoice | None:
        return next((c for c in self.choices if c.code == code), None)
