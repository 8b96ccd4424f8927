"""The monthly report as a PDF (reportlab, imported lazily: only this function needs it).

Layout: a cover with the key figures, then one section per theme, each with a bookmark in the
outline, a running header and « page n sur N »; a definitions page closes the document. Text is
set in DejaVu Sans (resources/fonts) because babel's French formats use the narrow no-break
space U+202F (« 1 234 », « 12,5 % »), which the PDF base fonts do not have.
"""

from __future__ import annotations

from pathlib import Path

from app.i18n import _, current_language, format_datetime, format_month, format_number, format_percent
from app.reports.monthly import Line, MonthlyReport, Progress
from app.reports.pdf_text import esc, evolution  # noqa: F401  (pdf.evolution: public)
from app.resources import resource_path

_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    if _fonts_ready:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    addMapping("DejaVuSans", 0, 0, "DejaVuSans")
    addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
    addMapping("DejaVuSans", 0, 1, "DejaVuSans")
    addMapping("DejaVuSans", 1, 1, "DejaVuSans-Bold")
    _fonts_ready = True


class _Builder:
    """Holds styles and the report while the story is assembled."""

    def __init__(self, report: MonthlyReport):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm

        from app.reports import charts

        self.r = report
        self.mm = mm
        self.colors = colors
        self.charts = charts
        base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9, leading=12.5, textColor=charts.GREY_TEXT)
        self.st = {
            "body": base,
            "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
            "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
            "cellr": ParagraphStyle("cellr", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
            "tiny": ParagraphStyle("tiny", parent=base, fontSize=7, leading=8.4),
            "tinyr": ParagraphStyle("tinyr", parent=base, fontSize=7, leading=8.4, alignment=TA_RIGHT),
            "h1": ParagraphStyle("h1", parent=base, fontName="DejaVuSans-Bold", fontSize=15, leading=19,
                                 textColor=charts.BLUE, spaceBefore=12, spaceAfter=8),
            "h2": ParagraphStyle("h2", parent=base, fontName="DejaVuSans-Bold", fontSize=10.5, leading=14,
                                 spaceBefore=10, spaceAfter=4, textColor=colors.HexColor("#161616")),
            "big": ParagraphStyle("big", parent=base, fontName="DejaVuSans-Bold", fontSize=22, leading=26,
                                  textColor=charts.BLUE),
            "bigtext": ParagraphStyle("bigtext", parent=base, fontName="DejaVuSans-Bold", fontSize=14, leading=17,
                                      textColor=charts.BLUE, spaceBefore=4, spaceAfter=5),
            "tile": ParagraphStyle("tile", parent=base, fontSize=8, leading=10.5),
            "term": ParagraphStyle("term", parent=base, fontName="DejaVuSans-Bold", spaceBefore=6),
        }
        self.width = 210 * mm - 36 * mm

    # --- building blocks ---------------------------------------------------------------------

    def p(self, text: str, style: str = "body"):
        from reportlab.platypus import Paragraph

        return Paragraph(text, self.st[style])

    def h1(self, text: str):
        para = self.p(esc(text), "h1")
        para._bookmark = text  # picked up by _Doc.afterFlowable for the outline
        return para

    def table(self, header: list[str], rows: list[list], widths: list[float], total: list | None = None,
              numeric: tuple[int, ...] | None = None, style: str = "cell"):
        """A zebra table; `numeric` columns (default: all but the first) are right-aligned;
        style "tiny" sets a long table (60 structures) in 7 pt so it holds on one or two pages."""
        numeric = tuple(range(1, len(header))) if numeric is None else numeric
        from reportlab.platypus import Table, TableStyle

        left, right = (style, style + "r")
        pad = 1.2 if style == "tiny" else 2.5

        def cell(value, col, bold=False):
            style = right if col in numeric else left
            text = value if isinstance(value, str) else format_number(value)
            return self.p(f"<b>{text}</b>" if bold else text, style)

        data = [[cell(f"<b>{esc(h)}</b>", i) for i, h in enumerate(header)]]
        data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
        if total:
            data.append([cell(v, i, bold=True) for i, v in enumerate(total)])
        t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [("BACKGROUND", (0, 0), (-1, 0), self.charts.BLUE_PALE),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.8, self.charts.BLUE),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad)]
        if left == "tiny":
            style += [("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
        for i in range(2, len(data), 2):
            style.append(("BACKGROUND", (0, i), (-1, i), self.colors.HexColor("#F6F6F6")))
        if total:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, self.charts.GREY))
        t.setStyle(TableStyle(style))
        return t

    def breakdown(self, title: str, lines: list[Line], width: float, with_total: bool = True, empty: str | None = None):
        """Label | accompaniments | share, optionally with a total row."""
        if not lines:
            return [self.p(f"<b>{esc(title)}</b>", "h2"), self.p(esc(empty or _("Aucun accompagnement.")), "small")]
        rows = [[esc(line.label), line.count, format_percent(line.share)] for line in lines]
        total = None
        if with_total:
            n = sum(line.count for line in lines)
            total = [_("Total"), n, format_percent(n / self.r.current.accompaniments) if self.r.current.accompaniments else "—"]
        return [self.p(f"<b>{esc(title)}</b>", "h2"),
                self.table([title, _("Accomp."), _("Part")], rows, [width - 38 * self.mm, 20 * self.mm, 18 * self.mm], total)]

    def side_by_side(self, left: list, right: list):
        from reportlab.platypus import Table, TableStyle

        t = Table([[left, right]], colWidths=[self.width / 2, self.width / 2], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (0, -1), 8), ("RIGHTPADDING", (1, 0), (1, -1), 0)]))
        return t


def write_pdf(report: MonthlyReport, path: Path | str, progress: Progress | None = None) -> Path:
    """Write the report to `path` and return it. Raises OSError if the file cannot be written."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate

    from app.reports import pdf_sections

    _register_fonts()
    step = progress or (lambda done, total, text="": None)
    path = Path(path)
    b = _Builder(report)
    title = _("Rapport d'activité — {month}").format(month=format_month(report.month))

    class _Doc(BaseDocTemplate):
        def afterFlowable(self, flowable):
            text = getattr(flowable, "_bookmark", None)
            if text:
                key = f"s{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=0)

    doc = _Doc(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=20 * mm,
               bottomMargin=18 * mm, title=title, author=report.author or "Guichet",
               subject=_("Activité France services : {scope}").format(scope=report.scope_label),
               creator="Guichet", keywords=["France services", "rapport mensuel"],
               lang="fr-FR" if current_language() == "fr" else "en-GB")
    body = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    cover = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height - 52 * mm, id="cover")
    doc.addPageTemplates([PageTemplate("cover", [cover], onPage=lambda c, d: _cover_band(c, d, report)),
                          PageTemplate("body", [body], onPage=lambda c, d: _running_header(c, d, report, title))])

    step(0, 3, _("Mise en page du PDF"))
    # the body template from the second page on, even if the cover were ever to overflow
    story = [NextPageTemplate("body")] + pdf_sections.cover(b) + pdf_sections.sections(b)
    step(1, 3, _("Écriture du PDF"))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.build(story, canvasmaker=_numbered_canvas(report))
    step(2, 3, _("PDF écrit"))
    return path


def _cover_band(canvas, doc, report: MonthlyReport) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from app.reports import charts

    w, h = A4
    canvas.saveState()
    canvas.setFillColor(charts.BLUE)
    canvas.rect(0, h - 62 * mm, w, 62 * mm, stroke=0, fill=1)
    canvas.setFillColor(charts.RED)
    canvas.rect(0, h - 62 * mm, w, 1.6 * mm, stroke=0, fill=1)
    canvas.setFillColor(charts.BLUE_PALE)
    canvas.setFont("DejaVuSans", 10)
    canvas.drawString(18 * mm, h - 16 * mm, _("France services · Rapport d'activité mensuel"))
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont("DejaVuSans-Bold", 30)
    month = format_month(report.month)
    canvas.drawString(18 * mm, h - 34 * mm, month[:1].upper() + month[1:])
    canvas.setFont("DejaVuSans", 12)
    scope = report.scope_label
    canvas.drawString(18 * mm, h - 44 * mm, scope if len(scope) <= 80 else scope[:79] + "…")
    canvas.setFont("DejaVuSans", 8.5)
    canvas.setFillColor(charts.BLUE_PALE)
    matricules = ", ".join(s.matricule for s in report.structures[:12]) + (" …" if len(report.structures) > 12 else "")
    canvas.drawString(18 * mm, h - 52 * mm, _("Matricule(s) : {m}").format(m=matricules))
    canvas.restoreState()


def _running_header(canvas, doc, report: MonthlyReport, title: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from app.reports import charts

    w, h = A4
    canvas.saveState()
    canvas.setStrokeColor(charts.BLUE)
    canvas.setLineWidth(0.6)
    canvas.line(18 * mm, h - 13 * mm, w - 18 * mm, h - 13 * mm)
    canvas.setFont("DejaVuSans-Bold", 7.5)
    canvas.setFillColor(charts.BLUE)
    canvas.drawString(18 * mm, h - 11 * mm, title)
    canvas.setFont("DejaVuSans", 7.5)
    canvas.setFillColor(charts.GREY_TEXT)
    scope = report.scope_label
    canvas.drawRightString(w - 18 * mm, h - 11 * mm, scope if len(scope) <= 70 else scope[:69] + "…")
    canvas.restoreState()


def _numbered_canvas(report: MonthlyReport):
    """A canvas that knows the page count at the end, for « page n sur N » footers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from app.reports import charts

    stamp = _("Édité le {when}").format(when=format_datetime(report.generated_at, "short"))

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("DejaVuSans", 7.5)
                self.setFillColor(charts.GREY_TEXT)
                self.drawRightString(A4[0] - 18 * mm, 10 * mm,
                                     _("Page {n} sur {total}").format(n=self._pageNumber, total=count))
                self.drawString(18 * mm, 10 * mm, stamp)
                super().showPage()
            self.showOutline()
            super().save()

    return NumberedCanvas


__all__ = ["write_pdf", "evolution"]
