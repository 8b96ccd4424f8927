"""« Fiches »: import and search the service-public.fr « Vos droits et démarches » base.

The base is the DILA co-marquage export (a zip of XML files, one per publication, Licence
Ouverte 2.0), kept in its own SQLite file beside the store (app/store/fiches_base.py).

Import rules (`import_zip`), each refusal a ValidationError with a French message, the old base
left in service:
- not a zip, or a zip whose directory or data is damaged (CRC) → « archive abîmée »;
- zip bombs: more than MAX_MEMBERS files, a file over MAX_MEMBER_BYTES once inflated, more than
  MAX_TOTAL_BYTES in all, or a file inflating more than MAX_RATIO times. The sizes are checked
  against the bytes really inflated, never only against the sizes the zip's directory claims;
- a file with a DTD or entities (XXE, billion laughs) or malformed XML (app/core/fiches_xml.py);
- no `<Publication>` in the archive → « ce n'est pas l'export Vos droits et démarches ».
The new base is built in a temporary file and swapped in with os.replace once complete.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from app.core.context import Actor
from app.i18n import _
from app.models.errors import ValidationError
from app.store import fiches_base
from app.store.fiches_base import FicheRecord

MAX_MEMBERS = 30_000  # the particuliers export holds about 10,000 files (F, N, R and menus)
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # the largest real publication is under 1 MB
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # XML deflates 5 to 15 times; a bomb, thousands of times
STALE_AFTER_DAYS = 92  # « plus de 3 mois »
CHUNK = 64 * 1024

Progress = Callable[[int, int, str], None]
# The first sentence says why; this one is the same for every refusal (msgid with its translation).
KEPT = "{reason} Rien n'a été changé : l'ancienne base reste en service."


@dataclass(frozen=True)
class ImportReport:
    count: int
    newest: date | None
    source: str
    missing_links: tuple[str, ...] = ()  # démarches whose linked fiche the new base lacks


@dataclass(frozen=True)
class BaseInfo:
    present: bool
    count: int = 0
    newest: date | None = None  # the most recent dc:date: how fresh the content is
    imported_at: str = ""
    source: str = ""

    def stale(self, today: date) -> bool:
        return self.present and (self.newest is None or (today - self.newest).days > STALE_AFTER_DAYS)


def _refuse(message: str, **params) -> ValidationError:
    return ValidationError(KEPT, field="archive", reason=ValidationError(message, **params))


def base_path(store_path: Path) -> Path:
    """The fiches base of a store: `fiches.db` in the store's folder."""
    return fiches_base.base_path_beside(store_path)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """The member's bytes, read in chunks so a lying directory cannot make us inflate a bomb."""
    limit = min(MAX_MEMBER_BYTES, max(info.compress_size, 1) * MAX_RATIO)
    out = bytearray()
    with zf.open(info) as member:
        while chunk := member.read(CHUNK):
            out += chunk
            budget[0] += len(chunk)
            if len(out) > limit or budget[0] > MAX_TOTAL_BYTES:
                raise _refuse(_("Archive refusée : le fichier {name} se décompresse en une taille anormale "
                                "(archive piégée, « bombe zip »)."), name=info.filename)
    return bytes(out)


def read_archive(zip_path: Path, progress: Progress | None = None) -> Iterator[FicheRecord]:
    """Every publication of the export, checked as described in the module docstring."""
    from app.core.fiches_xml import parse_root, record_from

    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_("Archive refusée : {name} n'est pas une archive zip lisible (fichier abîmé ou "
                        "incomplet ?)."), name=Path(zip_path).name) from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise _refuse(_("Archive refusée : elle contient {count} fichiers, bien plus que l'export officiel."),
                          count=len(members))
        declared = sum(i.file_size for i in members)
        if declared > MAX_TOTAL_BYTES:
            raise _refuse(_("Archive refusée : elle se décompresse en une taille anormale (archive piégée, "
                            "« bombe zip »)."))
        budget, found = [0], 0
        xml_members = [i for i in members if i.filename.lower().endswith(".xml")]
        for n, info in enumerate(xml_members, 1):
            if info.file_size > MAX_MEMBER_BYTES or info.file_size > max(info.compress_size, 1) * MAX_RATIO:
                raise _refuse(_("Archive refusée : le fichier {name} se décompresse en une taille anormale "
                                "(archive piégée, « bombe zip »)."), name=info.filename)
            try:
                data = _inflate(zf, info, budget)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
                raise _refuse(_("Archive refusée : le fichier {name} est abîmé dans l'archive (contrôle CRC)."),
                              name=info.filename) from None
            record = record_from(parse_root(data, info.filename), data)
            if progress and n % 200 == 0:
                progress(n, len(xml_members), info.filename)
            if record is not None:
                found += 1
                yield record
        if not found:
            raise _refuse(_("Archive refusée : {name} ne contient aucune fiche « Vos droits et démarches » "
                            "(format inattendu)."), name=Path(zip_path).name)


def import_zip(zip_path: Path, base: Path, progress: Progress | None = None,
               now: datetime | None = None, source: str | None = None) -> ImportReport:
    """Build a new base from the export at `zip_path` and swap it in. Raises ValidationError."""
    when = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    meta = {"imported_at": when, "source": source or Path(zip_path).name}
    count = fiches_base.build(base, read_archive(zip_path, progress), meta)
    info = base_info(base)
    return ImportReport(count, info.newest, meta["source"])


def base_info(base: Path) -> BaseInfo:
    meta = fiches_base.meta(base)
    if not meta:
        return BaseInfo(False)
    newest = meta.get("newest") or None
    return BaseInfo(True, int(meta.get("count", 0)), date.fromisoformat(newest) if newest else None,
                    meta.get("imported_at", ""), meta.get("source", ""))


# --------------------------------------------------------------------------- use cases (Desk)

def import_fiches(store, actor: Actor, zip_path: Path, progress: Progress | None = None,
                  source: str | None = None) -> ImportReport:
    """`desk.store_op(import_fiches, path)`: supervisors only; journaled. Raises ValidationError,
    PermissionDenied."""
    from app.core import journal

    actor.require("import_fiches")
    from app.core import fiche_links

    base = base_path(store.path)
    report = import_zip(Path(zip_path), base, progress, source=source)
    report = replace(report, missing_links=tuple(fiche_links.missing_in_base(base)))
    journal.record_now(store, actor, "fiches_import", report.source,
                       f"{report.count} publications, contenu du {report.newest or '?'}")
    return report


def _base_of(session) -> Path:
    return base_path(Path(session.get_bind().url.database))


def search_fiches(session, actor: Actor, text: str, limit: int = 30) -> list[fiches_base.Hit]:
    """`desk.query(search_fiches, text)`: the base's best matches ([] when there is no base)."""
    base = _base_of(session)
    if not base.is_file():
        return []
    return fiches_base.search(base, text, limit)


def get_fiche(session, actor: Actor, fiche_id: str) -> fiches_base.Fiche | None:
    base = _base_of(session)
    return fiches_base.get(base, fiche_id) if base.is_file() else None


def fiche_base_info(session, actor: Actor) -> BaseInfo:
    return base_info(_base_of(session))
