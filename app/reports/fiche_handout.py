"""A fiche to hand to the usager: PDF in large type (body 14 pt), the official links as QR codes.

No personal data at all: only the fiche (public content of service-public.fr, Licence Ouverte
2.0) and the site's notes, so the file may be saved anywhere. The text comes from the fiche's XML
through the same element walk as the pane, flattened for paper: every case is printed (nothing is
folded on paper); each official address (those the « Site officiel ? » check accepted,
app/core/fiche_html.py) is printed with its QR code, at most MAX_QR, so a phone opens it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from app.core.fiche_html import render
from app.core.fiches_xml import modified_date, parse_root
from app.reports.handout import FONT, _register_fonts

BODY_PT = 14
MAX_QR = 8
DC = "{http://purl.org/dc/elements/1.1/}"
_BLOCKS = {"Paragraphe", "Item", "Titre"}
_SKIP = {"Condition", "Colonne", "Source", "SiSelectionne", "FilDAriane", "Theme", "DossierPere", "SousThemePere",
         "SousDossierPere", "VoirAussi", "Reference", "PourEnSavoirPlus", "QuestionReponse", "Definition",
         "Abreviation", "Canal", "Audience", "SurTitre"}


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _flat(el: ET.Element) -> str:
    return " ".join(" ".join(el.itertext()).split())


def _walk(el: ET.Element, out: list[tuple[str, str]], depth: int = 0) -> None:
    """(style, text) lines: h for headings (chapters, cases), p for paragraphs, li for list items."""
    for child in el:
        tag = child.tag
        if tag.startswith(DC) or tag in _SKIP:
            continue
        if tag in ("Chapitre", "SousChapitre", "Cas", "Situation"):
            title = child.find("Titre")
            if title is not None:
                out.append(("h", _flat(title)))
            _walk(child, out, depth + 1)
        elif tag == "Paragraphe":
            out.append(("p", _flat(child)))
        elif tag == "Item":
            out.append(("li", _flat(child)))
        elif tag in ("OuSAdresser", "ServiceEnLigne"):
            title = child.find("Titre")
            label = "Où s'adresser" if tag == "OuSAdresser" else (child.get("type") or "Service en ligne")
            out.append(("p", f"{label} : {_flat(title) if title is not None else ''}"))
        elif tag == "Titre":
            continue
        else:
            _walk(child, out, depth)


def write_pdf(xml: bytes, path: Path, notes: list[str] | None = None) -> Path:
    """Write the handout of the fiche `xml` to `path`; returns it."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

    _register_fonts()
    root = parse_root(xml, "fiche")
    title = _flat(root.find(f"{DC}title")) if root.find(f"{DC}title") is not None else ""
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_PT, leading=BODY_PT * 1.35, spaceAfter=4)
    styles = {"p": body,
              "li": ParagraphStyle("li", parent=body, leftIndent=8 * mm, bulletIndent=2 * mm),
              "h": ParagraphStyle("h", parent=body, fontName=FONT + "-Bold", fontSize=17, leading=22, spaceBefore=8),
              "t": ParagraphStyle("t", parent=body, fontName=FONT + "-Bold", fontSize=24, leading=30)}
    story = [Paragraph(_esc(title), styles["t"])]
    desc = root.find(f"{DC}description")
    if desc is not None and desc.text:
        story.append(Paragraph(f"<i>{_esc(desc.text.strip())}</i>", body))
    for note in notes or []:
        story.append(Paragraph(f"<b>Note du site :</b> {_esc(note)}", body))
    lines: list[tuple[str, str]] = []
    _walk(root, lines)
    for style, text in lines:
        if text:
            story.append(Paragraph(_esc(text), styles[style], bulletText="•" if style == "li" else None))
    links = list(dict.fromkeys(url for _t, url in render(xml).links))[:MAX_QR]
    if links:
        story += [Spacer(1, 6 * mm), Paragraph("Les adresses officielles (à flasher avec un téléphone)", styles["h"])]
        for url in links:
            widget = QrCodeWidget(url)
            x0, y0, x1, y1 = widget.getBounds()
            size = 32 * mm
            drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
            drawing.add(widget)
            story.append(KeepTogether(Table([[drawing, Paragraph(_esc(url), body)]], colWidths=[36 * mm, None])))
    day = modified_date(_flat(root.find(f"{DC}date"))) if root.find(f"{DC}date") is not None else None
    story.append(Spacer(1, 6 * mm))
    dated = f" — fiche {root.get('ID')} modifiée le {day:%d/%m/%Y}" if day else ""
    story.append(Paragraph(_esc(f"Source : service-public.fr (DILA), Licence Ouverte 2.0{dated}."),
                           ParagraphStyle("src", parent=body, fontSize=10, leading=13)))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title, author="Guichet — France services")
    doc.build(story)
    return Path(path)

