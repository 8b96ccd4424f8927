"""Import and export of the référents directory as XLSX or CSV (issue 20), in the layout a
prefecture circulates (template: resources/referents/modele-annuaire-referents.xlsx and .csv).

Columns, in this order, first row the headers: Partenaire, Portée, Nom ou fonction, Canal,
Coordonnée, Horaires, Notes, Vérifié le. Partner by code or short label (« CAF », « Assurance
Maladie »), scope and channel by label or code, date as JJ/MM/AAAA, AAAA-MM-JJ or a date cell.

Import is all or nothing: every line is checked first and the first problem of each line is
reported « Ligne 7 : … » (the spreadsheet's own row number); with any error nothing is written.
A line whose partner, channel and coordinate match an entry of the structure updates it; twice in
the file is a duplicate. Formula-looking text: every text cell written goes through
app/core/cells.py (`cell_text`, the project's single neutraliser) and every cell read back through
`cells.restore`, so our own exports round-trip; a live formula in an XLSX, or a text cell still
starting with = + - @ once restored (other than a phone number), is refused on its line — nothing
formula-like is ever stored, so nothing can leave as a formula either.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from app.core import journal, referents
from app.core.cells import DANGEROUS, cell_text, restore
from app.core.context import Actor
from app.core.referents import CHANNEL_LABELS, SCOPE_LABELS, ReferentInput
from app.models.errors import DomainError, ValidationError
from app.models.referents import Referent, ReferentChannel
from app.models.tables import Partner, utcnow

HEADERS = ("Partenaire", "Portée", "Nom ou fonction", "Canal", "Coordonnée", "Horaires", "Notes", "Vérifié le")
MAX_LINES = 5000
_CHANNEL_WORDS = {"téléphone": "telephone", "telephone": "telephone", "tél": "telephone", "tel": "telephone",
                  "courriel": "email", "e-mail": "email", "email": "email", "mail": "email",
                  "portail": "portail", "administration+": "portail", "espace partenaire": "portail",
                  "visio": "visio", "visioconférence": "visio"}


class ImportRefused(ValidationError):
    """The file was refused as a whole; `lines` holds one French message per bad line."""

    def __init__(self, lines: list[str]):
        super().__init__("Import refusé : {n} ligne(s) en erreur, rien n'a été importé.\n{detail}",
                         field="file", n=len(lines), detail="\n".join(lines[:50]))
        self.lines = lines


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    lines: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- export

def rows_for_export(session: Session, actor: Actor) -> list[list]:
    out = []
    for r in referents.list_referents(session, actor):
        out.append([r.partner_code, SCOPE_LABELS.get(r.scope, r.scope), r.name, CHANNEL_LABELS.get(r.channel, r.channel),
                    r.contact, r.hours, r.notes, r.verified_on])
    return out


def write_file(path: Path, rows: list[list]) -> Path:
    """XLSX or CSV (by the suffix); every text cell neutralised, dates as date cells / JJ/MM/AAAA."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "Référents"
        ws.append(list(HEADERS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([v if isinstance(v, date) else cell_text(v) for v in row])
            if isinstance(row[-1], date):
                ws.cell(ws.max_row, len(HEADERS)).number_format = "DD/MM/YYYY"
        for column, width in zip("ABCDEFGH", (14, 14, 30, 28, 30, 24, 40, 12)):
            ws.column_dimensions[column].width = width
        wb.save(path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(HEADERS)
            for row in rows:
                w.writerow([f"{v:%d/%m/%Y}" if isinstance(v, date) else cell_text(v) for v in row])
    return path


def export_directory(session: Session, actor: Actor, path: Path) -> Path:
    actor.require("read_referents")
    return write_file(path, rows_for_export(session, actor))


# ----------------------------------------------------------------------------- import

def read_file(path: Path) -> list[tuple[int, list]]:
    """(row number, cells) of every non-empty data row; a live XLSX formula comes back as a
    `_Formula` so that its line is refused. Raises ValidationError for an unreadable file."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            ws = load_workbook(path, read_only=True, data_only=False).worksheets[0]
            raw = [[_Formula(c.value) if c.data_type == "f" else c.value for c in row]
                   for row in ws.iter_rows()]
        else:
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")  # a file saved by an older Excel
            delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
            raw = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationError("Fichier illisible : {error}", field="file", error=str(exc)) from exc
    if not raw or [str(c or "").strip().lower() for c in raw[0][:len(HEADERS)]] != [h.lower() for h in HEADERS]:
        raise ValidationError("Première ligne attendue : {headers}.", field="file", headers=" ; ".join(HEADERS))
    rows = [(n, list(r)) for n, r in enumerate(raw[1:], start=2) if any(str(c or "").strip() for c in r)]
    if len(rows) > MAX_LINES:
        raise ValidationError("Fichier trop long : {max} lignes au plus.", field="file", max=MAX_LINES)
    return rows


class _Formula(str):
    pass


def _lookup(value: str, labels: dict) -> str:
    wanted = value.strip().casefold()
    for code, label in labels.items():
        if wanted in (str(code).casefold(), label.casefold()):
            return str(code)
    return value.strip()


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValidationError("« Vérifié le » : date attendue au format JJ/MM/AAAA.", field="verified_on")


def _line_input(cells: list, partners: dict, structure_id: int) -> ReferentInput:
    cells = (cells + [""] * len(HEADERS))[:len(HEADERS)]
    texts = []
    for header, value in zip(HEADERS, cells):
        if isinstance(value, _Formula):
            raise ValidationError("« {column} » contient une formule de tableur : remplacez-la par sa valeur.",
                                  field="file", column=header)
        if isinstance(value, (date, datetime)) or value is None:
            texts.append(value if value is not None else "")
            continue
        text = restore(str(value).strip())
        if text[:1] in DANGEROUS and not (header == "Coordonnée" and text[:1] == "+"):
            raise ValidationError("« {column} » commence par « {char} » comme une formule de tableur : "
                                  "retirez ce signe.", field="file", column=header, char=text[:1])
        texts.append(text)
    partner, scope, name, channel, contact, hours, notes, verified = texts
    code = _lookup(str(partner), partners)
    if code not in partners:
        raise ValidationError("Partenaire inconnu : {code}.", field="partner", code=str(partner))
    channel_code = _CHANNEL_WORDS.get(str(channel).strip().casefold()) or _lookup(str(channel), CHANNEL_LABELS)
    return ReferentInput(code, _lookup(str(scope), SCOPE_LABELS), str(name), channel_code, str(contact),
                         str(hours), str(notes), _date(verified), structure_id)


def _key(partner_code: str, channel: str, contact: str) -> tuple:
    return partner_code, channel, contact.casefold() if channel == ReferentChannel.EMAIL else contact


def import_directory(session: Session, actor: Actor, path: Path, structure_id: int | None = None) -> ImportReport:
    """Import a file into a structure's directory, all or nothing. Raises ImportRefused (line-level
    French errors), ValidationError (unreadable file, wrong headers), PermissionDenied."""
    actor.require("import_referents")
    structure_id = structure_id or actor.structure_id
    actor.require_scope(structure_id)
    rows = read_file(path)
    partners = {c: label for c, label in session.exec(select(Partner.code, Partner.short_label))}
    existing = {_key(r.partner_code, r.channel, r.contact): r
                for r in session.exec(select(Referent).where(Referent.structure_id == structure_id))}
    errors, seen, valid = [], {}, []
    for number, cells in rows:
        try:
            values = referents.clean(session, actor, _line_input(cells, partners, structure_id))
        except DomainError as exc:
            errors.append(f"Ligne {number} : {exc.message}")
            continue
        key = _key(values["partner_code"], values["channel"], values["contact"])
        if key in seen:
            errors.append(f"Ligne {number} : doublon de la ligne {seen[key]} (même partenaire, canal et coordonnée).")
            continue
        seen[key] = number
        valid.append((key, values))
    if errors:
        raise ImportRefused(errors)
    report = ImportReport()
    for key, values in valid:
        row = existing.get(key)
        if row is None:
            row, action = Referent(**values), "referent_created"
            report.created += 1
        else:
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at, action = utcnow(), "referent_updated"
            report.updated += 1
        session.add(row)
        session.flush()
        journal.record(session, actor, action, referents.ref(row), row.partner_code)
    journal.record(session, actor, "referents_imported", f"structure:{structure_id}",
                   f"{report.created} ajoutés, {report.updated} mis à jour ({Path(path).suffix.lower()})")
    return report
