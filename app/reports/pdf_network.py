"""The PDF's pages about several structures: the cover's summary of the network and the
« Réseau » section a departmental coordinator reconciles (one ranked row per structure: its
accompaniments, usagers, change from the month before, first partner, bus stops, declaration).
A report over a few structures keeps the short tables on its cover instead (SMALL_SCOPE).
Imported only by app.reports.pdf_sections, after reportlab."""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from app.i18n import _, format_number, label, ngettext
from app.reports.pdf_text import esc, evolution

SMALL_SCOPE = 4  # up to this many structures, everything fits on the cover


def is_network(report) -> bool:
    return len(report.structures) > SMALL_SCOPE


def cover_tables(b) -> list:
    """A few structures: each with its figures and its declaration, on the cover."""
    r = b.r
    rows = [[f.matricule, esc(f.name), _kind(f), f.accompaniments, f.usagers] for f in
            sorted(r.per_structure, key=lambda f: f.matricule)]
    out = [b.p(f"<b>{_('Structures couvertes')}</b>", "h2"),
           b.table([_("Matricule"), _("Nom"), _("Type"), _("Accomp."), _("Usagers")], rows,
                   [22 * mm, b.width - 106 * mm, 42 * mm, 20 * mm, 22 * mm], numeric=(3, 4))]
    return out + _sync_table(b)


def _kind(f, short: bool = False) -> str:
    if f.kind == "bus":
        return ngettext("Bus, {n} arrêt", "Bus, {n} arrêts", f.stops).format(n=f.stops)
    return _("Site fixe") if short else label("structure_kind", f.kind)


def _sync_table(b) -> list:
    title = b.p(f"<b>{_('Transmission à l’outil national')}</b>", "h2")
    rows = [[s.matricule, esc(s.state_label or s.state or _("inconnu")), esc(s.reason or "—"),
             f"<font size=6.5>{esc(s.snapshot_hash or '—')}</font>"] for s in b.r.sync]
    return [title,
            b.table([_("Matricule"), _("État"), _("Motif"), _("Empreinte des chiffres transmis")], rows,
                    [22 * mm, 28 * mm, 40 * mm, b.width - 90 * mm], numeric=()),
            Spacer(1, 2 * mm), b.p(_HASH_NOTE(), "small")]


def _HASH_NOTE() -> str:
    return _("L’empreinte identifie exactement les chiffres envoyés pour ce mois : si elle change, les "
             "chiffres ont changé depuis l’envoi.")


def cover_summary(b) -> list:
    """Many structures: a few lines on the cover, the table in the « Réseau » section."""
    r = b.r
    silent = [f for f in r.per_structure if f.silent]
    lines = [ngettext("{n} structure couverte, classée par nombre d’accompagnements dans la section « Réseau ».",
                      "{n} structures couvertes, classées par nombre d’accompagnements dans la section « Réseau ».",
                      len(r.structures)).format(n=format_number(len(r.structures)))]
    if silent:
        lines.append(ngettext("{n} structure sans aucun accompagnement saisi ce mois-ci : {names}.",
                              "{n} structures sans aucun accompagnement saisi ce mois-ci : {names}.",
                              len(silent)).format(n=len(silent), names=_names(silent)))
    states = Counter(s.state_label or s.state or _("inconnu") for s in r.sync)
    lines.append(_("Transmission à l’outil national (structures par état) : {states}.").format(
        states=", ".join(f"{state} : {format_number(n)}" for state, n in states.most_common())))
    return [b.p(f"<b>{_('Réseau')}</b>", "h2")] + [b.p(esc(line)) for line in lines]


def _names(rows, limit: int = 8) -> str:
    names = [f"{f.name} ({f.matricule})" for f in rows[:limit]]
    more = len(rows) - limit
    return ", ".join(names) + (ngettext(" et {n} autre", " et {n} autres", more).format(n=more) if more > 0 else "")


def network_section(b) -> list:
    """One row per structure, the busiest first, on one or two pages."""
    r = b.r
    rows = []
    for rank, f in enumerate(r.per_structure, start=1):
        sync = f.sync
        state = (sync.state_label or sync.state or "—") if sync else "—"
        short = f"<font size=6>{esc((sync.snapshot_hash or '')[:10]) or '—'}</font>" if sync else "—"
        rows.append([rank, f.matricule, esc(f.name), _kind(f, short=True), f.accompaniments, f.usagers,
                     evolution(f.accompaniments, f.previous),
                     esc(f.top_partner) if f.top_partner else "—", esc(state), short])
    total = ["", "", _("Total"), "", r.current.accompaniments, sum(f.usagers for f in r.per_structure),
             evolution(r.current.accompaniments, r.previous.accompaniments), "", "", ""]
    widths = [5, 15, 38, 18, 14, 13, 18, 23, 14, 16]  # mm, 174 in all: one line per structure in 7 pt
    out = [b.h1(_("Réseau : activité par structure")),
           b.p(_("Classées par nombre d’accompagnements du mois. Évolution : par rapport au mois précédent. "
                 "Usagers : comptés structure par structure (une personne venue dans deux structures compte "
                 "dans chacune), d’où un total supérieur au nombre d’usagers du réseau ({n})."
                 ).format(n=format_number(r.current.usagers)), "small"),
           Spacer(1, 2 * mm),
           b.table([_("N°"), _("Matricule"), _("Structure"), _("Type"), _("Accomp."), _("Usagers"), _("Évol."),
                    _("1er partenaire"), _("Envoi"), _("Empreinte")], rows,
                   [w * mm for w in widths], total, numeric=(0, 4, 5, 6), style="tiny")]
    silent = [f for f in r.per_structure if f.silent]
    if silent:
        out += [Spacer(1, 2 * mm), b.p(esc(_("Sans aucun accompagnement saisi ce mois-ci (déclaration manquante ou "
                                             "structure fermée) : {names}.").format(names=_names(silent, 30))), "small")]
    out += [Spacer(1, 1 * mm), b.p(_HASH_NOTE() + " " + _("Les empreintes complètes sont dans l’annexe XLSX, "
                                                         "feuille « Structures »."), "small")]
    return out
