"""The usager's handout for the moments de vie of a case: plain French, large type (body 13 pt,
headings 17–26 pt), what remains and by when, what is done, documents to bring, where to go.

No personal data: no name (the first name only when the usager agreed), no case number; the event
date is not printed as such (due dates are). Catalogue texts are French, so the handout is French whatever
the interface language. reportlab is imported lazily (only this module needs it).

The file still holds a first name and a list of démarches, so it is short-lived and private:
- written with mode 0600 (created with O_EXCL, never through an existing file or link) in a folder
  of this process made by `tempfile.mkdtemp` (0700, unguessable name), not in a shared fixed folder;
- deleted KEEP_S seconds after it was opened for printing (the viewer has loaded it by then; the UI
  schedules `remove_handouts`), and with its folder at exit (atexit);
- folders left by a crash, and the old shared `guichet-fiches` folder, are swept at the next handout.
On Windows the mode bits mean little: the folder is in the user's own temp folder, which other
users cannot read.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from app.core.checklists import HandoutData, MomentView, StepView
from app.core.official_sites import format_phone
from app.resources import resource_path

BODY_PT = 13
FONT = "GuichetSans"


KEEP_S = 10 * 60  # long enough to print from the viewer; the UI deletes the file after that
FOLDER_PREFIX = "guichet-fiches-"
LEGACY_FOLDER = "guichet-fiches"  # shared folder of versions before issue 12
_folder: Path | None = None


def output_dir() -> Path:
    """This process's private folder for handouts (0700), made on first use, removed at exit."""
    global _folder
    if _folder is None or not _folder.is_dir():
        sweep_leftovers()
        if _folder is None:
            atexit.register(remove_handouts)
        _folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # mode 0700, name not guessable
    return _folder


def remove_handouts(older_than_s: float | None = None, now: float | None = None) -> int:
    """Delete this process's handouts (those older than `older_than_s`, or all and the folder).
    Returns how many files were deleted; a file still locked by a viewer stays for the next call."""
    folder = _folder
    if folder is None or not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in folder.iterdir():
        try:
            if older_than_s is None or now - path.stat().st_mtime >= older_than_s:
                path.unlink()
                removed += 1
        except OSError:
            pass  # Windows: still open in the viewer; at exit or next start then
    if older_than_s is None:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def sweep_leftovers(now: float | None = None, min_age_s: float = 2 * KEEP_S) -> None:
    """Remove handouts a crashed run left behind, and the pre-issue-12 shared folder's handouts."""
    now = time.time() if now is None else now
    temp = Path(tempfile.gettempdir())
    legacy = temp / LEGACY_FOLDER
    if legacy.is_dir():
        for path in legacy.glob("fiche-demarches-*.pdf"):
            try:
                path.unlink()
            except OSError:
                pass
        try:
            legacy.rmdir()
        except OSError:
            pass
    for folder in temp.glob(FOLDER_PREFIX + "*"):
        try:
            # another running Guichet's folder is younger than that: it writes and deletes in it
            if folder != _folder and folder.is_dir() and now - folder.stat().st_mtime >= min_age_s:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def _private_file(path: Path, exclusive: bool = True):
    """A file only the user can read (0600 when created). `exclusive`: refuse an existing name,
    so nothing is ever written through a file or link planted in advance."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def _register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    # DejaVu: French accents, « », ✓ and the narrow no-break space babel puts in numbers.
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT + "-Bold", str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT + "-Bold")
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT + "-Bold")


def _esc(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _long(day: date) -> str:
    from app.i18n import format_long_date

    return format_long_date(day, "fr")  # French on paper, whatever the UI language; « 1er décembre »


def _site(url: str | None) -> str:
    if not url:
        return ""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return host[4:] if host.startswith("www.") else host


def _late(step: StepView) -> bool:
    """Past a real deadline (« sous 24 h », « sous 6 mois »…). « Tout de suite » is advice, not a
    deadline: a pré-demande three days after a loss is not late, it is still to do now."""
    return step.overdue and step.deadline.kind != "immediate"


def _when(step: StepView) -> str:
    """The step's deadline in words, beside the step (steps follow the moment's own order)."""
    if step.due is None:
        return f"{step.deadline.label}."  # « Dès que possible. », « Sans délai fixé. »
    on = "le" if step.deadline.kind == "immediate" else "avant le"  # « tout de suite » means that very day
    if step.overdue and not _late(step):
        return f"{step.deadline.label} : à faire maintenant (depuis le {_long(step.due)})."
    if _late(step):  # only once the real deadline has passed (StepView.overdue: due < today)
        return (f"Date limite passée : c'était à faire {on} {_long(step.due)}. "
                "Si ce n'est pas encore fait, parlez-en à France services.")
    return f"{step.deadline.label} : à faire {on} {_long(step.due)}."


def _where(step: StepView) -> str:
    parts = [step.where]
    if step.link:
        parts.append(_site(step.link))
    if step.phone:
        parts.append(f"tél. {format_phone(step.phone)}")
    return " — ".join(p for p in parts if p)


class _Styles:
    def __init__(self):
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        ink, grey = colors.HexColor("#1b1b1b"), colors.HexColor("#4a4a4a")
        base = ParagraphStyle("body", fontName=FONT, fontSize=BODY_PT, leading=BODY_PT * 1.35, textColor=ink)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=12, leading=16, textColor=grey)
        self.greeting = ParagraphStyle("greeting", parent=base, spaceBefore=10, spaceAfter=4)
        self.intro = ParagraphStyle("intro", parent=base, spaceBefore=4, spaceAfter=4)
        self.title = ParagraphStyle("title", parent=base, fontName=FONT + "-Bold", fontSize=26, leading=32,
                                    textColor=colors.HexColor("#000091"), spaceAfter=4)
        self.h1 = ParagraphStyle("h1", parent=base, fontName=FONT + "-Bold", fontSize=22, leading=28,
                                 spaceBefore=10, spaceAfter=4, textColor=colors.HexColor("#000091"))
        self.h2 = ParagraphStyle("h2", parent=base, fontName=FONT + "-Bold", fontSize=18, leading=23,
                                 spaceBefore=12, spaceAfter=6)
        self.h3 = ParagraphStyle("h3", parent=base, fontName=FONT + "-Bold", fontSize=15, leading=20,
                                 spaceBefore=8, spaceAfter=4, textColor=colors.HexColor("#000091"))
        self.step = ParagraphStyle("step", parent=base, fontName=FONT + "-Bold", fontSize=14, leading=18)
        self.late = ParagraphStyle("late", parent=base, fontName=FONT + "-Bold", textColor=colors.HexColor("#b30000"))


def _step_block(step: StepView, st: _Styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    lines = [Paragraph(_esc(step.title), st.step)]
    if step.kind == "droit":
        lines.append(Paragraph("<b>Droit à vérifier</b> : n'oubliez pas de le demander.", st.body))
    when = _when(step)
    if when:
        lines.append(Paragraph(("⚠ " if _late(step) else "") + _esc(when), st.late if _late(step) else st.body))
    if step.precision:
        lines.append(Paragraph(_esc(f"({step.precision})"), st.small))
    if step.status == "en_attente_partenaire":
        lines.append(Paragraph("Vous attendez une réponse de l'organisme.", st.body))
    lines.append(Paragraph(_esc(step.text), st.body))
    if step.condition:
        lines.append(Paragraph(f"<b>Seulement</b> {_esc(step.condition)}.", st.body))  # « si … », « pour … »
    if step.documents:
        # a short list reads well on one line; a long one (identity papers) as bullets
        if len(step.documents) <= 3 and sum(len(d) for d in step.documents) <= 70:
            docs = ", ".join(_esc(d) for d in step.documents) + "."
        else:
            docs = "<br/>" + "<br/>".join(f"• {_esc(d)}" for d in step.documents)
        lines.append(Paragraph(f"<b>À apporter :</b> {docs}", st.body))
    where = _where(step)
    if where:
        lines.append(Paragraph(f"<b>Où :</b> {_esc(where)}", st.body))
    box = _CheckBox()
    table = Table([[box, lines]], colWidths=[12 * 2.835 + 4, width - 12 * 2.835 - 4])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#c8c8c8")),
    ]))
    return table


def _CheckBox():
    """An empty square the usager ticks with a pen."""
    from reportlab.platypus import Flowable

    class CheckBox(Flowable):
        def wrap(self, *_):
            return 28, 22

        def draw(self):
            self.canv.setLineWidth(1.4)
            self.canv.rect(4, 2, 16, 16)

    return CheckBox()


def _moment_story(moment: MomentView, st: _Styles, width: float) -> list:
    from reportlab.platypus import KeepTogether, Paragraph

    done, total = moment.progress
    story = [Paragraph(_esc(moment.title), st.h1),
             Paragraph(f"Déjà fait : {done} étape{'s' if done > 1 else ''} sur {total}.", st.body)]
    # the moment's own order (the catalogue's: déposer le dossier, then retirer le titre), each
    # step with its deadline beside it; sorting by deadline put « retirer » before « déposer »
    remaining = [s for s in moment.steps if s.open]
    story.append(Paragraph("Ce qu'il reste à faire", st.h2))
    if not remaining:
        story.append(Paragraph("Tout est fait. Bravo !", st.body))
    for i, step in enumerate(remaining):
        block = _step_block(step, st, width)
        story.append(KeepTogether([story.pop(), block]) if i == 0 else block)  # never a heading alone
    finished = [s for s in moment.steps if s.status == "fait"]
    if finished:
        story.append(Paragraph("Déjà fait", st.h2))
        story += [Paragraph(f"✓ {_esc(s.title)}", st.body) for s in finished]
    return story


def _contacts(data: HandoutData, st: _Styles, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

    # one row per organisation, with each of its official sites once (France Titres and the
    # fiscal-stamp site on one row, not three rows for one partner)
    found: dict[str, tuple[list[str], str]] = {}
    for moment in data.moments:
        for s in moment.steps:
            if s.status == "sans_objet" or not (s.link or s.phone):
                continue
            sites, phone = found.setdefault(s.where, ([], format_phone(s.phone) if s.phone else ""))
            if s.link and _site(s.link) not in sites:
                sites.append(_site(s.link))
            if not phone and s.phone:
                found[s.where] = (sites, format_phone(s.phone))
    rows = [[Paragraph(_esc(where), st.body), Paragraph("<br/>".join(_esc(x) for x in sites), st.body),
             Paragraph(_esc(phone), st.body)] for where, (sites, phone) in found.items()]
    if not rows:
        return []
    head = [Paragraph("<b>Organisme</b>", st.body), Paragraph("<b>Site officiel</b>", st.body),
            Paragraph("<b>Téléphone</b>", st.body)]
    table = Table([head] + rows, colWidths=[width * 0.36, width * 0.34, width * 0.30], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#c8c8c8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ececfe")),
    ]))
    warning = Paragraph("<b>Attention aux faux sites payants.</b> Ces démarches sont gratuites sur les sites "
                        "officiels. Vérifiez l'adresse du site, ou demandez à France services.", st.body)
    return [KeepTogether([Paragraph("Où s'adresser", st.h2), table]), Paragraph("&nbsp;", st.body), warning]


def build_handout(data: HandoutData, path: Path | None = None) -> Path:
    """Write the PDF and return its path (in output_dir() unless a path is given)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    _register_fonts()
    exclusive = path is None
    name = f"fiche-demarches-{data.today.isoformat()}-{os.urandom(4).hex()}.pdf"
    path = Path(path) if path else output_dir() / name
    st = _Styles()
    margin = 18 * mm
    width = A4[0] - 2 * margin
    story = [Paragraph("Vos démarches", st.title),
             Paragraph(_esc(f"Fiche remise le {_long(data.today)} par {data.structure_name}."), st.small)]
    if data.first_name:
        story.append(Paragraph(_esc(f"Bonjour {data.first_name},"), st.greeting))
    story.append(Paragraph("Voici ce qu'il reste à faire, avant quelle date, les papiers à apporter et où "
                           "s'adresser. Cochez chaque case quand c'est fait.", st.intro))
    for moment in data.moments:
        story += _moment_story(moment, st, width)
    story += _contacts(data, st, width)
    footer = f"{data.structure_name} — fiche du {_long(data.today)}"

    def _page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 12)
        canvas.drawString(margin, 10 * mm, footer)
        canvas.drawRightString(A4[0] - margin, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    handle = _private_file(path, exclusive)
    try:
        with handle:
            doc = SimpleDocTemplate(handle, pagesize=A4, leftMargin=margin, rightMargin=margin,
                                    topMargin=16 * mm, bottomMargin=18 * mm, title="Vos démarches",
                                    author=data.structure_name, lang="fr-FR")
            doc.build(story, onFirstPage=_page, onLaterPages=_page)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written handout left behind
        raise
    return path
