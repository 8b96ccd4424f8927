"""Satisfaction surveys: record an anonymous response, compute Services Publics+ indicators.

Indicators (per dimension, over the answers given; a skipped question counts nowhere):
- satisfied = scores 4–5, neutral = 3, dissatisfied = 1–2;
- pct_* are FRACTIONS in [0, 1] (format them with app.i18n.format_percent), None when no answer;
- net_rate = pct_satisfied − pct_dissatisfied, in [−1, 1];
- response_rate = responses / accompaniments, the accompaniments counted with the rules of
  app.core.activity for the same filter (period, structures, canal, partner); None when there is
  no accompaniment. It can exceed 1 when paper questionnaires outnumber logged visits.
Used by the monthly report and the national sync: they must not recompute these figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, select

from app.core import activity
from app.core.context import Actor
from app.models.enums import Canal, Thematique
from app.models.errors import ValidationError
from app.models.surveys import DIMENSIONS, SurveyResponse
from app.models.tables import Accompaniment, AccompanimentProcedure, BusStop, Partner, Structure
from app.models.validators import validate_text

SOURCES = ("ecran", "papier")
COMMENT_MAX = 300
EARLIEST = date(2019, 1, 1)


@dataclass
class SurveyInput:
    """What the usager (or a paper questionnaire) answered, plus the accompaniment's context.
    Scores are 1..5 or None (skipped). No usager or accompaniment reference, by design."""

    satisfaction_globale: int | None = None
    facilite_acces: int | None = None
    delais: int | None = None
    simplicite: int | None = None
    qualite_accueil: int | None = None
    demarche_aboutie: bool | None = None
    comment: str = ""
    answered_on: date | None = None  # None: today
    canal: str = Canal.GUICHET
    bus_stop_id: int | None = None
    partner_code: str | None = None
    thematique: str | None = None
    source: str = "ecran"
    structure_id: int | None = None  # None: the actor's structure

    def scores(self) -> dict[str, int | None]:
        return {d: getattr(self, d) for d in DIMENSIONS}


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


@dataclass(frozen=True)
class DimensionStats:
    """Counts for one dimension; the rates are derived fields (so dataclasses.asdict has them)."""

    answered: int = 0
    satisfied: int = 0
    neutral: int = 0
    dissatisfied: int = 0
    pct_satisfied: float | None = field(init=False, default=None)
    pct_neutral: float | None = field(init=False, default=None)
    pct_dissatisfied: float | None = field(init=False, default=None)
    net_rate: float | None = field(init=False, default=None)

    def __post_init__(self):
        if self.satisfied + self.neutral + self.dissatisfied != self.answered:
            raise ValueError("satisfied + neutral + dissatisfied must equal answered")
        object.__setattr__(self, "pct_satisfied", _ratio(self.satisfied, self.answered))
        object.__setattr__(self, "pct_neutral", _ratio(self.neutral, self.answered))
        object.__setattr__(self, "pct_dissatisfied", _ratio(self.dissatisfied, self.answered))
        object.__setattr__(self, "net_rate", _ratio(self.satisfied - self.dissatisfied, self.answered))


@dataclass(frozen=True)
class SurveyIndicators:
    responses: int
    accompaniments: int
    dimensions: dict[str, DimensionStats] = field(default_factory=dict)
    demarche_aboutie_yes: int = 0
    demarche_aboutie_no: int = 0
    response_rate: float | None = field(init=False, default=None)

    def __post_init__(self):
        object.__setattr__(self, "response_rate", _ratio(self.responses, self.accompaniments))


@dataclass(frozen=True)
class IndicatorRow:
    group: str  # "canal" | "partner"
    code: str   # canal code or partner code ("" = partner not given)
    indicators: SurveyIndicators


# ---------------------------------------------------------------- personal data in comments

_MASK_EMAIL = "[courriel masqué]"
_MASK_PHONE = "[téléphone masqué]"
_MASK_NUMBER = "[numéro masqué]"
_SEP = r"[ \t.\-/\u00a0\u202f]"
# e-mails, also "jean . dupont @ gmail . com" and "jean(at)gmail.com"
_EMAIL = re.compile(r"[\w.+%-]+(?:\s*\.\s*[\w+%-]+)*\s*(?:@|\(at\)|\[at\]|\s+arobase\s+)\s*[\w-]+(?:\s*\.\s*[\w-]+)+",
                    re.IGNORECASE)
# NIR: sex, year, month, department (2A/2B for Corsica), commune, order, optional key
_NIR = re.compile(rf"(?<![\w])[12]{_SEP}*\d{{2}}{_SEP}*\d{{2}}{_SEP}*(?:\d{{2}}|2[AB]){_SEP}*\d{{3}}"
                  rf"{_SEP}*\d{{3}}(?:{_SEP}*\d{{2}})?(?!\d)", re.IGNORECASE)
# any run of digits (with +, spaces, dots, dashes, slashes, parentheses between): judged by length
_DIGITS = re.compile(r"\+?\(?\d(?:[ \t.\-/()\u00a0\u202f]{0,3}\d)+\)?")


def mask_personal_data(text: str) -> str:
    """Mask e-mail addresses, phone numbers (+33, 0033, spaced, dotted…) and NIR-like numbers."""
    text = _EMAIL.sub(_MASK_EMAIL, text)
    text = _NIR.sub(_MASK_NUMBER, text)

    def _number(m: re.Match) -> str:
        raw = m.group(0)
        digits = sum(ch.isdigit() for ch in raw)
        international = raw.lstrip("(").startswith(("+", "00"))  # a NIR never starts with 0
        if digits >= 13 and not international:
            return _MASK_NUMBER
        if digits >= 9 or (digits >= 8 and international):
            return _MASK_PHONE
        return raw  # dates, amounts, short numbers such as 3939 stay

    return _DIGITS.sub(_number, text)


# ---------------------------------------------------------------- recording

def _score(value, dimension: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError("Note : un chiffre de 1 à 5.", field=dimension)
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            raise ValidationError("Note : un chiffre de 1 à 5.", field=dimension)
        value = int(value)
    if not 1 <= value <= 5:
        raise ValidationError("Note : un chiffre de 1 à 5.", field=dimension)
    return value


def validate(session: Session, actor: Actor, data: SurveyInput, today: date | None = None) -> dict:
    """Column values for a SurveyResponse. Raises ValidationError naming the field."""
    today = today or date.today()
    scores = {d: _score(v, d) for d, v in data.scores().items()}
    if all(v is None for v in scores.values()) and data.demarche_aboutie is None:
        raise ValidationError("Aucune réponse : indiquez au moins une note.", field=DIMENSIONS[0])
    if data.demarche_aboutie not in (None, True, False):
        raise ValidationError("Démarche aboutie : oui, non ou sans réponse.", field="demarche_aboutie")
    answered_on = data.answered_on or today
    if isinstance(answered_on, datetime):
        answered_on = answered_on.date()  # never keep a time (anonymity)
    if not isinstance(answered_on, date):
        raise ValidationError("Date : format attendu JJ/MM/AAAA.", field="answered_on")
    if answered_on > today:
        raise ValidationError("La date de l'enquête ne peut pas être dans le futur.", field="answered_on")
    if answered_on < EARLIEST:
        raise ValidationError("Date trop ancienne (avant 2019).", field="answered_on")
    structure_id = data.structure_id or actor.structure_id
    if session.get(Structure, structure_id) is None:
        raise ValidationError("Structure inconnue.", field="structure")
    if data.canal not in {c.value for c in Canal}:
        raise ValidationError("Canal : choisissez une valeur dans la liste.", field="canal")
    bus_stop_id = data.bus_stop_id
    if bus_stop_id is not None:
        stop = session.get(BusStop, bus_stop_id)
        if stop is None or stop.structure_id != structure_id:
            raise ValidationError("Arrêt du bus inconnu pour cette structure.", field="bus_stop")
        if data.canal != Canal.ITINERANT_BUS:
            bus_stop_id = None  # a stop only means something for the bus
    partner = (data.partner_code or "").strip().upper() or None
    # codes are ASCII: anything else (a lone surrogate could not even be sent to SQLite) is unknown
    if partner is not None and (not partner.isascii() or session.get(Partner, partner) is None):
        raise ValidationError("Partenaire inconnu : {partner}.", field="partner",
                              partner=partner if partner.isascii() else '?')
    thematique = data.thematique or None
    if thematique is not None and thematique not in {t.value for t in Thematique}:
        raise ValidationError("Thématique : choisissez une valeur dans la liste.", field="thematique")
    if data.source not in SOURCES:
        raise ValidationError("Origine de la réponse inconnue.", field="source")
    comment = validate_text(data.comment, "comment", "Commentaire", max_length=COMMENT_MAX)
    return dict(answered_on=answered_on, structure_id=structure_id, canal=str(data.canal),
                bus_stop_id=bus_stop_id, partner_code=partner, thematique=thematique,
                source=data.source, demarche_aboutie=data.demarche_aboutie,
                comment=mask_personal_data(comment), **scores)


def record_response(session: Session, actor: Actor, response: SurveyInput,
                    today: date | None = None) -> SurveyResponse:
    """Store one anonymous response. Raises ValidationError, PermissionDenied."""
    actor.require("record_survey")
    row = SurveyResponse(**validate(session, actor, response, today))
    session.add(row)
    session.flush()
    return row


def record_batch(session: Session, actor: Actor, responses: list[SurveyInput],
                 today: date | None = None) -> list[SurveyResponse]:
    """Paper questionnaires: all rows are validated first, then saved together (one transaction).
    A refused row raises ValidationError with `row` (0-based) set; nothing is added."""
    actor.require("record_survey")
    values = []
    for i, data in enumerate(responses):
        try:
            values.append(validate(session, actor, data, today))
        except ValidationError as exc:
            # The row's own error is a parameter: it is translated with the prefix.
            error = ValidationError("Ligne {number} : {error}", field=exc.field, number=i + 1, error=exc)
            error.row = i
            raise error from exc
    rows = [SurveyResponse(**v) for v in values]
    session.add_all(rows)
    session.flush()
    return rows


def input_for_accompaniment(session: Session, accompaniment_id: int, today: date | None = None) -> SurveyInput:
    """A blank survey carrying only the context of an accompaniment (canal, stop, first partner,
    thématique, structure). The accompaniment id is read here and never stored."""
    acc = session.get(Accompaniment, accompaniment_id)
    if acc is None:
        return SurveyInput(answered_on=today)
    first = session.exec(select(AccompanimentProcedure.partner_code)
                         .where(AccompanimentProcedure.accompaniment_id == acc.id)
                         .order_by(AccompanimentProcedure.position)).first()
    return SurveyInput(canal=acc.canal, bus_stop_id=acc.bus_stop_id, partner_code=first,
                       thematique=acc.thematique, structure_id=acc.structure_id, answered_on=today)


# ---------------------------------------------------------------- indicators

def _response_filter(start: date, end: date, structure_ids, canal, partner_code):
    cond = [SurveyResponse.answered_on >= start, SurveyResponse.answered_on < end]
    if structure_ids is not None:
        cond.append(SurveyResponse.structure_id.in_(list(structure_ids)))
    if canal is not None:
        cond.append(SurveyResponse.canal == canal)
    if partner_code is not None:  # "" selects the responses that name no partner
        cond.append(SurveyResponse.partner_code == partner_code if partner_code
                    else SurveyResponse.partner_code.is_(None))
    return cond


def _accompaniments(session: Session, start, end, structure_ids, canal, partner_code) -> int:
    """Same rules as app.core.activity: counted statuses, local date in [start, end); by partner,
    a visit counts once per partner it involved."""
    cond = [activity.counted(structure_ids, start, end)]
    if canal is not None:
        cond.append(Accompaniment.canal == canal)
    if partner_code:
        q = (select(func.count(func.distinct(Accompaniment.id)))
             .join(AccompanimentProcedure, AccompanimentProcedure.accompaniment_id == Accompaniment.id)
             .where(*cond, AccompanimentProcedure.partner_code == partner_code))
    elif partner_code == "":
        return 0  # "partner not given" exists only on the survey side
    else:
        q = select(func.count()).select_from(Accompaniment).where(*cond)
    return session.exec(q).one()


def _indicator_columns() -> list:
    cols = []
    for d in DIMENSIONS:
        col = getattr(SurveyResponse, d)
        cols += [func.count(col),
                 func.sum(case((col >= 4, 1), else_=0)),
                 func.sum(case((col == 3, 1), else_=0)),
                 func.sum(case((col <= 2, 1), else_=0))]
    cols += [func.count(), func.sum(case((SurveyResponse.demarche_aboutie.is_(True), 1), else_=0)),
             func.sum(case((SurveyResponse.demarche_aboutie.is_(False), 1), else_=0))]
    return cols


def _indicators_from(row, accompaniments: int) -> SurveyIndicators:
    row = [int(v or 0) for v in row]
    dims = {d: DimensionStats(*row[i * 4:i * 4 + 4]) for i, d in enumerate(DIMENSIONS)}
    responses, yes, no = row[-3:]
    return SurveyIndicators(responses=responses, accompaniments=accompaniments, dimensions=dims,
                            demarche_aboutie_yes=yes, demarche_aboutie_no=no)


def indicators(session: Session, *, start: date, end: date, structure_ids: list[int] | None = None,
               canal: str | None = None, partner_code: str | None = None,
               accompaniments: int | None = None) -> SurveyIndicators:
    """Survey indicators over [start, end) (end exclusive). partner_code="" selects responses
    without a partner. Never divides by zero: rates are None when there is nothing to divide.
    `accompaniments`: the caller's own count by the same rules (the monthly report has it), saving a pass."""
    row = session.exec(select(*_indicator_columns())
                       .where(*_response_filter(start, end, structure_ids, canal, partner_code))).one()
    if accompaniments is None:
        accompaniments = _accompaniments(session, start, end, structure_ids, canal, partner_code)
    return _indicators_from(row, accompaniments)


def indicators_by_structure(session: Session, *, start: date, end: date, structure_ids: list[int],
                            accompaniments: dict[int, int]) -> dict[int, SurveyIndicators]:
    """indicators() of each structure, in one grouped query (a department report needs 60);
    `accompaniments` gives each structure's counted accompaniments (app.core.activity)."""
    q = (select(SurveyResponse.structure_id, *_indicator_columns())
         .where(*_response_filter(start, end, structure_ids, None, None)).group_by(SurveyResponse.structure_id))
    found = {row[0]: row[1:] for row in session.exec(q)}
    empty = [0] * (4 * len(DIMENSIONS) + 3)
    return {sid: _indicators_from(found.get(sid, empty), accompaniments.get(sid, 0)) for sid in structure_ids}


def indicator_rows(session: Session, *, start: date, end: date, structure_ids: list[int] | None = None,
                   group_by: str = "canal") -> list[IndicatorRow]:
    """One row per canal (group_by="canal") or per partner (group_by="partner") that has responses
    or accompaniments in the period, sorted by code; partner "" = responses without a partner."""
    if group_by == "canal":
        codes = set(session.exec(select(SurveyResponse.canal).where(
            *_response_filter(start, end, structure_ids, None, None)).distinct()))
        codes |= set(activity.count_by(session, Accompaniment.canal, structure_ids, start, end))
        return [IndicatorRow("canal", c, indicators(session, start=start, end=end, structure_ids=structure_ids,
                                                    canal=c)) for c in sorted(codes)]
    if group_by == "partner":
        codes = {c or "" for c in session.exec(select(SurveyResponse.partner_code).where(
            *_response_filter(start, end, structure_ids, None, None)).distinct())}
        codes |= set(session.exec(select(AccompanimentProcedure.partner_code)
                                  .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
                                  .where(activity.counted(structure_ids, start, end)).distinct()))
        return [IndicatorRow("partner", c, indicators(session, start=start, end=end, structure_ids=structure_ids,
                                                      partner_code=c))
                for c in sorted(codes, key=lambda c: (c == "", c))]
    raise ValueError(f"group_by must be 'canal' or 'partner', not {group_by!r}")


def recent_days(days: int = 30, today: date | None = None) -> tuple[date, date]:
    """[today − days + 1, tomorrow): a default period for the indicators view."""
    today = today or date.today()
    return today - timedelta(days=days - 1), today + timedelta(days=1)


__all__ = ["SurveyInput", "DimensionStats", "SurveyIndicators", "IndicatorRow", "DIMENSIONS",
           "record_response", "record_batch", "input_for_accompaniment", "indicators", "indicators_by_structure",
           "indicator_rows",
           "mask_personal_data", "validate"]


def exit_needs_password(session: Session, actor: Actor) -> bool:
    """Leaving usager mode asks for a password once any agent has one (the store's login rule):
    an agent who has none then cannot leave it alone, as they could not log in."""
    from app.core.auth import login_required

    return login_required(session)
