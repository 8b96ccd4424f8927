"""A publication's XML → the HTML the « Fiches » pane shows (QTextBrowser's rich-text subset).

Sanitised by construction: the HTML is written here from a list of known elements; every text and
attribute value is escaped, nothing of the XML is copied through as markup, and there is never an
<img>, <script>, style sheet or remote resource. Links use four schemes the pane handles itself:
- `fiche:F1234` another publication of the base (LienInterne, LienIntra, questions-réponses);
- `cas:N` folds or unfolds the N-th case (« Vous êtes salarié », « Vous êtes retraité »…);
- `https://…` only for addresses the « Site officiel ? » check accepts (app/core/official_sites.py);
  any other address is shown as text with « adresse non vérifiée », never as a link (an
  http:// address of an official site is upgraded to https://).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from html import escape

from app.core import official_sites
from app.core.fiches_xml import parse_root
from app.i18n import _, format_date
from app.models.errors import ValidationError

INLINE = {"MiseEnEvidence": "b", "Expression": "i", "Exposant": "sup", "Indice": "sub"}
BOXES = {"ANoter": "#eef4fb", "ASavoir": "#eef4fb", "Attention": "#fdecea", "Avertissement": "#fff4d6"}
# The publication's own content; the rest (metadata, navigation, « voir aussi ») is not shown as text.
_BODY = ("Avertissement", "Introduction", "Texte", "ListeSituations", "CommentFaireSi", "Cible")
_SKIP = {"Condition", "Colonne", "SiSelectionne", "affecteVrai", "estVrai", "estIndefini", "ou", "Source"}


def official_url(url: str | None) -> str | None:
    """`url` when it is an address of an official site, else None. The 2019–2020 exports still
    carry http:// links to official sites; they are given as https:// (every official site
    serves it), so the pane never opens a plain-http page."""
    if url and url.startswith("http://"):
        url = "https://" + url[len("http://"):]
    if not url or not url.startswith("https://"):
        return None
    try:
        return url if official_sites.check(url).official else None
    except ValidationError:
        return None


@dataclass
class _Out:
    collapsed: frozenset[int]
    parts: list[str] = field(default_factory=list)
    cases: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, official url) for the handout

    def add(self, text: str) -> None:
        self.parts.append(text)


def _t(text: str | None) -> str:
    return escape(text or "", quote=True)


def _link(out: _Out, url: str | None, label: str) -> str:
    good = official_url(url)
    if good:
        out.links.append((label, good))
        return f'<a href="{_t(good)}">{_t(label)}</a>'
    shown = _t(label) + (f" ({_t(url)})" if url and url != label else "")
    return f'{shown} <span style="color:#8a1c1c">[{_t(_("adresse non vérifiée"))}]</span>'


def _inline(out: _Out, el: ET.Element) -> str:
    """Text of a paragraph-like element with its inline markup."""
    html = [_t(el.text)]
    for child in el:
        tag = child.tag
        if tag in INLINE:
            html.append(f"<{INLINE[tag]}>{_inline(out, child)}</{INLINE[tag]}>")
        elif tag in ("LienInterne", "LienIntra"):
            target = child.get("LienPublication") or child.get("LienID") or ""
            label = _inline(out, child)
            html.append(f'<a href="fiche:{_t(target)}">{label}</a>' if target[:1] in "FNR" and target[1:].isdigit()
                        else label)
        elif tag in ("LienExterne", "LienWeb"):
            html.append(_link(out, child.get("URL"), "".join(child.itertext()).strip()))
        elif tag == "Citation":
            html.append(f"« {_inline(out, child)} »")
        elif tag not in _SKIP:
            html.append(_inline(out, child))
        html.append(_t(child.tail))
    return "".join(html)


def _title(el: ET.Element) -> str:
    titre = el.find("Titre")
    return " ".join(" ".join(titre.itertext()).split()) if titre is not None else ""


def _block(out: _Out, el: ET.Element, level: int = 2) -> None:
    """Block-level content: paragraphs, chapters, lists, tables, cases, boxes, services."""
    for child in el:
        tag = child.tag
        if tag == "Paragraphe":
            out.add(f"<p>{_inline(out, child)}</p>")
        elif tag in ("Chapitre", "SousChapitre", "Situation"):
            heading = min(level + (tag == "SousChapitre"), 4)
            if _title(child):
                out.add(f"<h{heading}>{_t(_title(child))}</h{heading}>")
            _block(out, child, heading)
        elif tag in ("Texte", "Introduction", "ListeSituations", "Complement", "FragmentConditionne",
                     "CommentFaireSi", "Cible"):
            _block(out, child, level)
        elif tag == "Liste":
            kind = "ol" if child.get("type") == "numero" else "ul"
            out.add(f"<{kind}>")
            for item in child.findall("Item"):
                out.add("<li>")
                _block(out, item, level)
                out.add("</li>")
            out.add(f"</{kind}>")
        elif tag == "Tableau":
            _table(out, child)
        elif tag == "BlocCas":
            _cases(out, child, level)
        elif tag in BOXES:
            out.add(f'<table width="100%" cellpadding="6" style="background:{BOXES[tag]}"><tr><td>'
                    f"<b>{_t(_title(child) or tag)}</b>")
            _block(out, child, level)
            out.add("</td></tr></table>")
        elif tag == "ServiceEnLigne":
            _service(out, child)
        elif tag == "OuSAdresser":
            _office(out, child)
        elif tag not in _SKIP and tag != "Titre":
            _block(out, child, level)


def _cases(out: _Out, bloc: ET.Element, level: int) -> None:
    heading = min(level + 1, 4)
    for cas in bloc.findall("Cas"):
        out.cases += 1
        n = out.cases
        folded = n in out.collapsed
        mark = "▸" if folded else "▾"
        out.add(f'<h{heading} style="background:#f1f3f6"><a href="cas:{n}" style="text-decoration:none">'
                f"{mark} {_t(_title(cas))}</a></h{heading}>")
        if not folded:
            out.add('<div style="margin-left:12px">')
            _block(out, cas, heading)
            out.add("</div>")


def _table(out: _Out, table: ET.Element) -> None:
    if _title(table):
        out.add(f"<p><b>{_t(_title(table))}</b></p>")
    out.add('<table border="1" cellspacing="0" cellpadding="4">')
    for row in table.findall("Rangée"):
        cell_tag = "th" if row.get("type") == "header" else "td"
        out.add("<tr>")
        for cell in row.findall("Cellule"):
            out.add(f"<{cell_tag}>")
            _block(out, cell)
            out.add(f"</{cell_tag}>")
        out.add("</tr>")
    out.add("</table>")


def _service(out: _Out, service: ET.Element) -> None:
    kind = service.get("type") or _("Service en ligne")
    out.add(f"<p><b>{_t(kind)} :</b> {_link(out, service.get('URL'), _title(service))}</p>")


def _office(out: _Out, office: ET.Element) -> None:
    pivot = " ".join(" ".join(p.itertext()) for p in office.findall("PivotLocal")).strip()
    line = f"<p><b>{_t(_('Où s’adresser'))} :</b> {_t(_title(office))}"
    if pivot:
        line += f" <i>({_t(_('guichet local'))} : {_t(pivot)})</i>"
    web = office.find("RessourceWeb")
    if web is not None and web.get("URL"):
        line += " — " + _link(out, web.get("URL"), _("trouver l'adresse"))
    out.add(line + "</p>")
    for child in office:
        if child.tag in ("Complement", "Texte"):
            _block(out, child)


@dataclass(frozen=True)
class Rendered:
    html: str
    cases: int
    links: tuple[tuple[str, str], ...]


def render(xml: bytes, *, collapsed: frozenset[int] = frozenset(), stale_since: date | None = None,
           notes: list[str] | None = None) -> Rendered:
    """The fiche as HTML. `collapsed`: case numbers folded; `stale_since`: the base's content date
    when it is older than 3 months (a banner says so); `notes`: the site's notes, shown first."""
    root = parse_root(xml, "fiche")
    dc = "{http://purl.org/dc/elements/1.1/}"
    out = _Out(collapsed)
    if stale_since is not None:
        out.add('<table width="100%" cellpadding="6" style="background:#fff4d6"><tr><td>⚠ <b>'
                + _t(_("Base des fiches ancienne : contenu du {day}. Vérifiez sur service-public.fr "
                       "ou mettez la base à jour (Supervision › Fiches).").format(day=format_date(stale_since)))
                + "</b></td></tr></table>")
    for note in notes or []:
        out.add(f'<table width="100%" cellpadding="6" style="background:#e8f5e9"><tr><td><b>{_t(_("Note du site"))} :</b> {_t(note)}</td></tr></table>')
    fil = [" ".join(n.itertext()).strip() for n in root.findall("FilDAriane/Niveau")[1:] if n.get("ID") != root.get("ID")]
    if fil:
        out.add(f'<p style="color:#555">{_t(" › ".join(fil))}</p>')
    title = " ".join("".join(root.find(f"{dc}title").itertext()).split()) if root.find(f"{dc}title") is not None else ""
    out.add(f"<h1>{_t(title)}</h1>")
    desc = root.find(f"{dc}description")
    if desc is not None and desc.text:
        out.add(f"<p><i>{_t(desc.text.strip())}</i></p>")
    body = ET.Element("body")
    body.extend(child for child in root if child.tag in _BODY)
    _block(out, body)
    offices = root.findall("OuSAdresser")
    if offices:
        out.add(f"<h2>{_t(_('Où s’adresser ?'))}</h2>")
        for office in offices:
            _office(out, office)
    services = root.findall("ServiceEnLigne")
    if services:
        out.add(f"<h2>{_t(_('Services en ligne et formulaires'))}</h2>")
        for service in services:
            _service(out, service)
    _references(out, root)
    return Rendered("".join(out.parts), out.cases, tuple(out.links))


def _references(out: _Out, root: ET.Element) -> None:
    questions = root.findall("QuestionReponse")
    if questions:
        out.add(f"<h2>{_t(_('Questions ? Réponses !'))}</h2><ul>")
        for q in questions:
            out.add(f'<li><a href="fiche:{_t(q.get("ID"))}">{_t(" ".join(q.itertext()).strip())}</a></li>')
        out.add("</ul>")
    more = root.findall("PourEnSavoirPlus") + root.findall("Reference")
    if more:
        out.add(f"<h2>{_t(_('Pour en savoir plus et textes de référence'))}</h2><ul>")
        for ref in more:
            out.add(f"<li>{_link(out, ref.get('URL'), _title(ref))}</li>")
        out.add("</ul>")
    date_el = root.find("{http://purl.org/dc/elements/1.1/}date")
    if date_el is not None and date_el.text:
        from app.core.fiches_xml import modified_date

        day = modified_date(date_el.text)
        if day:
            out.add(f'<p style="color:#555">{_t(_("Fiche modifiée le {day}").format(day=format_date(day)))} — '
                    f"{_t(_('Source : service-public.fr (DILA), Licence Ouverte 2.0'))}</p>")
