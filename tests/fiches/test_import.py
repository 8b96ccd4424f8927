"""Importing the co-marquage export: the normal case, and every archive refused with the old base kept."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date

import pytest

from app.core import fiches, fiches_xml
from app.models.errors import PermissionDenied, ValidationError
from app.store import fiches_base
from tests.desks import desk_for
from tests.fiches.conftest import make_zip, publication


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(zip_path, base, match):
    before = _digest(base)
    with pytest.raises(ValidationError, match=match) as err:
        fiches.import_zip(zip_path, base)
    assert "l'ancienne base reste en service" in err.value.message
    assert _digest(base) == before, "the old base must be left byte-for-byte as it was"
    assert fiches.base_info(base).count == 45
    assert list(base.parent.glob("*.tmp")) == []
    return err.value


def test_the_fixture_export_imports_every_publication_with_its_metadata(tmp_path, fixture_zip):
    base = tmp_path / "fiches.db"
    report = fiches.import_zip(fixture_zip, base)
    assert report.count == 45
    assert report.newest.year == 2020
    fiche = fiches_base.get(base, "F1341")
    assert fiche.title == "Carte d'identité d'un majeur : première demande"
    assert fiche.breadcrumb == "Papiers - Citoyenneté › Carte d'identité"
    assert fiche.modified.year in (2019, 2020)
    assert b"<BlocCas" in fiche.xml
    info = fiches.base_info(base)
    assert info.present and info.count == 45 and info.source == "vosdroits-fixture.zip"
    assert info.stale(date(2026, 10, 14))


def test_a_new_import_replaces_the_old_base_whole(tmp_path, base):
    small = make_zip(tmp_path / "small.zip", {"F9001.xml": publication("F9001", "Fiche nouvelle")})
    assert fiches.import_zip(small, base).count == 1
    assert fiches_base.get(base, "F1341") is None
    assert [h.id for h in fiches_base.search(base, "nouvelle")] == ["F9001"]


def test_a_file_that_is_not_a_zip_is_refused(tmp_path, base):
    junk = tmp_path / "export.zip"
    junk.write_bytes(b"<html>Erreur 404</html>")
    _refused(junk, base, "n'est pas une archive zip lisible")


def test_a_truncated_download_is_refused(tmp_path, base, fixture_zip):
    cut = tmp_path / "cut.zip"
    cut.write_bytes(fixture_zip.read_bytes()[:90_000])
    _refused(cut, base, "archive zip lisible")


def test_a_damaged_member_is_refused_by_its_crc(tmp_path, base):
    good = make_zip(tmp_path / "good.zip", {"F1.xml": publication("F1", "Titre", text="mot " * 5000)})
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("F1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    _refused(damaged, base, "abîmé|XML valide")


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path, base):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("F1.xml", b"<Publication ID='F1'>" + b" " * (30 * 1024 * 1024) + b"</Publication>")
    assert bomb.stat().st_size < 100_000
    _refused(bomb, base, "bombe zip")


def test_a_bomb_whose_directory_lies_about_its_size_is_stopped_while_inflating(tmp_path, base, monkeypatch):
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("F1.xml", b"<Publication ID='F1'>" + b" " * (5 * 1024 * 1024) + b"</Publication>")
    real_infolist = zipfile.ZipFile.infolist

    def lying(self):  # the directory claims 1 KB inflated: only the bytes really read can tell
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 1024
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    _refused(bomb, base, "bombe zip|abîmé")


def test_an_external_entity_is_refused_and_never_read(tmp_path, base):
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<Publication ID="F1"><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">&x;</dc:title></Publication>')
    err = _refused(make_zip(tmp_path / "xxe.zip", {"F1.xml": xxe}), base, "DTD ou entités")
    assert "MOT-DE-PASSE" not in err.message


def test_billion_laughs_is_refused(tmp_path, base):
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
           + ']><Publication ID="F1">&lol9;</Publication>')
    _refused(make_zip(tmp_path / "lol.zip", {"F1.xml": lol}), base, "DTD ou entités")


def test_malformed_xml_is_refused(tmp_path, base):
    _refused(make_zip(tmp_path / "bad.zip", {"F1.xml": "<Publication ID='F1'><dc:title>"}), base, "XML valide")


def test_an_archive_without_publications_is_the_wrong_format(tmp_path, base):
    wrong = make_zip(tmp_path / "photos.zip", {"a.xml": "<menu/>", "b.txt": "bonjour"})
    _refused(wrong, base, "aucune fiche")


def test_an_interrupted_import_keeps_the_old_base(tmp_path, base, fixture_zip, monkeypatch):
    calls = {"n": 0}
    real = fiches_xml.record_from

    def crash_on_tenth(root, data):
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt  # the agent closes the app, the power goes: the loop just stops
        return real(root, data)

    monkeypatch.setattr(fiches_xml, "record_from", crash_on_tenth)
    before = _digest(base)
    with pytest.raises(KeyboardInterrupt):
        fiches.import_zip(fixture_zip, base)
    assert _digest(base) == before
    assert list(tmp_path.glob("*.tmp")) == []
    assert fiches.base_info(base).count == 45


def test_only_supervisors_import_and_the_import_is_journaled(store, site, fixture_zip):
    with pytest.raises(PermissionDenied):
        desk_for(store, site["agent"]).store_op(fiches.import_fiches, fixture_zip)
    assert not fiches.base_path(store.path).exists()
    result = desk_for(store, site["supervisor"]).store_op(fiches.import_fiches, fixture_zip)
    assert result.value.count == 45
    with store.read() as session:
        entries = [e for e in journal_entries(session) if e.action == "fiches_import"]
    assert entries and "45 publications" in entries[-1].detail


def journal_entries(session):
    from sqlmodel import select

    from app.models.security import JournalEntry

    return list(session.exec(select(JournalEntry)))
