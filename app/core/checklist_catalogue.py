"""The moments de vie catalogue: JSON files in resources/moments_de_vie/ (one per moment, a JSON
Schema, and catalogue.json with the version), or one bundle file imported by a supervisor.

Loading checks everything before anything is used, and every refusal names the file and the
step: structure (against moment.schema.json, with a small interpreter of the keywords it uses),
partner and démarche codes (procedure catalogue), deadlines (strict grammar below), links (https
on the official-sites allowlist), unique ids.

Deadline grammar (relative to the event date of the moment):
    « immédiat »            the event day itself
    « dès que possible »    no date, listed first, never overdue
    « aucun »               no deadline (rights to check, steps without a legal delay)
    « avant l'événement »   by the event day
    « N h » · « N jour(s) » · « N semaine(s) » · « N mois » · « N an(s) »          after the event
    « N jour(s) avant » …   before the event
N is 1–999 without leading zero; hours round up to whole days (24 h → the next day).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from app.core.official_sites import is_official_link
from app.models.catalogue import Catalogue, catalogue as reference_catalogue
from app.models.errors import CatalogueError
from app.models.month import add_months
from app.resources import resource_path

SCHEMA_FILE = "moment.schema.json"
INDEX_FILE = "catalogue.json"
STEP_STATUSES = ("a_faire", "fait", "sans_objet", "en_attente_partenaire")
_VERSION = re.compile(r"^(\d{4})\.(\d{1,3})$")
_DEADLINE = re.compile(r"^([1-9]\d{0,2}) (h|jours?|semaines?|mois|ans?)( avant)?$")
_UNIT_DAYS = {"h": 1 / 24, "jour": 1, "semaine": 7, "mois": 30, "an": 365}


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str  # immediate | asap | none | offset
    amount: int = 0
    unit: str = ""  # h | jour | semaine | mois | an
    before: bool = False

    def due(self, event: date) -> date | None:
        if self.kind == "immediate":
            return event
        if self.kind != "offset":
            return None
        sign = -1 if self.before else 1
        if self.unit == "h":
            return event + timedelta(days=sign * -(-self.amount // 24))
        if self.unit in ("jour", "semaine"):
            return event + timedelta(days=sign * self.amount * _UNIT_DAYS[self.unit])
        months = self.amount * (12 if self.unit == "an" else 1)
        return add_months(event, sign * months)

    @property
    def sort_key(self) -> float:
        """Groups order: before the event, immediately, as soon as possible, after, none."""
        if self.kind == "immediate":
            return -0.1 if self.before else 0
        if self.kind == "asap":
            return 0.5
        if self.kind == "none":
            return 10**6
        days = self.amount * _UNIT_DAYS[self.unit]
        return -days if self.before else days

    @property
    def label(self) -> str:
        """Heading of the deadline group, in plain French."""
        if self.kind == "immediate":
            return "Tout de suite" if not self.before else "Avant la date"
        if self.kind == "asap":
            return "Dès que possible"
        if self.kind == "none":
            return "Sans délai fixé"
        if self.before:
            return f"{self.text[:-6]} avant"
        return f"Sous {self.text}"


def parse_deadline(text: str) -> Deadline:
    """Strict parse; raises ValueError with a French reason."""
    if not isinstance(text, str):
        raise ValueError("le délai doit être un texte")
    if text == "immédiat":
        return Deadline(text, "immediate")
    if text == "avant l'événement":
        return Deadline(text, "immediate", before=True)
    if text == "dès que possible":
        return Deadline(text, "asap")
    if text == "aucun":
        return Deadline(text, "none")
    m = _DEADLINE.match(text)
    if not m:
        raise ValueError(f"délai « {text} » illisible (exemples : « 24 h », « 6 jours », « 1 mois », "
                         "« 3 mois avant », « immédiat », « dès que possible », « aucun »)")
    amount, unit, before = int(m.group(1)), m.group(2), bool(m.group(3))
    base = unit.rstrip("s") if unit != "mois" else "mois"
    plural = unit.endswith("s") and unit != "mois"
    if base in ("jour", "semaine", "an") and plural != (amount > 1):
        raise ValueError(f"délai « {text} » : accord singulier/pluriel incorrect")
    return Deadline(text, "offset", amount, base, before)


@dataclass(frozen=True)
class StepDef:
    id: str
    title: str
    text: str
    kind: str  # etape | droit
    partner: str | None
    organisme: str | None
    procedure: str | None
    deadline: Deadline
    precision: str | None
    condition: str | None
    documents: tuple[str, ...]
    link: str | None
    phone: str | None
    section: str | None
    verified: bool
    raw: dict = field(compare=False, hash=False, repr=False)  # the JSON object, kept as the case snapshot


@dataclass(frozen=True)
class MomentDef:
    id: str
    title: str
    summary: str
    priority: bool
    date_label: str
    sections: tuple[tuple[str, str], ...]
    steps: tuple[StepDef, ...]
    raw: dict = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class ChecklistCatalogue:
    version: str
    day: date
    moments: dict[str, MomentDef]
    origin: str  # "bundled" or the imported file name

    def get(self, moment_id: str) -> MomentDef | None:
        return self.moments.get(moment_id)


def version_key(version: str) -> tuple[int, int]:
    m = _VERSION.match(version or "")
    if not m:
        raise ValueError(version)
    return int(m.group(1)), int(m.group(2))


# --- a small JSON Schema interpreter (the keywords moment.schema.json uses) ---------------------

def _schema_errors(value, schema: dict, root: dict, where: str) -> list[str]:
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _schema_errors(value, target, root, where)
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where} : valeur « {value} » non permise ({', '.join(map(str, schema['enum']))})"]
    kinds = schema.get("type")
    if kinds:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        names = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}
        if not any(isinstance(value, names[k]) and not (k != "boolean" and isinstance(value, bool)) for k in kinds):
            return [f"{where} : type attendu {' ou '.join(kinds)}"]
    errors: list[str] = []
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            errors.append(f"{where} : longueur entre {schema.get('minLength', 0)} et {schema.get('maxLength', '∞')} caractères")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where} : « {value} » ne respecte pas le format attendu")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where} : au moins {schema['minItems']} élément(s)")
        for i, item in enumerate(value):
            errors += _schema_errors(item, schema.get("items", {}), root, f"{where}[{i + 1}]")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where} : champ « {key} » manquant")
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                errors += _schema_errors(item, props[key], root, f"{where}.{key}" if where else key)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where or 'moment'} : champ inconnu « {key} »")
    return errors


def _schema() -> dict:
    return json.loads(resource_path("moments_de_vie", SCHEMA_FILE).read_text(encoding="utf-8"))


def _where(data: dict, error: str) -> str:
    """Turn « etapes[3].delai » into « étape « declaration-deces », champ delai »."""
    m = re.match(r"^etapes\[(\d+)\](?:\.(\w+))?(.*)$", error)
    if not m:
        return error
    steps = data.get("etapes") or []
    index = int(m.group(1)) - 1
    step_id = steps[index].get("id") if index < len(steps) and isinstance(steps[index], dict) else None
    name = f"étape « {step_id} »" if step_id else f"étape n° {index + 1}"
    return f"{name}, champ {m.group(2)}{m.group(3)}" if m.group(2) else f"{name}{m.group(3)}"


def _line_of(text: str | None, step_id: str | None) -> int | None:
    if not text or not step_id:
        return None
    pos = text.find(f'"id": "{step_id}"')
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def validate_moment(data, name: str, ref: Catalogue | None = None, text: str | None = None,
                    schema: dict | None = None) -> MomentDef:
    """Check one moment de vie (parsed JSON). Raises CatalogueError naming `name` and the step."""
    ref = ref or reference_catalogue()
    schema = schema or _schema()
    errors = _schema_errors(data, schema, schema, "")
    if errors:
        raise CatalogueError(name, None, _where(data if isinstance(data, dict) else {}, errors[0]))
    sections = tuple((s["id"], s["titre"]) for s in data.get("sections", []))
    section_ids = {s for s, _ in sections}
    steps, seen = [], set()
    for raw in data["etapes"]:
        sid = raw["id"]

        def fail(message: str, sid=sid):
            raise CatalogueError(name, _line_of(text, sid), f"étape « {sid} » : {message}")

        if sid in seen:
            fail("identifiant en double")
        seen.add(sid)
        partner, procedure = raw["partenaire"], raw["demarche"]
        if partner is not None and partner not in ref.partners:
            fail(f"partenaire inconnu « {partner} » (voir partners.csv)")
        if partner is None and not raw.get("organisme"):
            fail("sans partenaire, indiquez l'organisme (champ organisme)")
        if procedure is not None:
            proc = ref.procedures.get(procedure)
            if proc is None:
                fail(f"démarche inconnue « {procedure} » (voir procedures.csv)")
            if proc.partner != partner:
                fail(f"la démarche « {procedure} » relève de {proc.partner}, pas de {partner}")
        try:
            deadline = parse_deadline(raw["delai"])
        except ValueError as exc:
            fail(str(exc))
        link = raw["lien"]
        if link is not None and not is_official_link(link):
            fail(f"lien « {link} » refusé : il doit commencer par https:// et être sur un site officiel "
                 "(resources/official_sites.csv)")
        if raw.get("section") is not None and raw["section"] not in section_ids:
            fail(f"section inconnue « {raw['section']} »")
        steps.append(StepDef(
            id=sid, title=raw["titre"], text=raw["texte"], kind=raw["type"], partner=partner,
            organisme=raw.get("organisme"), procedure=procedure, deadline=deadline,
            precision=raw.get("precision_delai"), condition=raw.get("condition"),
            documents=tuple(raw["pieces"]), link=link, phone=raw.get("telephone"),
            section=raw.get("section"), verified=raw.get("verifie", True), raw=raw))
    return MomentDef(data["id"], data["titre"], data["resume"], data["priorite"], data["libelle_date"],
                     sections, tuple(steps), raw=data)


def _read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(path.name, None, f"fichier illisible ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CatalogueError(path.name, None, "le fichier n'est pas encodé en UTF-8") from None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise CatalogueError(path.name, exc.lineno, f"JSON invalide ({exc.msg})") from None


def _check_header(data, name: str) -> tuple[str, date]:
    if not isinstance(data, dict):
        raise CatalogueError(name, None, "un objet JSON est attendu")
    version = data.get("version")
    try:
        version_key(version)
    except ValueError:
        raise CatalogueError(name, None, f"version « {version} » invalide (format AAAA.N, ex. 2026.2)") from None
    try:
        day = date.fromisoformat(data.get("date") or "")
    except (TypeError, ValueError):
        raise CatalogueError(name, None, "date de version manquante ou invalide (AAAA-MM-JJ)") from None
    return version, day


def load_bundled(directory: Path | None = None, ref: Catalogue | None = None) -> ChecklistCatalogue:
    """Load resources/moments_de_vie/. Raises CatalogueError (file, step, reason)."""
    directory = directory or resource_path("moments_de_vie")
    index, _ = _read_json(directory / INDEX_FILE)
    version, day = _check_header(index, INDEX_FILE)
    names = index.get("moments")
    if not isinstance(names, list) or not names:
        raise CatalogueError(INDEX_FILE, None, "liste « moments » vide ou absente")
    schema = _schema()
    moments: dict[str, MomentDef] = {}
    for moment_id in names:
        path = directory / f"{moment_id}.json"
        data, text = _read_json(path)
        moment = validate_moment(data, path.name, ref, text, schema)
        if moment.id != moment_id:
            raise CatalogueError(path.name, None, f"l'identifiant « {moment.id} » ne correspond pas au nom du fichier")
        moments[moment.id] = moment
    return ChecklistCatalogue(version, day, moments, "bundled")


def parse_bundle(text: str, name: str, ref: Catalogue | None = None) -> ChecklistCatalogue:
    """Validate an import file {"version", "date", "moments": [moment, …]}. Raises CatalogueError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(name, exc.lineno, f"JSON invalide ({exc.msg})") from None
    version, day = _check_header(data, name)
    items = data.get("moments")
    if not isinstance(items, list) or not items:
        raise CatalogueError(name, None, "liste « moments » vide ou absente")
    schema = _schema()
    moments: dict[str, MomentDef] = {}
    for i, item in enumerate(items, 1):
        label = f"{name} › moment « {item.get('id')} »" if isinstance(item, dict) else f"{name} › moment n° {i}"
        moment = validate_moment(item, label, ref, None, schema)
        if moment.id in moments:
            raise CatalogueError(label, None, "moment de vie en double")
        moments[moment.id] = moment
    return ChecklistCatalogue(version, day, moments, name)


def to_bundle(cat: ChecklistCatalogue) -> dict:
    """The import/export form of a catalogue (what a supervisor edits and re-imports)."""
    return {"version": cat.version, "date": cat.day.isoformat(),
            "moments": [m.raw for m in cat.moments.values()]}
