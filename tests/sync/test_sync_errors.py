"""Only the service's own JSON validation error refuses a month; any other answer (a portal's or a
proxy's HTML 403/404/407, a 5xx) is retried. And nothing says « À jour » while a month is refused
or waiting for a correction reason: not `guichet sync`, not the status-bar summary."""

import random

import pytest

from app.sync.client import ERREUR, RetryPolicy, sync_structure
from app.sync.snapshot import month_key
from app.sync.state import ACCEPTE, ENVOYE, REJETE, close_month, month_state
from app.sync.status import A_JOUR, A_VERIFIER, summarize
from app.sync.transport import HttpTransport
from tests.sync.conftest import TOKEN
from tests.sync.helpers import REFERENCE_DAY, add_activity, assert_server_matches, cli_sync, months_back

HTML_PAGES = ["html404", "html407", "html403"]


def _one_month(store, site, n=3, seed=5):
    m = months_back(1, REFERENCE_DAY)[0]
    with store.write() as session:
        add_activity(session, site["agent"], m, n, random.Random(seed))
    return m


@pytest.mark.parametrize("kind", HTML_PAGES)
def test_one_html_error_page_is_retried_and_the_month_reaches_the_server(store, site, server, transport,
                                                                         policy, sleeps, kind):
    fixed, m = site["fixed"], _one_month(store, site)
    server.faults.set([{"kind": kind, "count": 1, "methods": ["PUT"]}])
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == A_JOUR and result.rejected == [] and result.requests == 2
    assert len(sleeps.calls) == 1  # backed off once
    with store.read() as session:
        assert month_state(session, fixed.id, m).state == ACCEPTE
    assert_server_matches(store, server, fixed.id, fixed.matricule)


@pytest.mark.parametrize("kind", HTML_PAGES)
def test_html_error_pages_forever_never_refuse_the_month_and_the_next_healthy_run_sends_it(
        store, site, server, transport, policy, kind):
    fixed, m = site["fixed"], _one_month(store, site)
    server.faults.set([{"kind": kind, "count": -1, "methods": ["PUT"]}])
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == ERREUR and result.rejected == [] and result.requests == policy.max_attempts
    assert "ne vient pas du service national" in result.message
    with store.read() as session:
        state = month_state(session, fixed.id, m)
        assert state.state == ENVOYE and state.pending  # still to send, not « rejeté »
        assert settings_needs_token(session) is False   # a proxy's 403 is not a refused token
    server.faults.set([])
    assert sync_structure(store, fixed.id, transport, policy=policy).status == A_JOUR
    assert_server_matches(store, server, fixed.id, fixed.matricule)


def settings_needs_token(session) -> bool:
    from app.sync import settings

    return settings.needs_token(session)


def test_only_the_services_json_validation_error_is_a_refusal():
    import httpx

    from app.sync.transport import AUTH, REJECTED, RETRY, classify

    def answer(status, body, ctype="application/json"):
        return classify(httpx.Response(status, content=body.encode(), headers={"content-type": ctype}), "h")

    assert answer(422, '{"error": "validation", "reason": "mois futur"}').kind == REJECTED
    assert answer(409, '{"error": "validation", "reason": "mois clos"}').kind == REJECTED
    assert answer(403, '{"error": "forbidden", "reason": "matricule"}').kind == AUTH
    for status in (400, 403, 404, 407, 410, 413, 422, 500):
        assert answer(status, "<html><title>Portail</title></html>", "text/html").kind == RETRY, status
    assert answer(404, '{"message": "Not Found"}').kind == RETRY       # someone else's JSON
    assert answer(422, '{"error": "unprocessable"}').kind == RETRY
    assert "Portail" in answer(407, "<html><title>Portail</title></html>", "text/html").message


def test_a_422_fault_for_one_request_is_not_used_up_by_the_health_probe(store, site, server, transport, policy):
    fixed, m = site["fixed"], _one_month(store, site)
    server.faults.set([{"kind": "422", "count": 1}])  # what `--fault 422 --fault-count 1` sets
    assert transport.health() is True
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.rejected == [month_key(m)]


def test_cli_run_after_a_refused_month_exits_non_zero_and_never_says_a_jour(monkeypatch, capsys, store, site,
                                                                            server):
    fixed, m = site["fixed"], _one_month(store, site)
    server.faults.set([{"kind": "422", "count": 1}])
    code, out = cli_sync(monkeypatch, capsys, store, server.url, TOKEN, "--structure", fixed.matricule)
    assert code != 0 and "À jour" not in out and "refusé" in out
    # nothing left to send, the server is healthy: still not « à jour », still non-zero
    code, out = cli_sync(monkeypatch, capsys, store, server.url, TOKEN, "--structure", fixed.matricule)
    assert code != 0 and "À jour" not in out and month_key(m) in out
    with store.read() as session:
        assert month_state(session, fixed.id, m).state == REJETE
        summary = summarize(session, fixed.id, configured=True)  # what the status bar shows
    assert summary.status == ERREUR and summary.rejected == [month_key(m)]


def test_a_month_waiting_for_a_correction_reason_is_never_a_jour(monkeypatch, capsys, store, site, server):
    fixed, m = site["fixed"], _one_month(store, site)
    with store.write() as session:
        close_month(session, site["supervisor"], fixed.id, m)
    code, out = cli_sync(monkeypatch, capsys, store, server.url, TOKEN, "--structure", fixed.matricule)
    assert code == 0 and "À jour" in out, out
    with store.write() as session:  # a late entry in the closed month: a reason is needed
        add_activity(session, site["agent"], m, 1, random.Random(77))
    code, out = cli_sync(monkeypatch, capsys, store, server.url, TOKEN, "--structure", fixed.matricule)
    assert code != 0 and "À jour" not in out and "vérifier" in out
    with store.read() as session:
        assert summarize(session, fixed.id, configured=True).status == A_VERIFIER


def test_backoff_between_retries_of_a_proxy_page(store, site, server, sleeps):
    fixed = site["fixed"]
    _one_month(store, site)
    server.faults.set([{"kind": "html407", "count": 3}])
    transport = HttpTransport(server.url, TOKEN, timeout=2)
    try:
        result = sync_structure(store, fixed.id, transport,
                                policy=RetryPolicy(sleep=sleeps, rng=random.Random(3), base=1.0))
    finally:
        transport.close()
    assert result.status == A_JOUR and len(sleeps.calls) == 3
    assert sleeps.calls[0] <= 1.0 and sleeps.calls[2] >= 2.0  # doubled each time (with jitter)
