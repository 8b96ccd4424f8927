"""A wrong computer clock: visits dated by it land in the wrong month. The sync notices (the
service's Date header, the store's own timestamps), says so in the status and the journal, and
never moves counts into an accepted or closed month because of it. Certificates refused at a wrong
date say « horloge incorrecte »; a service that never answers ends as « Hors ligne » in time.

The computer's clock is shifted with time_machine (store writes and the sync alike); the service
keeps the true time (its own injected clock)."""

from __future__ import annotations

import random
import socket
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlmodel import select

from app.models.sync import SyncJournal
from app.sync.client import RetryPolicy, sync_structure
from app.sync.server import NationalServer
from app.sync.state import ACCEPTE, BROUILLON, RETENU, close_month, month_state
from app.sync.status import A_JOUR, A_VERIFIER, HORLOGE, HORS_LIGNE, summarize
from app.sync.transport import HttpTransport
from tests.sync.conftest import TOKEN
from tests.sync.helpers import add_activity, cli_sync, device_id

TRUE = datetime(2026, 11, 29, 15, 0, tzinfo=timezone.utc)  # the service's (true) time
OCT_25, NOV_25, OCT_26, NOV_26, DEC_26 = (date(2025, 10, 1), date(2025, 11, 1), date(2026, 10, 1),
                                          date(2026, 11, 1), date(2026, 12, 1))


@pytest.fixture
def service(tmp_path):
    srv = NationalServer(tmp_path / "service.db", token=TOKEN, clock=lambda: TRUE).start()
    yield srv
    srv.stop()


def _at(when: datetime):
    """The computer's clock reads `when` (frozen: store writes and the sync see it)."""
    return time_machine.travel(when, tick=False)


def _sync(store, structure, service, **kw):
    transport = HttpTransport(service.url, TOKEN, timeout=5)
    try:
        return sync_structure(store, structure.id, transport,
                              policy=RetryPolicy(sleep=lambda s: None, rng=random.Random(1)), **kw)
    finally:
        transport.close()


def _visits_now(session, actor, n: int, seed: int) -> None:
    """Visits entered "now" (occurred_at from the computer's clock, as at the desk)."""
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment

    rng = random.Random(seed)
    for _ in range(n):
        open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine(rng.choice(["CAF", "CPAM"]))], thematique="logement", canal="guichet"))


def _held(service, structure, store, key: str):
    with store.read() as session:
        return service.db.device_month(structure.matricule, device_id(session), key)


def _journal(store, kind: str) -> list[SyncJournal]:
    with store.read() as session:
        return list(session.exec(select(SyncJournal).where(SyncJournal.kind == kind)))


def test_three_days_ahead_december_visits_are_not_sent_and_the_status_says_why(store, site, service):
    fixed, agent = site["fixed"], site["agent"]
    with _at(TRUE - timedelta(hours=1)):
        with store.write() as session:
            for m in (OCT_26, NOV_26):
                add_activity(session, agent, m, 3, random.Random(m.month))
        assert _sync(store, fixed, service).status == A_JOUR
    with _at(datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)):  # device 2 December, service 29 November
        with store.write() as session:
            _visits_now(session, agent, 2, seed=1)
        result = _sync(store, fixed, service)
        with store.read() as session:
            december = month_state(session, fixed.id, DEC_26)
            summary = summarize(session, fixed.id, configured=True)
    assert result.future == ["2026-12"] and result.rejected == []
    assert result.status == HORLOGE and "en avance de 3 jours" in result.message
    assert summary.status == HORLOGE and "Horloge de l'ordinateur incorrecte" in summary.message
    assert december.state == BROUILLON and december.pending  # kept, not refused, not lost
    assert _held(service, fixed, store, "2026-12") is None
    assert len(_journal(store, "horloge")) == 1


def test_one_year_behind_never_resends_an_accepted_month_and_holds_it_for_a_supervisor(
        monkeypatch, capsys, store, site, service):
    fixed, agent = site["fixed"], site["agent"]
    with _at(TRUE):
        with store.write() as session:
            for m in (OCT_25, NOV_25, OCT_26):
                add_activity(session, agent, m, 4, random.Random(m.month))
        assert _sync(store, fixed, service).status == A_JOUR
    before = _held(service, fixed, store, "2025-11")
    with _at(TRUE - timedelta(days=365)):  # the clock lost a year: new visits land in November 2025
        with store.write() as session:
            _visits_now(session, agent, 3, seed=2)
        result = _sync(store, fixed, service)
        with store.read() as session:
            november = month_state(session, fixed.id, NOV_25)
    assert result.held == ["2025-11"] and result.requests == 0
    assert november.state == RETENU and not november.pending and "horloge" in november.reason
    assert _held(service, fixed, store, "2025-11") == before  # the accepted month was not touched
    assert result.status == A_VERIFIER and "Horloge de l'ordinateur incorrecte" in result.message
    assert "en retard de 365 jours" in result.message
    assert _journal(store, "horloge") and _journal(store, "retenue")
    # the clock is fixed: still held (the visits are still misdated) until a supervisor checks
    with _at(TRUE + timedelta(minutes=5)):
        code, out = cli_sync(monkeypatch, capsys, store, service.url, TOKEN, "--structure", "100001")
        assert code != 0 and "À jour" not in out and "2025-11" in out
        with store.read() as session:
            assert summarize(session, fixed.id, configured=True).clock_warning == ""
        code, out = cli_sync(monkeypatch, capsys, store, service.url, TOKEN, "--structure", "100001", "--liberer", "2025-11")
        assert code == 0
        code, out = cli_sync(monkeypatch, capsys, store, service.url, TOKEN, "--structure", "100001")
        assert code == 0 and "À jour" in out
    with store.read() as session:
        assert month_state(session, fixed.id, NOV_25).state == ACCEPTE


def test_one_year_behind_into_a_closed_month_blocks_and_is_never_a_jour(store, site, service):
    fixed, agent = site["fixed"], site["agent"]
    with _at(TRUE):
        with store.write() as session:
            add_activity(session, agent, NOV_25, 4, random.Random(3))
            close_month(session, site["supervisor"], fixed.id, NOV_25)
        assert _sync(store, fixed, service).status == A_JOUR
    before = _held(service, fixed, store, "2025-11")
    with _at(TRUE - timedelta(days=365)):
        with store.write() as session:
            _visits_now(session, agent, 1, seed=4)
        result = _sync(store, fixed, service)
    assert result.status == A_VERIFIER and result.requests == 0
    assert "Horloge" in result.message and "2025-11" in result.message
    assert _held(service, fixed, store, "2025-11") == before


def test_the_store_itself_shows_a_clock_behind_without_any_network(store, site):
    fixed, agent = site["fixed"], site["agent"]
    with _at(TRUE):
        with store.write() as session:
            add_activity(session, agent, OCT_26, 2, random.Random(5))
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()
    with _at(TRUE - timedelta(days=3)):
        transport = HttpTransport(url, TOKEN, timeout=1)
        try:
            result = sync_structure(store, fixed.id, transport, policy=RetryPolicy(sleep=lambda s: None))
        finally:
            transport.close()
    assert result.status == HORS_LIGNE and "en retard de 3 jours" in result.message
    assert len(_journal(store, "horloge")) == 1


@pytest.mark.parametrize("offset,expected", [(timedelta(minutes=40), A_JOUR), (timedelta(hours=2), HORLOGE),
                                             (-timedelta(hours=2), HORLOGE)])
def test_beyond_one_hour_the_status_is_never_a_jour(store, site, service, offset, expected):
    fixed = site["fixed"]
    with _at(TRUE - timedelta(days=1)):
        with store.write() as session:
            add_activity(session, site["agent"], OCT_26, 2, random.Random(6))
    with _at(TRUE + offset):
        result = _sync(store, fixed, service)
    assert result.status == expected, result.message


def test_the_injected_clock_is_what_the_sync_compares(store, site, service):
    """No time_machine: the run's clock is a parameter (the Desk can pass its own)."""
    fixed = site["fixed"]
    result = _sync(store, fixed, service, clock=lambda: TRUE + timedelta(days=3))
    assert result.status == HORLOGE and "en avance de 3 jours" in result.message


# --- certificates and unanswered connections --------------------------------------------------

def _certificates(tmp_path, not_before: datetime, not_after: datetime):
    """A test CA and a 127.0.0.1 certificate valid only in [not_before, not_after]."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    ca = (x509.CertificateBuilder().subject_name(name("CA de test")).issuer_name(name("CA de test"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - timedelta(days=3650))
          .not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "leaf.pem"


@pytest.mark.parametrize("window", ["not_yet_valid", "expired"])
def test_a_certificate_refused_at_this_date_says_horloge_incorrecte(tmp_path, store, site, window):
    import ssl

    now = datetime.now(timezone.utc)
    span = ((now + timedelta(days=3), now + timedelta(days=400)) if window == "not_yet_valid"
            else (now - timedelta(days=400), now - timedelta(days=3)))
    ca, leaf = _certificates(tmp_path, *span)
    srv = NationalServer(tmp_path / "tls.db", token=TOKEN)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(leaf)
    srv.httpd.socket = server_ctx.wrap_socket(srv.httpd.socket, server_side=True)
    srv.start()
    client_ctx = ssl.create_default_context(cafile=str(ca))
    transport = HttpTransport(f"https://127.0.0.1:{srv.httpd.server_address[1]}", TOKEN, timeout=5,
                              verify=client_ctx)
    try:
        with store.write() as session:
            add_activity(session, site["agent"], OCT_26, 1, random.Random(7))
        result = sync_structure(store, site["fixed"].id, transport, policy=RetryPolicy(sleep=lambda s: None))
    finally:
        transport.close()
        srv.stop()
    assert result.status == HORLOGE and "horloge incorrecte" in result.message
    assert "Hors ligne" not in result.message


def _silent_service():
    """Accepts connections (the kernel completes them) and never answers a byte."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_service_that_never_answers_ends_as_hors_ligne_quickly(store, site):
    with store.write() as session:
        add_activity(session, site["agent"], OCT_26, 1, random.Random(8))
    sock, url = _silent_service()
    transport = HttpTransport(url, TOKEN, timeout=0.3)
    started = time.monotonic()
    try:
        result = sync_structure(store, site["fixed"].id, transport, policy=RetryPolicy(sleep=lambda s: None))
    finally:
        transport.close()
        sock.close()
    assert result.status == HORS_LIGNE and "ne répond pas" in result.message
    assert time.monotonic() - started < 2 * 0.3 + 1.5


def test_default_timeouts_and_policy_end_an_unanswered_run_within_25_seconds():
    """The arithmetic behind the slow test below: attempts × read timeout + the one backoff."""
    from app.sync.transport import CONNECT_TIMEOUT, READ_TIMEOUT

    policy = RetryPolicy()
    worst = policy.offline_attempts * max(READ_TIMEOUT, CONNECT_TIMEOUT) + policy.base
    assert worst < 25


@pytest.mark.slow
def test_a_service_that_never_answers_ends_as_hors_ligne_within_25_s_with_default_settings(store, site):
    with store.write() as session:
        add_activity(session, site["agent"], OCT_26, 1, random.Random(9))
    sock, url = _silent_service()
    transport = HttpTransport(url, TOKEN)  # the defaults `guichet sync` uses
    started = time.monotonic()
    try:
        result = sync_structure(store, site["fixed"].id, transport)
    finally:
        transport.close()
        sock.close()
    elapsed = time.monotonic() - started
    assert result.status == HORS_LIGNE and elapsed < 25, elapsed
