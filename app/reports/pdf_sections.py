"""The content of the report's PDF, section by section (layout helpers live in pdf.py).
Imported only by app.reports.pdf.write_pdf, after reportlab."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table, TableStyle

from app.i18n import _, format_date, format_long_date, format_month, format_number, format_percent, ngettext
from app.reports import pdf_network
from app.reports.pdf_text import esc, evolution


def cover(b) -> list:
    r = b.r
    c = r.current
    top = r.by_partner[0] if r.by_partner else None
    sat = r.satisfaction
    sat_main = _overall(sat)

    def tile(value: str, caption: str, note: str = "", style: str = "big"):
        return [b.p(value, style), b.p(f"<b>{esc(caption)}</b>", "tile"), b.p(esc(note), "small")]

    prev, ly = format_month(r.previous.month), format_month(r.last_year.month)
    tiles = [
        tile(format_number(c.accompaniments), ngettext("accompagnement", "accompagnements", c.accompaniments),
             _("{e} par rapport à {m}").format(e=evolution(c.accompaniments, r.previous.accompaniments), m=prev)),
        tile(format_number(c.usagers), ngettext("usager accompagné", "usagers accompagnés", c.usagers),
             _("{e} par rapport à {m}").format(e=evolution(c.usagers, r.previous.usagers), m=prev)),
        tile(format_number(r.last_year.accompaniments),
             ngettext("accompagnement en {m}", "accompagnements en {m}", r.last_year.accompaniments).format(m=ly),
             _("évolution sur un an : {e}").format(e=evolution(c.accompaniments, r.last_year.accompaniments))),
        tile(esc(top.label) if top else "—", _("premier partenaire"),
             ngettext("{n} accompagnement ({p})", "{n} accompagnements ({p})", top.count).format(
                 n=format_number(top.count), p=format_percent(top.share)) if top else "",
             "bigtext" if top and len(top.label) > 8 else "big"),
        tile(format_number(r.follow_ups.month_overdue),
             ngettext("relance en retard", "relances en retard", r.follow_ups.month_overdue),
             ngettext("sur {n} relance encore ouverte ce mois-ci", "sur {n} relances encore ouvertes ce mois-ci",
                      r.follow_ups.month_open).format(n=format_number(r.follow_ups.month_open))),
        tile(format_percent(sat_main) if sat_main is not None else _("pas de données"), _("usagers satisfaits"),
             ngettext("{n} réponse à l'enquête", "{n} réponses à l'enquête", sat.responses).format(n=format_number(sat.responses)) if sat else _("enquête de satisfaction non disponible"),
             "big" if sat_main is not None else "bigtext"),
    ]
    w = b.width / 3
    grid = Table([tiles[:3], tiles[3:]], colWidths=[w] * 3, rowHeights=[33 * mm, 33 * mm])
    grid.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), b.colors.HexColor("#F5F5FE")),
                              ("LINEBEFORE", (0, 0), (0, -1), 2.5, b.charts.BLUE),
                              ("LINEBEFORE", (1, 0), (-1, -1), 2.5, b.charts.BLUE),
                              ("INNERGRID", (0, 0), (-1, -1), 4, b.colors.white),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 9), ("TOPPADDING", (0, 0), (-1, -1), 7)]))
    story = [b.h1(_("Synthèse")), grid, Spacer(1, 6 * mm),
             b.p(_("Activité des structures France services du {start} au {end}, selon les règles de comptage "
                   "de la déclaration nationale (voir « Définitions »).").format(
                 start=long_date(r.by_day[0][0]), end=long_date(r.by_day[-1][0]))),
             Spacer(1, 4 * mm)]
    story += pdf_network.cover_summary(b) if pdf_network.is_network(r) else pdf_network.cover_tables(b)
    story.append(Spacer(1, 4 * mm))
    story.append(b.p(_("Édité par {who} le {when}.").format(who=esc(r.author or "Guichet"),
                                                            when=long_date(r.generated_at)), "small"))
    return story


def long_date(d) -> str:
    """« 1er octobre 2026 », « 23 novembre 2026 »."""
    return format_long_date(d)


def _overall(sat):
    if not sat or not sat.dimensions:
        return None
    overall = next((d for d in sat.dimensions if d.code in ("satisfaction_globale", "globale", "overall")), sat.dimensions[0])
    return overall.pct_satisfied


def sections(b) -> list:
    story = [PageBreak()]
    if pdf_network.is_network(b.r):
        story += pdf_network.network_section(b) + [PageBreak()]
    story += _activity(b)
    story += [PageBreak()] + _partners(b)
    story += [PageBreak()] + _nature(b)
    story += [CondPageBreak(90 * mm)] + _outcomes(b)
    story += [CondPageBreak(110 * mm)] + _profile(b)
    story += [PageBreak()] + _satisfaction(b)
    story += [CondPageBreak(120 * mm)] + _days(b)
    story += [PageBreak()] + _definitions(b)
    return story


def _activity(b) -> list:
    r = b.r
    rows = []
    for name, p in ((_("Mois du rapport"), r.current), (_("Mois précédent"), r.previous), (_("Même mois, année précédente"), r.last_year)):
        rows.append([f"{name} — {format_month(p.month)}", p.accompaniments, p.usagers,
                     evolution(r.current.accompaniments, p.accompaniments) if p is not r.current else ""])
    return [b.h1(_("Évolution de l’activité")),
            b.p(f"<b>{_('Accompagnements et usagers sur douze mois')}</b>", "h2"),
            b.charts.trend_bars(r.trend, b.width),
            Spacer(1, 3 * mm),
            b.table([_("Période"), _("Accompagnements"), _("Usagers"), _("Écart")], rows,
                    [b.width - 96 * mm, 38 * mm, 30 * mm, 28 * mm]),
            b.p(f"<b>{_('Répartition par jour de la semaine')}</b>", "h2"),
            b.charts.weekday_bars(r.by_weekday, b.width),
            b.p(f"<b>{_('Douze derniers mois')}</b>", "h2"),
            b.side_by_side([_months_table(b, r.trend[:6])], [_months_table(b, r.trend[6:])])]


def _months_table(b, periods):
    w = b.width / 2 - 8
    rows = [[format_month(p.month), p.accompaniments, p.usagers] for p in periods]
    return b.table([_("Mois"), _("Accompagnements"), _("Usagers")], rows, [w - 56 * mm, 36 * mm, 20 * mm])


def _partners(b) -> list:
    r = b.r
    compare = r.compare.get("partner", {})
    rows = [[esc(line.label), line.count, format_percent(line.share), *compare.get(line.code, (0, 0)),
             " · ".join(f"{esc(name)} ({format_number(n)})" for name, n in line.details)] for line in r.by_partner]
    out = [b.h1(_("Partenaires et démarches")),
           b.p(_("Un accompagnement qui concerne plusieurs partenaires compte pour chacun d’eux : la somme des "
                 "lignes ({sum}) peut dépasser le nombre d’accompagnements ({total}).").format(
               sum=format_number(sum(line.count for line in r.by_partner)), total=format_number(r.current.accompaniments)), "small"),
           Spacer(1, 2 * mm),
           b.charts.partner_bars(r.by_partner, b.width)]
    if rows:
        out += [b.p(f"<b>{_('Détail par partenaire')}</b>", "h2"),
                b.table([_("Partenaire"), _("Accomp."), _("Part"), _("M-1"), _("N-1"), _("Démarches les plus fréquentes")],
                        rows, [32 * mm, 18 * mm, 15 * mm, 14 * mm, 14 * mm, b.width - 93 * mm], numeric=(1, 2, 3, 4)),
                b.p(_("M-1 : {m1} ; N-1 : {n1}. Chaque tableau de l’annexe XLSX porte aussi ces deux colonnes.").format(
                    m1=format_month(r.previous.month), n1=format_month(r.last_year.month)), "small")]
    return out


def _nature(b) -> list:
    r = b.r
    half = b.width / 2 - 8
    left = b.breakdown(_("Type de réponse"), r.by_response_type, half)
    right = b.breakdown(_("Canal"), r.by_canal, half)
    left2 = b.breakdown(_("Thématique"), r.by_thematique, half)
    right2 = b.breakdown(_("Moment de vie"), r.by_moment, half, with_total=False,
                         empty=_("Aucun accompagnement rattaché à un moment de vie."))
    out = [b.h1(_("Nature des accompagnements")), b.side_by_side(left, right), Spacer(1, 3 * mm),
           b.side_by_side(left2, right2), Spacer(1, 3 * mm)]
    if len({line.group for line in r.by_bus_stop}) <= 1:  # one bus: a short table beside nothing
        stops = b.breakdown(_("Arrêt du bus"), r.by_bus_stop, half, empty=_("Aucun accompagnement en itinérance ce mois-ci."))
        return out + [b.side_by_side(stops, [])]
    # several buses: each stop under its own bus (two buses may have a « Mairie »), full width so it can run on
    rows = [[esc(line.group), esc(line.label), line.count, format_percent(line.share)] for line in r.by_bus_stop]
    return out + [CondPageBreak(60 * mm), b.p(f"<b>{_('Arrêts des bus')}</b>", "h2"),
                  b.table([_("Bus"), _("Arrêt"), _("Accomp."), _("Part")], rows,
                          [b.width - 110 * mm, 72 * mm, 20 * mm, 18 * mm], numeric=(2, 3))]


def _outcomes(b) -> list:
    r, f = b.r, b.r.follow_ups
    half = b.width / 2 - 8
    left = b.breakdown(_("Autonomie de l’usager"), r.by_autonomy, half)
    right = b.breakdown(_("Finalisation de la démarche"), r.by_finalisation, half)
    rows = [[_("Accompagnements du mois avec une relance encore ouverte"), f.month_open],
            [_("… dont la date de relance est dépassée"), f.month_overdue],
            [_("Toutes périodes : relances encore ouvertes"), f.backlog_open],
            [_("… dont la date de relance est dépassée"), f.backlog_overdue]]
    return [b.h1(_("Autonomie, finalisation et relances")), b.side_by_side(left, right),
            KeepTogether([b.p(f"<b>{_('Relances au {d}').format(d=long_date(f.as_of))}</b>", "h2"),
                          b.table([_("Relances"), _("Nombre")], rows, [b.width - 30 * mm, 30 * mm])])]


def _profile(b) -> list:
    """Usagers new or returning, durations, mandates; per agent for a supervisor."""
    r, p = b.r, b.r.profile
    if p is None:
        return []
    half = b.width / 2 - 8
    rows = [[_("Usagers identifiés"), p.identified],
            [_("… accompagnés pour la première fois"), p.new],
            [_("… déjà accompagnés avant ce mois-ci"), p.returning],
            [_("Accompagnements anonymes"), p.anonymous_visits]]
    left = [b.p(f"<b>{_('Usagers')}</b>", "h2"), b.table([_("Usagers"), _("Nombre")], rows, [half - 22 * mm, 22 * mm])]
    minutes = lambda v: "—" if v is None else format_number(v, 1) + " min"  # noqa: E731
    durations = [[esc(band), n] for band, n in p.by_duration]
    right = [b.p(f"<b>{_('Durée des accompagnements')}</b>", "h2"),
             b.table([_("Durée"), _("Accomp.")], durations, [half - 36 * mm, 36 * mm],
                     total=[_("Moyenne ; médiane"), f"{minutes(p.duration_mean)} ; {minutes(p.duration_median)}"])]
    out = [b.h1(_("Usagers, durée et mandats")), b.side_by_side(left, right), Spacer(1, 3 * mm),
           b.side_by_side(b.breakdown(_("Mandat"), r.by_mandate, half), [])]
    out += _usager_profile(b, half)
    if r.by_agent:
        rows = [[esc(a.name), esc(a.structure), a.accompaniments, a.usagers, minutes(a.duration_mean), a.follow_ups_open]
                for a in r.by_agent]
        out += [CondPageBreak(50 * mm), b.p(f"<b>{_('Par agent (pour la supervision, jamais transmis)')}</b>", "h2"),
                b.table([_("Agent"), _("Structure"), _("Accomp."), _("Usagers"), _("Durée moy."), _("Relances")], rows,
                        [40 * mm, b.width - 134 * mm, 20 * mm, 20 * mm, 26 * mm, 28 * mm], numeric=(2, 3, 4, 5))]
    return out


def _usager_profile(b, half: float) -> list:
    """Age band, sex, residence, commune: each table adds up to the month's usagers, « non
    renseigné » and the anonymous visits on lines of their own (app/reports/usager_profile.py)."""
    tables = b.r.usager_profile
    if not tables:
        return []
    prev, ly = _("M-1"), _("N-1")

    def block(t):
        rows = [[esc(line.label), line.count, format_percent(line.share), line.previous, line.last_year] for line in t.lines]
        return [b.p(f"<b>{esc(t.title)}</b>", "h2"),
                b.table([_("Valeur"), _("Usagers"), _("Part"), prev, ly], rows,
                        [half - 52 * mm, 14 * mm, 14 * mm, 12 * mm, 12 * mm], style="tiny")]  # 7 pt: « 1 163 » on one line
    out = [CondPageBreak(70 * mm), b.p(f"<b>{_('Profil des usagers (renseigné seulement avec leur accord)')}</b>", "h2"),
           b.p(_("Chaque tableau compte les usagers du mois ; M-1 et N-1 : {p} et {l}.").format(
               p=format_month(b.r.previous.month), l=format_month(b.r.last_year.month)), "small")]
    for left, right in zip(tables[::2], tables[1::2]):
        out.append(b.side_by_side(block(left), block(right)))
    return out


def _satisfaction(b) -> list:
    s = b.r.satisfaction
    out = [b.h1(_("Satisfaction des usagers"))]
    if not s.responses:
        out.append(b.p(_("Pas de données : aucune réponse à l’enquête de satisfaction pour ce mois.")))
        out.append(b.charts.satisfaction_bars([], b.width))
        return out
    out += [b.p(ngettext("{n} réponse ; taux de réponse : {rate}.", "{n} réponses ; taux de réponse : {rate}.",
                         s.responses).format(n=format_number(s.responses), rate=format_percent(s.response_rate))),
            Spacer(1, 2 * mm), b.charts.satisfaction_bars(s.dimensions, b.width), Spacer(1, 2 * mm)]
    rows = [[esc(d.label), format_percent(d.pct_satisfied), format_percent(d.pct_neutral),
             format_percent(d.pct_dissatisfied), net_points(d.net_rate)] for d in s.dimensions]
    out.append(b.table([_("Dimension"), _("Satisfaits"), _("Neutres"), _("Insatisfaits"), _("Taux net")], rows,
                       [b.width - 100 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm]))
    return out


def net_points(ratio) -> str:
    """A net rate is a difference of two percentages: « +70,9 pts », « −3,0 pts », « 0,0 pt »."""
    if ratio is None:
        return "—"
    points = 100 * ratio
    sign = "+" if points >= 0.05 else "−" if points <= -0.05 else ""
    value = format_number(abs(points), 1)
    return sign + ngettext("{v}\u00a0pt", "{v}\u00a0pts", int(abs(round(points, 1)))).format(v=value)


def _days(b) -> list:
    days = b.r.by_day
    half = (len(days) + 1) // 2
    cols = [[format_date(d, "EEE d"), n] for d, n in days]
    w = b.width / 2 - 8

    def part(rows):
        return b.table([_("Jour"), _("Accompagnements")], rows, [w - 36 * mm, 36 * mm])
    return [b.h1(_("Répartition par jour")), b.side_by_side([part(cols[:half])], [part(cols[half:])])]


def _definitions(b) -> list:
    items = [
        (_("Accompagnement"), _("Une visite, un appel ou un échange au cours duquel un agent aide un usager pour une ou "
                                "plusieurs démarches. Il compte pour le mois de sa date locale s’il est ouvert, en attente "
                                "du partenaire ou clos ; un accompagnement annulé (saisi par erreur) ne compte jamais.")),
        (_("Usager"), _("Chaque personne identifiée compte une fois dans le mois, quel que soit le nombre de ses "
                        "visites ; chaque accompagnement anonyme compte pour un usager.")),
        (_("Usagers d’une structure, d’un réseau"), _("Chaque structure compte ses propres usagers : une personne venue "
                                                     "dans deux structures compte dans chacune. Le total du réseau la compte "
                                                     "une fois ; il est donc inférieur à la somme des structures.")),
        (_("Par partenaire"), _("Un accompagnement compte une fois pour chaque partenaire concerné ; le total général "
                                "le compte une seule fois. Les démarches les plus fréquentes sont comptées de la même façon.")),
        (_("Relance ouverte, en retard"), _("Accompagnement ouvert ou en attente du partenaire ayant une date de relance ; "
                                            "en retard si cette date est antérieure à la date d’édition du rapport.")),
        (_("Taux de réponse"), _("Nombre de réponses à l’enquête de satisfaction rapporté au nombre d’accompagnements "
                                 "de la même période et des mêmes structures.")),
        (_("Satisfaits, neutres, insatisfaits ; taux net"), _("Réponses 4 ou 5, 3, et 1 ou 2 sur une échelle de 1 à 5 ; le "
                                                               "taux net est la part de satisfaits moins la part d’insatisfaits, en points de pourcentage (pts).")),
        (_("Premier partenaire ; « Autres »"), _("Le partenaire qui compte le plus d’accompagnements. Le graphique montre "
                                                "au plus douze barres : au-delà, une barre « Autres » additionne les "
                                                "partenaires restants, qui figurent tous dans le tableau.")),
        (_("Usager nouveau, déjà accompagné"), _("Parmi les usagers identifiés du mois, « nouveau » si aucun "
                                                  "accompagnement compté ne le concernait avant ce mois dans les "
                                                  "structures du rapport, « déjà accompagné » sinon. Un usager anonyme "
                                                  "ne peut pas être reconnu : il n’est ni l’un ni l’autre.")),
        (_("Durée ; mandat"), _("Durée saisie par l’agent pour chaque accompagnement (moyenne et médiane en minutes) ; "
                                "mandat donné par l’usager quand la démarche a été faite pour lui.")),
        (_("Profil des usagers"), _("Tranche d’âge, sexe, résidence en quartier prioritaire (QPV) ou en zone de "
                                    "revitalisation rurale (ZRR) et commune, enregistrés seulement si l’agent l’a choisi avec "
                                    "l’accord de l’usager. Chaque usager du mois compte une fois ; « non renseigné » compte "
                                    "les usagers identifiés sans cette information, « visites anonymes » les accompagnements "
                                    "anonymes (un usager chacun, sans profil) : chaque tableau totalise les usagers du mois. "
                                    "Sans tranche d’âge enregistrée, l’année de naissance donne l’âge atteint dans l’année.")),
        (_("M-1, N-1"), _("Le même compte pour le mois précédent et pour le même mois de l’année précédente, selon les "
                          "mêmes règles.")),
        (_("Par agent"), _("Accompagnements et usagers de chaque agent (mêmes règles que par structure), pour les "
                           "superviseurs : ces chiffres ne sont jamais transmis à l’outil national.")),
        (_("Évolution"), _("Écart relatif entre le mois du rapport et la période comparée ; « — » quand la période comparée "
                           "ne compte aucun accompagnement.")),
        (_("Empreinte"), _("Condensé (SHA-256) des chiffres transmis à l’outil national pour ce mois ; identique d’un "
                           "rapport à l’autre tant que les chiffres ne changent pas.")),
    ]
    out = [b.h1(_("Définitions"))]
    for term, text in items:
        out += [b.p(esc(term), "term"), b.p(esc(text))]
    out += [Spacer(1, 6 * mm),
            b.p(_("Les annexes tableur (XLSX, CSV) reprennent ces tableaux ; la feuille « Détail » (une ligne par "
                  "accompagnement, usagers pseudonymisés) n’est produite que pour les superviseurs."), "small")]
    return out
