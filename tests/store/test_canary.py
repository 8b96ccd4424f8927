"""No plaintext personal data at rest (reliability S1): a usager with unique fake PII is used
normally; the store, its -wal/-shm, the backups, the logs and the temp folder hold 0 copies,
in UTF-8 or UTF-16. The same scenario on a plain store finds it (the grep itself works)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.core import backup_service, cases
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.bootstrap import create_app_store, open_app_store
from app.core.usagers import UsagerInput, search_usagers
from app.models.errors import ValidationError

CANARY_NAME = "Zqcanaryzq"
CANARY_MAIL = "zqcanaryzq.pii@example.org"
CANARY_PHONE = "0612987412"  # stored as +33612987412
CANARY_NIR = "295109912611193"  # a fake NIR, typed in a note
NEEDLES = [CANARY_NAME, CANARY_NAME.lower(), CANARY_NAME.upper(), CANARY_MAIL, "612987412", CANARY_NIR]


def _hits(folder: Path) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in NEEDLES:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if needle.encode(encoding) in data:
                    found.append(f"{path.relative_to(folder)}: {needle} ({encoding})")
    return found


@pytest.fixture
def sandbox(tmp_path, monkeypatch, secure_keyring):
    """Temp folder and log folder inside the test folder, so everything written can be grepped."""
    import tempfile

    from app.logging_setup import setup_logging

    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setenv("GUICHET_LOG_DIR", str(tmp_path / "logs"))
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(logging.DEBUG)  # as verbose as it gets: SQL echo off, but every app log line
    yield tmp_path
    for handler in root.handlers[:]:
        if handler not in before:
            handler.close()
            root.removeHandler(handler)


def _use_normally(store, grep_while_open) -> list[str]:
    from tests.store.conftest import seed_site

    site = seed_site(store)
    actor, supervisor = site["agent"], site["supervisor"]
    with store.write() as session:
        acc = open_accompaniment(session, actor, AccompanimentInput(
            [ProcedureLine("ANTS", "ANTS-CG-CHANGEMENT-TITULAIRE")],
            note=f"NIR donné oralement : {CANARY_NIR}",
            new_usager=UsagerInput(first_name="Jeanne", last_name=CANARY_NAME, phone=CANARY_PHONE,
                                   email=CANARY_MAIL)))
    with store.read() as session:
        assert [u.last_name for u in search_usagers(session, actor, CANARY_NAME[:6])] == [CANARY_NAME]
        assert len(cases.list_cases(session, actor, cases.CaseFilter(text=CANARY_NAME))[0]) == 1
    with pytest.raises(ValidationError):  # a refused input is logged nowhere with its value
        with store.write() as session:
            open_accompaniment(session, actor, AccompanimentInput(
                [ProcedureLine("ANTS")], new_usager=UsagerInput(last_name=CANARY_NAME + "9")))
    logging.getLogger("app.test").info("accompaniment %s saved", acc.id)
    hits_open = grep_while_open()  # WAL full of fresh pages, not yet checkpointed
    backup_service.backup_now(store, actor)
    backup_service.restore_drill(store, supervisor)
    return hits_open


def test_canary_pii_never_reaches_disk_in_clear(sandbox):
    store, _code = create_app_store(sandbox / "data" / "guichet.db", encrypted=True)
    hits_open = _use_normally(store, lambda: _hits(sandbox))
    assert Path(f"{store.path}-wal").exists()
    store.close()
    again = open_app_store(store.path)  # reopen, read, close: checkpoints happen
    again.close()
    assert hits_open == []
    assert _hits(sandbox) == []
    assert any((sandbox / "data" / "sauvegardes").glob("guichet-*.db"))
    assert (sandbox / "logs" / "guichet.log").stat().st_size > 0


def test_canary_grep_finds_pii_in_a_plain_store(sandbox):
    """Control: the demo-style plain store does hold the canary in clear, so the grep can fail."""
    store = open_app_store(sandbox / "data" / "demo.db")
    hits_open = _use_normally(store, lambda: _hits(sandbox))
    store.close()
    assert any("wal" in hit or "demo.db:" in hit for hit in hits_open)
    assert any("sauvegardes" in hit for hit in _hits(sandbox))
