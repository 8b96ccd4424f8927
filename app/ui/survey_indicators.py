"""Satisfaction indicators: per period, structure, canal and partner, with a small bar chart.

Figures come only from app.core.surveys.indicators / indicator_rows (the same service as the
monthly report and the national sync). The chart is painted with QPainter: one stacked bar per
dimension, satisfied | neutral | dissatisfied, each part labelled with its percentage in words
(never colour alone); « pas de réponse » where a dimension has no answer.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QSizePolicy, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app.i18n import _, format_number, format_percent, label
from app.models.surveys import DIMENSIONS

DIMENSION_LABELS = {"satisfaction_globale": "Satisfaction globale", "facilite_acces": "Facilité d'accès",
                    "delais": "Délais", "simplicite": "Simplicité de la démarche",
                    "qualite_accueil": "Qualité de l'accueil"}
NO_ANSWER = "pas de réponse"
# (fill, text on it): each pair ≥ 4.5:1 (tests/ui/test_survey_indicators.py checks)
PARTS = (("satisfied", "Satisfaits", "#18753c", "#ffffff"), ("neutral", "Neutres", "#595959", "#ffffff"),
         ("dissatisfied", "Insatisfaits", "#ce0500", "#ffffff"))


def pct(value: float | None) -> str:
    return _(NO_ANSWER) if value is None else format_percent(value, 0)


def net(value: float | None) -> str:
    if value is None:
        return _(NO_ANSWER)
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{format_number(round(abs(value) * 100))}"


class SatisfactionChart(QWidget):
    """Stacked horizontal bars, one per dimension."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dimensions: dict = {}
        self.setAccessibleName(_("Graphique de satisfaction par dimension"))
        self.setMinimumHeight(260)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def set_data(self, dimensions: dict) -> None:
        self.dimensions = dimensions
        lines = []
        for d in DIMENSIONS:
            s = dimensions.get(d)
            if s is None or not s.answered:
                lines.append(f"{_(DIMENSION_LABELS[d])} : {_(NO_ANSWER)}")
            else:
                lines.append(_("{dim} : {s} satisfaits, {n} neutres, {i} insatisfaits").format(
                    dim=_(DIMENSION_LABELS[d]), s=pct(s.pct_satisfied), n=pct(s.pct_neutral), i=pct(s.pct_dissatisfied)))
        self.setAccessibleDescription(" ; ".join(lines))
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        fm = p.fontMetrics()
        label_w = max(fm.horizontalAdvance(_(v)) for v in DIMENSION_LABELS.values()) + 16
        row_h = max(fm.height() * 2, (self.height() - fm.height() * 2 - 8) / len(DIMENSIONS))
        bar_w = max(60, self.width() - label_w - 8)
        for i, d in enumerate(DIMENSIONS):
            y = i * row_h + 4
            p.setPen(pal.windowText().color())
            p.drawText(QRectF(0, y, label_w - 8, row_h - 8), Qt.AlignRight | Qt.AlignVCenter, _(DIMENSION_LABELS[d]))
            stats = self.dimensions.get(d)
            box = QRectF(label_w, y, bar_w, row_h - 8)
            if stats is None or not stats.answered:
                p.setPen(QPen(pal.windowText().color(), 1, Qt.DashLine))
                p.drawRect(box)
                p.drawText(box, Qt.AlignCenter, _(NO_ANSWER))
                continue
            x = box.left()
            for key, _name, fill, ink in PARTS:
                share = getattr(stats, f"pct_{key}") or 0.0
                part = QRectF(x, box.top(), bar_w * share, box.height())
                p.fillRect(part, QColor(fill))
                text = format_percent(share, 0)
                if share and fm.horizontalAdvance(text) + 6 < part.width():
                    p.setPen(QColor(ink))
                    p.drawText(part, Qt.AlignCenter, text)
                x += part.width()
        # legend, in words
        y = len(DIMENSIONS) * row_h + 4
        x = float(label_w)
        for _key, name, fill, _ink in PARTS:
            p.fillRect(QRectF(x, y + 3, fm.height() - 6, fm.height() - 6), QColor(fill))
            p.setPen(pal.windowText().color())
            p.drawText(QRectF(x + fm.height(), y, 200, fm.height()), Qt.AlignLeft | Qt.AlignVCenter, _(name))
            x += fm.height() + fm.horizontalAdvance(_(name)) + 24
        p.end()


def _table(name: str, headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
    t.setAccessibleName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QTableWidget.NoEditTriggers)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, c, item)


class IndicatorsView(QWidget):
    refreshed = Signal()

    def __init__(self, desk, parent=None, today: date | None = None):
        super().__init__(parent)
        from app.core import structures
        from app.models.catalogue import catalogue
        from app.models.enums import Canal

        actor = desk.actor
        actor.require("read_survey_indicators")  # the reads check again; this avoids an empty window
        self.desk = desk
        today = today or date.today()
        self.setAccessibleName(_("Indicateurs de satisfaction"))
        self.start = QDateEdit(QDate(today.year, today.month, 1))
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        for w, name in ((self.start, _("Du")), (self.end, _("Au (inclus)"))):
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd/MM/yyyy")
            w.setAccessibleName(name)
            w.dateChanged.connect(self.refresh)
        self.structure = QComboBox()
        self.structure.setAccessibleName(_("Structure"))
        sites = desk.query(lambda session, _actor: structures.structures(session))
        self.structure.addItem(_("Toutes les structures"), None)
        for s in sites:
            self.structure.addItem(f"{s.name} ({s.matricule})", s.id)
        self.structure.setCurrentIndex(max(0, self.structure.findData(actor.structure_id)))
        self.canal = QComboBox()
        self.canal.setAccessibleName(_("Canal"))
        self.canal.addItem(_("Tous les canaux"), None)
        for c in Canal:
            self.canal.addItem(label("canal", c.value), c.value)
        self.partner = QComboBox()
        self.partner.setAccessibleName(_("Partenaire"))
        self.partner.addItem(_("Tous les partenaires"), None)
        self.partner_names = {code: d.short_label for code, d in catalogue().partners.items()}
        for code, name in sorted(self.partner_names.items(), key=lambda kv: kv[1].lower()):
            self.partner.addItem(name, code)
        for combo in (self.structure, self.canal, self.partner):
            combo.currentIndexChanged.connect(self.refresh)

        form = QFormLayout()
        period = QHBoxLayout()
        period.addWidget(self.start)
        period.addWidget(QLabel(_("au")))
        period.addWidget(self.end)
        period.addStretch(1)
        start_label = QLabel(_("&Période du"))
        start_label.setBuddy(self.start)
        form.addRow(start_label, period)
        for text, combo in ((_("&Structure"), self.structure), (_("&Canal"), self.canal), (_("Pa&rtenaire"), self.partner)):
            lab = QLabel(text)
            lab.setBuddy(combo)
            form.addRow(lab, combo)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Résumé"))
        self.summary.setTextInteractionFlags(Qt.TextSelectableByKeyboard | Qt.TextSelectableByMouse)
        self.chart = SatisfactionChart()
        self.dims = _table(_("Indicateurs par dimension"), [_("Dimension"), _("Réponses"), _("Satisfaits"),
                                                             _("Neutres"), _("Insatisfaits"), _("Taux net (points)")])
        self.by_canal = _table(_("Indicateurs par canal"), [_("Canal"), _("Réponses"), _("Accompagnements"),
                                                            _("Taux de réponse"), _("Satisfaction globale"), _("Taux net")])
        self.by_partner = _table(_("Indicateurs par partenaire"), [_("Partenaire"), _("Réponses"), _("Accompagnements"),
                                                                   _("Taux de réponse"), _("Satisfaction globale"), _("Taux net")])
        tabs = QTabWidget()
        tabs.setAccessibleName(_("Détail"))
        tabs.addTab(self.dims, _("Par dimension"))
        tabs.addTab(self.by_canal, _("Par canal"))
        tabs.addTab(self.by_partner, _("Par partenaire"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.chart, 2)
        layout.addWidget(tabs, 2)
        self.refresh()

    def period(self) -> tuple[date, date]:
        start, end = self.start.date().toPython(), self.end.date().toPython()
        return start, end + timedelta(days=1)  # shown inclusive, computed end-exclusive

    def refresh(self) -> None:
        from app.core.surveys import indicator_rows, indicators

        start, end = self.period()
        sid = self.structure.currentData()
        wanted = [sid] if sid is not None else None
        canal, partner = self.canal.currentData(), self.partner.currentData()

        def read(session, actor):
            actor.require("read_survey_indicators")
            ids = [i for i in (wanted or sorted(actor.structure_ids)) if actor.sees(i)]  # the actor's scope only
            return (indicators(session, start=start, end=end, structure_ids=ids, canal=canal, partner_code=partner),
                    indicator_rows(session, start=start, end=end, structure_ids=ids, group_by="canal"),
                    indicator_rows(session, start=start, end=end, structure_ids=ids, group_by="partner"))

        result, canal_rows, partner_rows = self.desk.query(read)
        self.result = result
        if start >= end:
            self.summary.setText("⚠ " + _("La fin de la période précède son début."))
        elif result.responses == 0:
            self.summary.setText(_("Aucune réponse sur la période : pas de réponse."))
        else:
            self.summary.setText(_("{r} réponse(s) pour {a} accompagnement(s) : taux de réponse {rate}. "
                                   "Démarche aboutie : {yes} oui, {no} non.").format(
                r=format_number(result.responses), a=format_number(result.accompaniments),
                rate="—" if result.response_rate is None else pct(result.response_rate), yes=format_number(result.demarche_aboutie_yes),
                no=format_number(result.demarche_aboutie_no)))
        self.chart.set_data(result.dimensions)
        _fill(self.dims, [[_(DIMENSION_LABELS[d]), format_number(s.answered), pct(s.pct_satisfied), pct(s.pct_neutral),
                           pct(s.pct_dissatisfied), net(s.net_rate)]
                          for d, s in result.dimensions.items()])
        _fill(self.by_canal, [self._row(label("canal", r.code), r.indicators) for r in canal_rows])
        _fill(self.by_partner, [self._row(self.partner_names.get(r.code, r.code) or _("(non précisé)"), r.indicators)
                                for r in partner_rows])
        self.refreshed.emit()

    @staticmethod
    def _row(name: str, ind) -> list[str]:
        g = ind.dimensions["satisfaction_globale"]
        rate = "—" if ind.response_rate is None else pct(ind.response_rate)
        return [name, format_number(ind.responses), format_number(ind.accompaniments), rate,
                pct(g.pct_satisfied), net(g.net_rate)]


def show_indicators(window) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle(_("Indicateurs de satisfaction"))
    dialog.setAccessibleName(_("Indicateurs de satisfaction"))
    dialog.resize(980, 720)
    layout = QVBoxLayout(dialog)
    view = IndicatorsView(window.desk, dialog)
    layout.addWidget(view)
    survey = getattr(window, "survey_screen", None)
    if survey is not None:
        survey.response_recorded.connect(view.refresh)
    dialog.view = view
    dialog.open()
    return dialog
