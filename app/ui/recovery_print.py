"""« Imprimer… » on the recovery-code screen: a one-page sheet to keep under lock and key.

With a printer: Qt's print dialog (the agent chooses the printer, « Annuler » prints nothing).
Without any printer (common on a freshly installed counter PC): the same sheet saved as a PDF
where the agent chooses, to print later from another machine. The sheet says what the code is
for, where to keep it, and the date; it never holds anything else (no store path, no names).
"""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtGui import QPageSize, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

from app.i18n import _, format_date


def sheet(code: str, today: date | None = None) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(
        "<h1>" + escape(_("Guichet — code de récupération")) + "</h1>"
        + "<p style='font-family: monospace; font-size: 20pt; letter-spacing: 2px;'><b>" + escape(code) + "</b></p>"
        + "<p>" + escape(_("Ce code rouvre le fichier de données chiffré et ses sauvegardes si le trousseau de "
                           "l'ordinateur est perdu (nouveau profil, réinstallation).")) + "</p>"
        + "<p>" + escape(_("À conserver sous clé par le superviseur. Ne pas l'afficher, ne pas l'envoyer par "
                           "courriel.")) + "</p>"
        + "<p>" + escape(_("Imprimé le {date}.").format(date=format_date(today or date.today()))) + "</p>")
    return doc


def _printers() -> list:
    from PySide6.QtPrintSupport import QPrinterInfo

    return QPrinterInfo.availablePrinters()


def print_code(parent: QWidget, code: str) -> str:
    """Print, or save as PDF when no printer exists. Returns what happened, for the status
    line: « imprimé », « PDF enregistré : … » or « » (cancelled)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.A4))
    if _printers():
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(_("Imprimer le code de récupération"))
        if dialog.exec() != QPrintDialog.Accepted:
            return ""
        sheet(code).print_(printer)
        return _("Code envoyé à l'imprimante.")
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Aucune imprimante : enregistrer la feuille en PDF"), "code-de-recuperation-guichet.pdf",
        _("Document PDF (*.pdf)"))
    if not path:
        return ""
    if not path.lower().endswith(".pdf"):
        path += ".pdf"
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(path)
    sheet(code).print_(printer)
    return _("Aucune imprimante trouvée : feuille enregistrée en PDF ({path}). Imprimez-la puis supprimez le "
             "fichier.").format(path=path)
