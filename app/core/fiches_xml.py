"""One publication of the co-marquage export (XML) → a `FicheRecord`, parsed safely.

Every file goes through `defusedxml` with DTDs forbidden: the export never carries a DOCTYPE, and
refusing any is what shuts out external entities (XXE: a file read or a URL fetched while parsing)
and entity expansion (« billion laughs »: a few hundred bytes growing into gigabytes in memory).
Errors: `FicheFormatError` (French message) for anything that is not a well-formed, DTD-free
publication.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.i18n import _
from app.models.errors import ValidationError
from app.store.fiches_base import FicheRecord

DC = "{http://purl.org/dc/elements/1.1/}"
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_SPACES = re.compile(r"\s+")
# Elements that are navigation or metadata, not the fiche's content: left out of the text index
# (a fiche would otherwise match every word of its neighbours' titles).
_NOT_TEXT = {"FilDAriane", "Theme", "DossierPere", "SousThemePere", "SousDossierPere", "VoirAussi",
             "Reference", "PourEnSavoirPlus", "QuestionReponse", "Definition", "Abreviation", "Canal",
             "Audience", "SurTitre", "InformationComplementaire", "Actualite", "Montant"}


class FicheFormatError(ValidationError):
    """A file of the archive is not a safe, well-formed publication."""

    def __init__(self, message: str, **params):
        super().__init__(message, field="archive", **params)


def parse_root(data: bytes, name: str) -> ET.Element:
    """The root element of one XML file. Raises FicheFormatError (DTD, entity, malformed)."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FicheFormatError(_("Archive refusée : le fichier {name} contient une déclaration de document "
                                 "(DTD ou entités), interdite dans l'export officiel. Rien n'a été changé : "
                                 "l'ancienne base reste en service."), name=name) from None
    except ET.ParseError:
        raise FicheFormatError(_("Archive refusée : le fichier {name} n'est pas un XML valide (fichier abîmé ?). "
                                 "Rien n'a été changé : l'ancienne base reste en service."), name=name) from None


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _text_of(el: ET.Element | None) -> str:
    return _clean(" ".join(el.itertext())) if el is not None else ""


def _body_text(root: ET.Element) -> str:
    parts: list[str] = []
    for child in root:
        tag = child.tag
        if tag.startswith(DC) or tag in _NOT_TEXT:
            continue
        parts.append(" ".join(child.itertext()))
    return _clean(" ".join(parts))


def modified_date(text: str) -> date | None:
    """« modified 2020-01-01 » (dc:date) → date; None when absent or unreadable."""
    match = _DATE.search(text or "")
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def breadcrumb(root: ET.Element) -> str:
    fil = root.find("FilDAriane")
    levels = fil.findall("Niveau")[1:] if fil is not None else []
    # « Accueil particuliers » is the same first level everywhere and the last one is the fiche's
    # own title: neither says anything at the counter.
    return " › ".join(_clean("".join(n.itertext())) for n in levels if n.get("ID") != root.get("ID"))


def record_from(root: ET.Element, data: bytes) -> FicheRecord | None:
    """The record of a `<Publication>` root; None for the export's other files (menus, trees)."""
    if root.tag != "Publication" or not root.get("ID"):
        return None
    return FicheRecord(
        id=root.get("ID").strip(),
        kind=_clean(root.get("type")) or _text_of(root.find(f"{DC}type")),
        title=_text_of(root.find(f"{DC}title")),
        description=_text_of(root.find(f"{DC}description")),
        subject=_text_of(root.find(f"{DC}subject")),
        breadcrumb=breadcrumb(root),
        modified=modified_date(_text_of(root.find(f"{DC}date"))),
        text=_body_text(root),
        xml=data,
    )
