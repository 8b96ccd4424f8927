"""Usager profile of a month: age band, sex, residence (QPV / ZRR) and commune of the month's
usagers, as far as agents recorded them. No Qt.

Anonymous is the default and a profile is recorded only when the agent chose to, with the
usager's accord (app/core/usagers.py), so « non renseigné » is a line of every table, never
left out: each table adds up to the month's usagers (identified usagers once each, each
anonymous visit as one, app.core.activity's rule). An anonymous visit has no profile by design
and has its own line, so a reader sees how much of the total the profile really describes.

The age band is the one recorded; without it, a recorded birth year gives the band of the age
reached in the report's year. Erasure and retention clear the profile with the identity, so
a month older than the retention period counts its usagers « non renseigné » from then on.
Never sent nationally. M-1 and N-1 are the same counts for the previous month and the same
month last year, each month on its own usagers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from app.core import activity
from app.core.usagers import PROFILE_FIELDS, age_band_for
from app.i18n import _, label
from app.models.enums import AgeBand, Gender, Territory
from app.models.tables import Usager

NOT_GIVEN = "non_renseigne"  # an identified usager without this information
ANONYMOUS = "anonyme"  # the anonymous visits: one usager each, no profile by design
OTHER_COMMUNES = "autres"
TOP_COMMUNES = 10
# dimension → its vocabulary's codes in reading order (« non communiqué » is NOT_GIVEN's line)
DIMENSIONS = {"age_band": [b.value for b in AgeBand if b != AgeBand.NON_COMMUNIQUE],
              "gender": [g.value for g in Gender if g != Gender.NON_COMMUNIQUE],
              "territory": [t.value for t in Territory if t != Territory.NON_COMMUNIQUE],
              "commune": []}


@dataclass(frozen=True)
class ProfileLine:
    code: str
    label: str
    count: int  # usagers of the month
    share: float | None  # of the month's usagers
    previous: int  # M-1
    last_year: int  # N-1


@dataclass(frozen=True)
class ProfileTable:
    dimension: str
    title: str
    lines: list[ProfileLine]

    @property
    def recorded(self) -> int:
        """Usagers for whom the agent recorded this information."""
        return sum(line.count for line in self.lines if line.code not in (NOT_GIVEN, ANONYMOUS))


def titles() -> dict[str, str]:
    return {"age_band": _("Tranche d’âge"), "gender": _("Sexe"), "territory": _("Résidence (QPV, ZRR)"),
            "commune": _("Commune de résidence (code INSEE)")}


def _recorded(session: Session) -> dict[int, tuple]:
    """id → (age band, sex, territory, birth year, commune) of every usager with any of them
    recorded: one read serves the three months. Profiles are opt-in, so this is a short list."""
    given = or_(Usager.birth_year.is_not(None), Usager.commune_insee.is_not(None),
                *[getattr(Usager, f) != empty for f, empty in PROFILE_FIELDS.items() if f != "social_status"])
    q = select(Usager.id, Usager.age_band, Usager.gender, Usager.territory, Usager.birth_year,
               Usager.commune_insee).where(given)
    return {row[0]: tuple(row[1:]) for row in session.connection().execute(q)}


def _counts(scan: activity.MonthScan, recorded: dict[int, tuple], month: date) -> dict[str, Counter]:
    """dimension → Counter(code) over the month's usagers, NOT_GIVEN and ANONYMOUS included."""
    people = {row[2] for row in scan.rows} - {None}
    anonymous = sum(1 for row in scan.rows if row[2] is None)
    out = {name: Counter() for name in DIMENSIONS}
    for person in people:
        band, gender, territory, year, commune = recorded.get(person, (None,) * 5)
        if band in (None, AgeBand.NON_COMMUNIQUE) and year:
            band = age_band_for(year, month)
        for name, value in (("age_band", band), ("gender", gender), ("territory", territory), ("commune", commune)):
            out[name][value if value and value != "non_communique" else NOT_GIVEN] += 1
    for counter in out.values():
        counter[ANONYMOUS] = anonymous
    return out


def profile_tables(session: Session, scan: activity.MonthScan, before: activity.MonthScan,
                   last_year: activity.MonthScan, month: date) -> list[ProfileTable]:
    """One table per dimension for the month, with M-1 and N-1 (see module docstring)."""
    recorded = _recorded(session)
    now, m1, n1 = (_counts(s, recorded, d) for s, d in ((scan, month), (before, _year_shift(month, 0, -1)),
                                                        (last_year, _year_shift(month, -1, 0))))
    usagers = scan.usagers()
    names = titles()
    tables = []
    for name, codes in DIMENSIONS.items():
        if name == "commune":  # the busiest communes, the rest on one line: a table that holds on a page
            seen = sorted((c for c in now[name] if c not in (NOT_GIVEN, ANONYMOUS)), key=lambda c: (-now[name][c], c))
            codes, rest = seen[:TOP_COMMUNES], seen[TOP_COMMUNES:]
            for counter in (now[name], m1[name], n1[name]):
                counter[OTHER_COMMUNES] = sum(n for c, n in counter.items() if c not in (NOT_GIVEN, ANONYMOUS, *codes))
            if rest or any(c[OTHER_COMMUNES] for c in (m1[name], n1[name])):
                codes = codes + [OTHER_COMMUNES]
        lines = [ProfileLine(code, _line_label(name, code, len(rest) if name == "commune" else 0), now[name][code],
                             now[name][code] / usagers if usagers else None, m1[name][code], n1[name][code])
                 for code in [*codes, NOT_GIVEN, ANONYMOUS]]
        tables.append(ProfileTable(name, names[name], lines))
    return tables


def _line_label(dimension: str, code: str, others: int) -> str:
    if code == NOT_GIVEN:
        return _("Non renseigné")
    if code == ANONYMOUS:
        return _("Visites anonymes")
    if code == OTHER_COMMUNES:
        return _("Autres communes ({n})").format(n=others)
    return code if dimension == "commune" else label(dimension, code)


def _year_shift(month: date, years: int, months: int) -> date:
    index = month.year * 12 + month.month - 1 + years * 12 + months
    return date(index // 12, index % 12 + 1, 1)
