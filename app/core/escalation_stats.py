"""How long each partner takes to answer (issue 20): the supervisor's delays screen and the
monthly report page read these figures.

Definitions (docs/readme/referents.md says the same):
- The population is the escalations **sent** in [start, end) in the structures the actor sees.
- The **delay** of an answered escalation is `answered_on - sent_on` in calendar days (an answer the
  same day is 0). « Sans réponse » outcomes and open escalations have no delay: they are not in the
  median nor the 90th percentile (they are counted apart, so a partner cannot look fast by not
  answering).
- **Median**: the middle value of the sorted delays; for an even count, the mean of the two middle
  values (delays 3, 7, 7, 12 → 7; 2, 4 → 3).
- **90th percentile**: nearest rank — the smallest delay d such that at least 90 % of the delays are
  ≤ d, i.e. the value at rank ⌈0.9 × n⌉ (1-based) of the sorted delays (2, 5, 5, 5, 10 → rank 5 → 10).
- **« Sans réponse » rate**: escalations closed « sans réponse » ÷ escalations closed with any outcome;
  none when nothing is closed.
- **Open by age**: open escalations (all, whatever their sending date) by days since sending on
  `today`: 0–7, 8–15, 16–30, more than 30; **overdue**: open with the expected date before today.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from app.core.context import Actor
from app.core.referents import channel_label
from app.i18n import _
from app.models.referents import Escalation, EscalationOutcome, Referent
from app.models.tables import Partner

AGE_BUCKETS = ((0, 7, "0 à 7 jours"), (8, 15, "8 à 15 jours"), (16, 30, "16 à 30 jours"),
               (31, None, "Plus de 30 jours"))


def median(values: list[int]) -> float | None:
    if not values:
        return None
    v, n = sorted(values), len(values)
    return float(v[n // 2]) if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile (see module docstring)."""
    if not values:
        return None
    v = sorted(values)
    return v[max(1, math.ceil(p / 100 * len(v))) - 1]


@dataclass
class GroupDelays:
    key: str
    label: str
    sent: int = 0
    answered: int = 0  # with a delay (any outcome but « sans réponse »)
    no_answer: int = 0  # closed « sans réponse »
    open: int = 0
    delays: list[int] = field(default_factory=list, repr=False)

    @property
    def median(self) -> float | None:
        return median(self.delays)

    @property
    def p90(self) -> int | None:
        return percentile(self.delays, 90)

    @property
    def no_answer_rate(self) -> float | None:
        closed = self.answered + self.no_answer
        return self.no_answer / closed if closed else None


@dataclass
class DelayReport:
    start: date
    end: date
    today: date
    by_partner: list[GroupDelays]
    by_channel: list[GroupDelays]
    by_referent: list[GroupDelays]
    open_by_age: list[tuple[str, int]]
    overdue: int
    total: GroupDelays


def _add(group: GroupDelays, e: Escalation) -> None:
    group.sent += 1
    if e.outcome is None:
        group.open += 1
    elif e.outcome == EscalationOutcome.SANS_REPONSE:
        group.no_answer += 1
    else:
        group.answered += 1
        group.delays.append((e.answered_on - e.sent_on).days)


def delays(session: Session, actor: Actor, start: date, end: date, today: date | None = None,
           structure_id: int | None = None) -> DelayReport:
    """Delays of the escalations sent in [start, end). Raises PermissionDenied for agents."""
    actor.require("read_escalation_delays")
    ids = sorted(actor.structure_ids) if structure_id is None else (
        [structure_id] if actor.sees(structure_id) else [])
    return compute(session, ids, start, end, today)


def compute(session: Session, ids: list[int] | None, start: date, end: date, today: date | None = None) -> DelayReport:
    """The figures for these structures (None: all), no permission check: the monthly report
    (aggregates per partner and channel, no names) calls it under its own permission."""
    today = today or date.today()
    in_scope = Escalation.structure_id.in_(ids) if ids is not None else Escalation.id.is_not(None)
    sent = list(session.exec(select(Escalation).where(in_scope, Escalation.sent_on >= start, Escalation.sent_on < end)
                             .order_by(Escalation.id)))
    partners = dict(session.exec(select(Partner.code, Partner.short_label)).all())
    names = dict(session.exec(select(Referent.id, Referent.name)).all())
    groups: dict[str, dict[str, GroupDelays]] = {"p": {}, "c": {}, "r": {}}
    total = GroupDelays("", _("Ensemble"))
    for e in sent:
        partner = partners.get(e.partner_code, e.partner_code)
        # no référent (general channel, or an erased one): one line per partner
        who = (str(e.referent_id), f"{names.get(e.referent_id, '')} — {partner}") if e.referent_id else (
            "-" + e.partner_code, _("Sans référent nommé") + f" — {partner}")
        keys = {"p": (e.partner_code, partner), "c": (e.channel, channel_label(e.channel)), "r": who}
        for kind, (key, label) in keys.items():
            _add(groups[kind].setdefault(key, GroupDelays(key, label)), e)
        _add(total, e)
    still_open = list(session.exec(select(Escalation.sent_on, Escalation.expected_by)
                                   .where(in_scope, Escalation.outcome.is_(None))))
    ages = [(today - s).days for s, _e in still_open]
    by_age = [(_(label), sum(1 for a in ages if a >= lo and (hi is None or a <= hi))) for lo, hi, label in AGE_BUCKETS]
    overdue = sum(1 for _s, expected in still_open if expected < today)

    def ordered(kind):
        return sorted(groups[kind].values(), key=lambda g: (-g.sent, g.label.casefold()))

    return DelayReport(start, end, today, ordered("p"), ordered("c"), ordered("r"), by_age, overdue, total)
