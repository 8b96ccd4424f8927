"""The fingerprint the report prints is the one sent; `guichet sync --export` writes everything the
hash covers (so a file can be checked against its own hash) and leaves the months pending."""

from __future__ import annotations

import hashlib
import random

from sqlmodel import select

from app.models.sync import SyncJournal
from app.reports import monthly
from app.sync.client import sync_structure
from app.sync.export import FileExportTransport, read_csv, verify
from app.sync.snapshot import build_snapshot, month_key
from app.sync.state import BROUILLON, PRET, close_month, month_state, month_states, record_correction
from app.sync.status import A_JOUR, EN_ATTENTE
from tests.sync.conftest import TOKEN
from tests.sync.helpers import REFERENCE_DAY, add_activity, cli_sync, months_back


def _report_hash(store, actor, matricule, month) -> str:
    with store.read() as session:
        report = monthly.build_report(session, actor, month, matricules=[matricule])
    return report.sync[0].snapshot_hash


def test_the_report_prints_before_the_first_sync_the_fingerprint_that_is_sent(store, site, server, transport,
                                                                              policy):
    fixed, month = site["fixed"], months_back(1, REFERENCE_DAY)[0]
    with store.write() as session:
        add_activity(session, site["agent"], month, 5, random.Random(1))
    printed = _report_hash(store, site["supervisor"], fixed.matricule, month)  # no device id exists yet
    assert sync_structure(store, fixed.id, transport, policy=policy).status == A_JOUR
    with store.read() as session:
        sent = month_state(session, fixed.id, month).accepted_hash
    from tests.sync.helpers import device_id

    with store.read() as session:
        held = server.db.device_month(fixed.matricule, device_id(session), month_key(month))
    assert printed == sent == held["hash"]
    assert _report_hash(store, site["supervisor"], fixed.matricule, month) == printed  # unchanged after


def test_export_writes_everything_the_hash_covers_and_leaves_the_months_pending(tmp_path, store, site):
    fixed = site["fixed"]
    months = months_back(2, REFERENCE_DAY)
    with store.write() as session:
        for m in months:
            add_activity(session, site["agent"], m, 4, random.Random(m.month))
        close_month(session, site["supervisor"], fixed.id, months[0])
        add_activity(session, site["agent"], months[0], 1, random.Random(9))
        record_correction(session, site["supervisor"], fixed.id, months[0], "saisie_tardive", note="oubli du 3")
    exporter = FileExportTransport(tmp_path / "export")
    result = sync_structure(store, fixed.id, exporter)
    assert result.status == EN_ATTENTE and len(result.exported) == 2 and result.pending == 2
    with store.read() as session:
        snaps = {month_key(s.month): snap for s, snap in month_states(session, fixed.id)}
        states = {month_key(s.month): s.state for s, _ in month_states(session, fixed.id)}
        journal = [j.outcome for j in session.exec(select(SyncJournal).where(SyncJournal.kind == "export"))]
    assert states == {month_key(months[0]): PRET, month_key(months[1]): BROUILLON}  # not « envoyé »
    assert journal == ["exporte", "exporte"]
    for path in result.exported:
        digest, rebuilt = read_csv(path)
        snap = snaps[rebuilt["month"]]
        assert rebuilt == snap.payload and digest == snap.hash and verify(path)
        text = open(path, encoding="utf-8").read()
        assert "# totals.usagers;" in text and "# satisfaction.responses;" in text
        twin = open(path[:-4] + ".json", "rb").read()
        assert hashlib.sha256(twin).hexdigest() == snap.hash
    first = read_csv([p for p in result.exported if month_key(months[0]) in p][0])[1]
    assert first["closed"] is True and first["correction_reason"] == "saisie_tardive"
    assert "oubli" not in open(result.exported[0], encoding="utf-8").read()


def test_a_tampered_export_fails_its_own_check(tmp_path, store, site):
    with store.write() as session:
        add_activity(session, site["agent"], months_back(1, REFERENCE_DAY)[0], 3, random.Random(2))
    result = sync_structure(store, site["fixed"].id, FileExportTransport(tmp_path / "x"))
    path = result.exported[0]
    text = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(text.replace("# totals.usagers;", "# totals.usagers;1"))
    assert not verify(path)


def test_cli_export_exits_zero_and_says_pending(tmp_path, monkeypatch, capsys, store, site, server):
    with store.write() as session:
        add_activity(session, site["agent"], months_back(1, REFERENCE_DAY)[0], 2, random.Random(3))
    code, out = cli_sync(monkeypatch, capsys, store, server.url, TOKEN, "--structure", site["fixed"].matricule,
                         "--export", str(tmp_path / "out"))
    assert code == 0 and "Fichier écrit" in out and "1 mois en attente" in out and "À jour" not in out
    with store.read() as session:
        assert build_snapshot(session, site["fixed"].id, months_back(1, REFERENCE_DAY)[0]).hash in \
            open(next((tmp_path / "out").glob("*.csv")), encoding="utf-8").read()
