"""Which fiche explains which démarche: resources/catalogues/procedure_fiches.csv.

Data, not code (columns `procedure,fiche`): a démarche of the catalogue may carry the id of the
service-public.fr fiche that explains it, so F2 from the accompaniment form opens that fiche.
`load_links` refuses (CatalogueError, with file and line) an unknown démarche code, a malformed id
or a démarche listed twice; `missing_in_base` names the linked ids a fiches base does not hold,
checked after each import (the supervisor is told which links the new base breaks).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from app.models.catalogue import catalogue
from app.models.errors import CatalogueError
from app.resources import resource_path
from app.store import fiches_base

LINKS_FILE = "procedure_fiches.csv"
_FICHE_ID = re.compile(r"^[FNR]\d{1,6}$")


def load_links(path: Path | None = None, procedure_codes: set[str] | None = None) -> dict[str, str]:
    """{procedure code: fiche id}. Raises CatalogueError."""
    path = path or resource_path("catalogues", LINKS_FILE)
    codes = procedure_codes if procedure_codes is not None else set(catalogue().procedures)
    links: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["procedure", "fiche"]:
            raise CatalogueError(path.name, 1, "colonnes attendues : procedure,fiche")
        for line, row in enumerate(reader, start=2):
            code, fiche = (row["procedure"] or "").strip(), (row["fiche"] or "").strip()
            if code not in codes:
                raise CatalogueError(path.name, line, f"démarche inconnue du catalogue : {code}")
            if not _FICHE_ID.match(fiche):
                raise CatalogueError(path.name, line, f"identifiant de fiche invalide : {fiche} (F1234 attendu)")
            if code in links:
                raise CatalogueError(path.name, line, f"démarche déjà reliée à une fiche : {code}")
            links[code] = fiche
    return links


@lru_cache(maxsize=1)
def links() -> dict[str, str]:
    return load_links()


def fiche_for(procedure_code: str | None) -> str | None:
    return links().get(procedure_code or "")


def missing_in_base(base: Path, linked: dict[str, str] | None = None) -> list[str]:
    """The démarches whose linked fiche the base at `base` does not hold (sorted)."""
    linked = links() if linked is None else linked
    present = fiches_base.existing_ids(base, linked.values())
    return sorted(code for code, fiche in linked.items() if fiche not in present)
