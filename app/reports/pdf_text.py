"""Text of the report PDF that needs no reportlab: escaping for Paragraph markup and the signed
evolutions of the figures. pdf.py and pdf_sections.py both use it; keeping it apart lets the
sections import it without importing pdf.py, which imports them."""

from __future__ import annotations

from app.i18n import format_percent


def evolution(current: int, before: int) -> str:
    """« +12,5 % », « −3,0 % », « = » or « — » when there is nothing to compare with."""
    if not before:
        return "—"
    ratio = current / before - 1
    if abs(ratio) < 0.0005:
        return "="
    return ("+" if ratio > 0 else "−") + format_percent(abs(ratio))


def esc(text: str) -> str:
    """Text shown as is inside reportlab's Paragraph markup (&, < and > would be read as tags)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
