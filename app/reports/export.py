"""Produce the report files (PDF, XLSX, CSV) for a month: the one entry point the dialog and
`guichet rapport` share. Reads in one read transaction, so every file shows the same figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.core.context import Actor
from app.i18n import _
from app.models.errors import PermissionDenied, ValidationError
from app.reports.monthly import MonthlyReport, Progress, build_report
from app.reports.raw import raw_rows

FORMATS = ("pdf", "xlsx", "csv")


def parse_formats(text: str) -> list[str]:
    """« pdf,xlsx » → ['pdf', 'xlsx']. Raises ValidationError(field="format")."""
    chosen = [f.strip().lower() for f in (text or "").split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValidationError(_("Formats possibles : pdf, xlsx, csv (séparés par des virgules)."), field="format")
    return list(dict.fromkeys(chosen))


def base_name(report: MonthlyReport) -> str:
    scope = "" if report.all_structures else "-" + "-".join(s.matricule for s in report.structures[:3])
    return f"rapport-{report.month:%Y-%m}{scope}"


def produce(store, actor: Actor, month: date, folder: Path | str, *, formats=FORMATS,
            matricules: list[str] | None = None, structure_ids: list[int] | None = None,
            detail: bool = False, today: date | None = None, progress: Progress | None = None) -> list[Path]:
    """Write the chosen files into `folder`; return their paths (PDF first).
    Raises ValidationError (bad input, unwritable folder), PermissionDenied (detail for a non-supervisor)."""
    step = progress or (lambda done, total, text="": None)
    formats = [f for f in FORMATS if f in formats]
    if not formats:
        raise ValidationError(_("Choisissez au moins un format."), field="format")
    if detail and not actor.can("export_raw_report"):  # before any work: refuse early
        raise PermissionDenied(_("La feuille détaillée (une ligne par accompagnement) est réservée aux superviseurs."))
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(_("Impossible de créer le dossier {folder} : {why}").format(folder=folder, why=exc.strerror),
                              field="folder") from None
    total = 2 + len(formats)
    paths: list[Path] = []
    with store.read() as session:
        report = build_report(session, actor, month, matricules=matricules, structure_ids=structure_ids,
                              today=today, progress=lambda d, t, text="": step(0, total, text))
        base = folder / base_name(report)
        try:
            for i, fmt in enumerate(formats, start=1):
                step(i, total, _("Écriture du fichier {fmt}").format(fmt=fmt.upper()))
                within = (lambda i: lambda d, t, text="": step(i, total, text))(i)  # a file's own steps: text only
                raw = raw_rows(session, actor, report) if detail and fmt != "pdf" else None
                if fmt == "pdf":
                    from app.reports.pdf import write_pdf
                    paths.append(write_pdf(report, base.with_suffix(".pdf"), progress=within))
                elif fmt == "xlsx":
                    from app.reports.xlsx import write_xlsx
                    paths.append(write_xlsx(report, base.with_suffix(".xlsx"), raw=raw, progress=within))
                else:
                    from app.reports.csv_export import write_csv
                    paths += write_csv(report, base, raw=raw, progress=within)
        except PermissionError:
            raise ValidationError(_("Le dossier {folder} n’accepte pas l’écriture (ou un fichier du même nom est "
                                    "ouvert dans un autre logiciel).").format(folder=folder), field="folder") from None
        except OSError as exc:
            raise ValidationError(_("Écriture impossible dans {folder} : {why}").format(folder=folder, why=exc.strerror or exc),
                                  field="folder") from None
    if detail:
        _journal_detail(store, actor, report)
    step(total, total, _("Rapport terminé"))
    return paths


def _journal_detail(store, actor: Actor, report: MonthlyReport) -> None:
    """Exporting one row per accompaniment is traced, like any access to case-level data."""
    try:
        from app.core import journal
    except ModuleNotFoundError:  # the security feature is not installed
        return
    with store.write() as session:
        journal.record(session, actor, "export_raw_report", f"rapport:{report.month:%Y-%m}",
                       detail=",".join(s.matricule for s in report.structures))
