"""Loading and validating the reference catalogues in resources/catalogues/.

Pure Python (csv + dataclasses): the UI can read labels without importing the ORM, and a broken
file is reported with its name and line instead of a traceback.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.models.enums import VOCABULARIES, Thematique
from app.models.errors import CatalogueError
from app.resources import resource_path

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,59}$")


@dataclass(frozen=True)
class PartnerDef:
    code: str
    label: str
    short_label: str
    scope: str
    valid_from: date | None
    valid_to: date | None
    former_label: str | None
    renamed_on: date | None
    website: str | None
    phone: str | None

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class ProcedureDef:
    code: str
    partner: str
    label: str
    thematique: str
    keywords: str


@dataclass
class Catalogue:
    partners: dict[str, PartnerDef]
    procedures: dict[str, ProcedureDef]
    labels: dict[str, dict[str, dict[str, str]]]  # vocabulary -> code -> {fr, en}
    sources: list[str] = field(default_factory=list)

    def label(self, vocabulary: str, code: str | None, lang: str = "fr") -> str:
        if code is None:
            return ""
        entry = self.labels.get(vocabulary, {}).get(str(code))
        return entry.get(lang) or entry["fr"] if entry else str(code)

    def choices(self, vocabulary: str, lang: str = "fr") -> list[tuple[str, str]]:
        return [(code, e.get(lang) or e["fr"]) for code, e in self.labels[vocabulary].items()]


def _rows(path: Path, required: list[str]):
    """Yield (line number, row) from a UTF-8 CSV, checking the header first."""
    name = path.name
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise CatalogueError(name, None, f"fichier illisible ({exc.strerror})") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise CatalogueError(name, 1, f"colonne(s) manquante(s) : {', '.join(missing)}")
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    raise CatalogueError(name, line, "nombre de colonnes incorrect")
                yield line, {k: v.strip() for k, v in row.items()}
        except UnicodeDecodeError:
            raise CatalogueError(name, None, "le fichier n'est pas encodé en UTF-8") from None
        except csv.Error as exc:
            raise CatalogueError(name, reader.line_num, f"CSV invalide ({exc})") from None


def _date(value: str, name: str, line: int, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CatalogueError(name, line, f"{column} « {value} » n'est pas une date AAAA-MM-JJ") from None


def load_vocabularies(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    labels: dict[str, dict[str, dict[str, str]]] = {}
    for line, row in _rows(path, ["vocabulary", "code", "label_fr", "label_en"]):
        vocab, code = row["vocabulary"], row["code"]
        enum = VOCABULARIES.get(vocab)
        if enum is None:
            raise CatalogueError(path.name, line, f"vocabulaire inconnu « {vocab} »")
        if code not in {e.value for e in enum}:
            raise CatalogueError(path.name, line, f"code « {code} » inconnu pour {vocab}")
        if not row["label_fr"]:
            raise CatalogueError(path.name, line, "libellé français vide")
        if code in labels.setdefault(vocab, {}):
            raise CatalogueError(path.name, line, f"code « {code} » en double pour {vocab}")
        labels[vocab][code] = {"fr": row["label_fr"], "en": row["label_en"] or row["label_fr"]}
    for vocab, enum in VOCABULARIES.items():
        absent = [e.value for e in enum if e.value not in labels.get(vocab, {})]
        if absent:
            raise CatalogueError(path.name, None, f"{vocab} : libellé manquant pour {', '.join(absent)}")
    return labels


def load_partners(path: Path) -> dict[str, PartnerDef]:
    cols = ["code", "label", "short_label", "scope", "valid_from", "valid_to",
            "former_label", "renamed_on", "website", "phone"]
    partners: dict[str, PartnerDef] = {}
    for line, row in _rows(path, cols):
        code = row["code"]
        if not _CODE.match(code):
            raise CatalogueError(path.name, line, f"code partenaire « {code} » invalide (majuscules, chiffres, - ou _)")
        if code in partners:
            raise CatalogueError(path.name, line, f"code partenaire « {code} » en double")
        if row["scope"] not in ("national", "local"):
            raise CatalogueError(path.name, line, "portée attendue : national ou local")
        if not row["label"] or not row["short_label"]:
            raise CatalogueError(path.name, line, "libellé vide")
        if row["website"] and not row["website"].startswith("https://"):
            raise CatalogueError(path.name, line, "le site doit commencer par https://")
        valid_from = _date(row["valid_from"], path.name, line, "valid_from")
        valid_to = _date(row["valid_to"], path.name, line, "valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            raise CatalogueError(path.name, line, "valid_to précède valid_from")
        partners[code] = PartnerDef(
            code=code, label=row["label"], short_label=row["short_label"], scope=row["scope"],
            valid_from=valid_from, valid_to=valid_to, former_label=row["former_label"] or None,
            renamed_on=_date(row["renamed_on"], path.name, line, "renamed_on"),
            website=row["website"] or None, phone=row["phone"] or None,
        )
    if not partners:
        raise CatalogueError(path.name, None, "aucun partenaire")
    return partners


def load_procedures(path: Path, partners: dict[str, PartnerDef]) -> dict[str, ProcedureDef]:
    themes = {t.value for t in Thematique}
    procedures: dict[str, ProcedureDef] = {}
    for line, row in _rows(path, ["code", "partner", "label", "thematique", "keywords"]):
        code = row["code"]
        if not _CODE.match(code):
            raise CatalogueError(path.name, line, f"code démarche « {code} » invalide")
        if code in procedures:
            raise CatalogueError(path.name, line, f"code démarche « {code} » en double")
        if row["partner"] not in partners:
            raise CatalogueError(path.name, line, f"partenaire inconnu « {row['partner']} »")
        if row["thematique"] not in themes:
            raise CatalogueError(path.name, line, f"thématique inconnue « {row['thematique']} »")
        if not row["label"]:
            raise CatalogueError(path.name, line, "libellé vide")
        procedures[code] = ProcedureDef(code, row["partner"], row["label"], row["thematique"], row["keywords"])
    return procedures


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Load and validate the three catalogue files. Raises CatalogueError (file, line, reason)."""
    directory = directory or resource_path("catalogues")
    labels = load_vocabularies(directory / "vocabularies.csv")
    partners = load_partners(directory / "partners.csv")
    procedures = load_procedures(directory / "procedures.csv", partners)
    return Catalogue(partners, procedures, labels,
                     [str(directory / n) for n in ("vocabularies.csv", "partners.csv", "procedures.csv")])


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The bundled catalogue, loaded once per process."""
    return load_catalogue()
