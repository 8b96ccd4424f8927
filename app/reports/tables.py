"""The report's tables as plain rows, shared by the XLSX and CSV annexes so both say the same.

Values keep their type (int, float ratio, date, datetime, str); each writer formats them.
Column kinds tell the writer how: "text", "int", "ratio" (0–1, shown as a percentage),
"points" (a difference of percentages, already × 100: « +70,9 pts »), "decimal" (one decimal),
"date", "month", "datetime".
The CSV has no cell formats, so its headers name the unit: « (%) », « (points) ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.i18n import _, format_month, label
from app.reports.monthly import Line, MonthlyReport
from app.reports.raw import RAW_COLUMNS


@dataclass
class Sheet:
    name: str  # ≤ 31 characters, no []:*?/\ (Excel's rules)
    headers: list[str]
    kinds: list[str]
    rows: list[tuple]
    widths: list[int]


def _breakdown(name: str, first: str, lines: list[Line], report: MonthlyReport | None = None,
               vocabulary: str | None = None) -> Sheet:
    """Label, code, count, share; with `vocabulary` (a key of report.compare) also the same line's
    count in the previous month (M-1) and the same month last year (N-1), and a zero row for a code
    seen then but not this month."""
    if vocabulary is None or report is None:
        return Sheet(name, [first, _("Code"), _("Accompagnements"), _("Part des accompagnements")],
                     ["text", "text", "int", "ratio"],
                     [(line.label, line.code, line.count, line.share) for line in lines], [34, 26, 16, 14])
    compare = report.compare.get(vocabulary, {})
    rows = [(line.label, line.code, line.count, line.share, *compare.get(line.code, (0, 0))) for line in lines]
    seen = {line.code for line in lines}
    rows += [(label(vocabulary, code) if code else _("Non renseigné"), code, 0, 0.0 if report.current.accompaniments else None, *n)
             for code, n in sorted(compare.items()) if code not in seen and any(n)]
    return Sheet(name, [first, _("Code"), _("Accompagnements"), _("Part des accompagnements"), *_compared(report)],
                 ["text", "text", "int", "ratio", "int", "int"], rows, [34, 26, 16, 14, 16, 16])


def _compared(report: MonthlyReport) -> list[str]:
    return [_("M-1 ({m})").format(m=format_month(report.previous.month)),
            _("N-1 ({m})").format(m=format_month(report.last_year.month))]


def summary(report: MonthlyReport) -> Sheet:
    r, f = report, report.follow_ups
    rows = [
        (_("Mois"), r.month, "month"),
        (_("Structures"), r.scope_label, "text"),
        (_("Matricules"), ", ".join(s.matricule for s in r.structures), "text"),
        (_("Accompagnements"), r.current.accompaniments, "int"),
        (_("Usagers"), r.current.usagers, "int"),
        (_("Accompagnements, mois précédent ({m})").format(m=format_month(r.previous.month)), r.previous.accompaniments, "int"),
        (_("Usagers, mois précédent"), r.previous.usagers, "int"),
        (_("Accompagnements, même mois l’an dernier ({m})").format(m=format_month(r.last_year.month)), r.last_year.accompaniments, "int"),
        (_("Usagers, même mois l’an dernier"), r.last_year.usagers, "int"),
        (_("Relances ouvertes (accompagnements du mois)"), f.month_open, "int"),
        (_("Relances en retard (accompagnements du mois)"), f.month_overdue, "int"),
        (_("Relances ouvertes (toutes périodes)"), f.backlog_open, "int"),
        (_("Relances en retard (toutes périodes)"), f.backlog_overdue, "int"),
        (_("Date de référence des relances"), f.as_of, "date"),
        (_("Réponses à l’enquête de satisfaction"), r.satisfaction.responses, "int"),
        (_("Taux de réponse"), r.satisfaction.response_rate, "ratio"),
        (_("Édité le"), r.generated_at, "datetime"),
        (_("Édité par"), r.author, "text"),
    ]
    if len(r.structures) == 1 and r.sync:  # several structures: see the « Structures » sheet
        s = r.sync[0]
        rows.append((_("Transmission : état"), s.state_label or s.state or _("inconnu"), "text"))
        rows.append((_("Transmission : empreinte"), s.snapshot_hash or "", "text"))
    # one value column whose kind varies by row: the writer reads kinds per row here
    return Sheet(_("Synthèse"), [_("Indicateur"), _("Valeur")], ["text", "mixed"],
                 [(name, value, kind) for name, value, kind in rows], [52, 70])


def sheets(report: MonthlyReport) -> list[Sheet]:
    """Every table of the report, in the PDF's order (the raw sheet is separate: permission)."""
    r = report
    out = [summary(r), structures(r)]
    partners = Sheet(_("Partenaires"), [_("Partenaire"), _("Code"), _("Accompagnements"), _("Part des accompagnements"),
                                        _("Démarche la plus fréquente"), _("Nombre"), _("2e démarche"), _("Nombre"),
                                        _("3e démarche"), _("Nombre")],
                     ["text", "text", "int", "ratio", "text", "int", "text", "int", "text", "int"], [], [24, 10, 16, 14, 40, 9, 40, 9, 40, 9])
    for line in r.by_partner:
        details = [x for pair in line.details for x in pair]
        details += [None] * (6 - len(details))
        partners.rows.append((line.label, line.code, line.count, line.share, *details,
                              *r.compare.get("partner", {}).get(line.code, (0, 0))))
    partners.headers += _compared(r)
    partners.kinds += ["int", "int"]
    partners.widths += [16, 16]
    out.append(partners)
    out.append(Sheet(_("Partenaire x type x canal"), [_("Matricule"), _("Structure"), _("Partenaire"), _("Type de réponse"),
                                                       _("Canal"), _("Arrêt du bus"), _("Accompagnements")],
                     ["text", "text", "text", "text", "text", "text", "int"],
                     [(row.matricule, row.structure, row.partner_code, label("response_type", row.response_type),
                       label("canal", row.canal), row.bus_stop, row.count) for row in r.cube],
                     [11, 34, 14, 40, 22, 26, 16]))
    out.append(_breakdown(_("Types de réponse"), _("Type de réponse"), r.by_response_type, r, "response_type"))
    out.append(_breakdown(_("Canaux"), _("Canal"), r.by_canal, r, "canal"))
    out.append(Sheet(_("Arrêts du bus"), [_("Bus"), _("Matricule du bus"), _("Arrêt"), _("Accompagnements"),
                                          _("Part des accompagnements")],
                     ["text", "text", "text", "int", "ratio"],
                     [(line.group, line.code, line.label, line.count, line.share) for line in r.by_bus_stop],
                     [34, 14, 30, 16, 14]))
    out.append(_breakdown(_("Thématiques"), _("Thématique"), r.by_thematique, r, "thematique"))
    out.append(_breakdown(_("Moments de vie"), _("Moment de vie"), r.by_moment))
    out.append(_breakdown(_("Autonomie"), _("Autonomie"), r.by_autonomy, r, "autonomy"))
    out.append(_breakdown(_("Finalisation"), _("Finalisation"), r.by_finalisation, r, "finalisation"))
    out.append(_breakdown(_("Mandats"), _("Mandat"), r.by_mandate, r, "mandate"))
    out += profile_sheets(r)
    out.append(Sheet(_("Satisfaction"), [_("Dimension"), _("Satisfaits"), _("Neutres"), _("Insatisfaits"), _("Taux net")],
                     ["text", "ratio", "ratio", "ratio", "points"],
                     [(d.label, d.pct_satisfied, d.pct_neutral, d.pct_dissatisfied,
                       None if d.net_rate is None else round(100 * d.net_rate, 1))
                      for d in r.satisfaction.dimensions], [30, 12, 12, 12, 14]))
    out.append(Sheet(_("Évolution 12 mois"), [_("Mois"), _("Accompagnements"), _("Usagers")], ["month", "int", "int"],
                     [(p.month, p.accompaniments, p.usagers) for p in r.trend], [16, 16, 12]))
    # the PDF's weekday chart as a table: every chart's data is in the annex (the PDF is not tagged)
    out.append(Sheet(_("Jours de la semaine"), [_("Jour de la semaine"), _("Accompagnements")], ["text", "int"],
                     [(_weekday(date(2026, 11, 2 + i)), n) for i, n in enumerate(r.by_weekday)], [18, 16]))
    out.append(Sheet(_("Jours"), [_("Date"), _("Jour"), _("Accompagnements")], ["date", "text", "int"],
                     [(d, _weekday(d), n) for d, n in r.by_day], [12, 12, 16]))
    return out


def profile_sheets(report: MonthlyReport) -> list[Sheet]:
    """Usagers new or returning and durations; figures per agent when the reader is a supervisor."""
    out = []
    p = report.profile
    if p is not None:
        rows = [(_("Usagers identifiés"), p.identified, "int"),
                (_("… accompagnés pour la première fois ce mois-ci"), p.new, "int"),
                (_("… déjà accompagnés avant ce mois-ci"), p.returning, "int"),
                (_("Accompagnements anonymes (un usager chacun)"), p.anonymous_visits, "int"),
                (_("Durée moyenne d’un accompagnement (min)"), p.duration_mean, "decimal"),
                (_("Durée médiane (min)"), p.duration_median, "decimal")]
        rows += [(_("Accompagnements de {band}").format(band=band), n, "int") for band, n in p.by_duration]
        out.append(Sheet(_("Profil et durée"), [_("Indicateur"), _("Valeur")], ["text", "mixed"], rows, [52, 14]))
    if report.usager_profile:  # every dimension in one sheet: each adds up to the month's usagers
        out.append(Sheet(_("Profil des usagers"), [_("Dimension"), _("Valeur"), _("Code"), _("Usagers"),
                                                   _("Part des usagers"), *_compared(report)],
                         ["text", "text", "text", "int", "ratio", "int", "int"],
                         [(table.title, line.label, line.code, line.count, line.share, line.previous, line.last_year)
                          for table in report.usager_profile for line in table.lines], [30, 34, 16, 10, 12, 16, 16]))
    if report.by_agent is not None:
        out.append(Sheet(_("Agents"), [_("Agent"), _("Structure"), _("Accompagnements"), _("Usagers"),
                                       _("Durée moyenne (min)"), _("Relances ouvertes")],
                         ["text", "text", "int", "int", "decimal", "int"],
                         [(a.name, a.structure, a.accompaniments, a.usagers, a.duration_mean, a.follow_ups_open)
                          for a in report.by_agent], [28, 36, 16, 10, 14, 14]))
    return out


def structures(report: MonthlyReport) -> Sheet:
    """One row per structure, the busiest first: what a departmental coordinator reconciles."""
    rows = []
    for rank, f in enumerate(report.per_structure, start=1):
        sync = f.sync
        rows.append((rank, f.matricule, f.name, label("structure_kind", f.kind), f.accompaniments, f.usagers,
                     f.previous, (f.accompaniments / f.previous - 1) if f.previous else None,
                     f.top_partner, f.top_partner_count or None, f.stops if f.kind == "bus" else None,
                     _("aucun accompagnement saisi") if f.silent else "",
                     (sync.state_label or sync.state or "") if sync else "", sync.reason if sync else "",
                     (sync.snapshot_hash or "") if sync else ""))
    return Sheet(_("Structures"), [_("Rang"), _("Matricule"), _("Structure"), _("Type"), _("Accompagnements"), _("Usagers"),
                                   _("Accompagnements, mois précédent"), _("Évolution"), _("Premier partenaire"),
                                   _("Accompagnements, premier partenaire"), _("Arrêts desservis"), _("Alerte"),
                                   _("Transmission : état"), _("Transmission : motif"), _("Empreinte des chiffres transmis")],
                 ["int", "text", "text", "text", "int", "int", "int", "ratio", "text", "int", "int", "text", "text", "text", "text"],
                 rows, [6, 11, 36, 12, 16, 10, 16, 11, 22, 14, 10, 24, 14, 30, 66])


def raw_sheet(rows) -> Sheet:
    """The one-row-per-accompaniment sheet (rows from raw.raw_rows: already permission-checked)."""
    kinds = ["text", "datetime"] + ["text"] * 12 + ["date", "int", "text"]
    return Sheet(_("Détail"), [_(c) for c in RAW_COLUMNS], kinds, rows,
                 [11, 16, 10, 30, 16, 20, 26, 44, 22, 30, 22, 24, 14, 20, 12, 10, 14])


def _weekday(d: date) -> str:
    from app.i18n import format_date

    return format_date(d, "EEEE")


def typed_rows(sheet: Sheet):
    """Each row as [(value, kind), …]; the summary sheet carries its value kind per row."""
    if "mixed" in sheet.kinds:
        for name, value, kind in sheet.rows:
            yield [(name, "text"), (value, kind)]
    else:
        for row in sheet.rows:
            yield list(zip(row, sheet.kinds))


def csv_header(text: str, kind: str) -> str:
    """A column (or summary row) name with the unit the CSV's bare numbers are in."""
    unit = {"ratio": " (%)", "points": _(" (points)")}.get(kind, "")
    return text + unit
