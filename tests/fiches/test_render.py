"""A fiche's XML → sanitised HTML: cases, lists, tables, offices, and only official links."""

from __future__ import annotations

from datetime import date

from app.core.fiche_html import official_url, render
from app.store import fiches_base

DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'


def _xml(body: str) -> bytes:
    return (f'<Publication {DC} ID="F9"><dc:title>Titre &lt;b&gt;</dc:title><dc:date>modified 2020-05-04</dc:date>'
            f"{body}</Publication>").encode()


def test_text_is_escaped_and_nothing_of_the_xml_becomes_markup():
    html = render(_xml("<Texte><Paragraphe>&lt;script&gt;alert(1)&lt;/script&gt; <img/> ok</Paragraphe>"
                       "<Paragraphe><LienExterne URL=\"javascript:alert(1)\">clic</LienExterne></Paragraphe>"
                       "</Texte>")).html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert "Titre &lt;b&gt;" in html


def test_only_official_addresses_become_links():
    out = render(_xml('<Texte><Paragraphe><LienExterne URL="https://www.impots.gouv.fr/x">impôts</LienExterne> '
                      '<LienExterne URL="https://www.ants-gouv.fr/">faux</LienExterne> '
                      '<LienExterne URL="http://www.legifrance.gouv.fr/a">loi</LienExterne></Paragraphe></Texte>'))
    assert 'href="https://www.impots.gouv.fr/x"' in out.html
    assert 'href="https://www.ants-gouv.fr/' not in out.html and "adresse non vérifiée" in out.html
    assert 'href="https://www.legifrance.gouv.fr/a"' in out.html  # http upgraded on an official host
    assert [url for _t, url in out.links] == ["https://www.impots.gouv.fr/x", "https://www.legifrance.gouv.fr/a"]
    assert official_url("https://ameli.fr.evil.com/") is None


def test_cases_are_sections_that_fold_and_tables_keep_their_header():
    xml = _xml("<Texte><Chapitre><Titre><Paragraphe>Montant</Paragraphe></Titre><BlocCas>"
               "<Cas><Titre>Vous êtes salarié</Titre><Paragraphe>A</Paragraphe></Cas>"
               "<Cas><Titre>Vous êtes retraité</Titre><Liste type=\"numero\"><Item><Paragraphe>B</Paragraphe></Item>"
               "</Liste></Cas></BlocCas>"
               '<Tableau><Rangée type="header"><Cellule><Paragraphe>Âge</Paragraphe></Cellule></Rangée>'
               "<Rangée><Cellule><Paragraphe>62 ans</Paragraphe></Cellule></Rangée></Tableau></Chapitre></Texte>")
    full = render(xml)
    assert full.cases == 2
    assert "▾ Vous êtes salarié" in full.html and "<ol>" in full.html and "<th>" in full.html
    folded = render(xml, collapsed=frozenset({1}))
    assert "▸ Vous êtes salarié" in folded.html and "<p>A</p>" not in folded.html and "<p>B</p>" in folded.html


def test_the_stale_banner_and_site_notes_come_first(base):
    fiche = fiches_base.get(base, "F14929")
    html = render(fiche.xml, stale_since=date(2020, 11, 2), notes=["Ici, la mairie reçoit le mardi."]).html
    assert html.index("Base des fiches ancienne") < html.index("Note du site") < html.index("<h1>")
    assert "Fiche modifiée le" in html and "Licence Ouverte 2.0" in html


def test_every_fixture_fiche_renders(base):
    import sqlite3

    ids = [r[0] for r in sqlite3.connect(base).execute("SELECT id FROM fiche")]
    for fiche_id in ids:
        assert "<h1>" in render(fiches_base.get(base, fiche_id).xml).html
