"""Transports: how a snapshot reaches the national service. One interface, two implementations
(HttpTransport here, FileExportTransport in app/sync/export.py).

`send(envelope)` returns an Answer whose `kind` says what the client may conclude:
    accepted  2xx, JSON body, echoing the snapshot's hash: the only definitive success
    retry     anything ambiguous or transient: timeout, reset, 5xx, 429/503 (+ retry_after),
              any answer that is not the service's own JSON (a captive portal's or a proxy's
              HTML 403/404/407…), a redirect, a 2xx without the echoed hash
    offline   the service could not be reached, or did not answer in time (retry later)
    clock     the TLS certificate was refused as not yet valid or expired: the clock is wrong
    auth      401/403 with the service's JSON error: the token must be renewed
    rejected  4xx with the service's JSON {"error": "validation"}: these totals are refused
    stale     409 stale_sequence: the server holds a newer sequence (restored store)
    claimed   409 device_claimed: this device id sends from another machine (copied store)
    not_enrolled  409 not_enrolled: the service does not know this device (enrol again)
    exported  written to a file for manual upload: nothing is confirmed
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

ACCEPTED, RETRY, OFFLINE, AUTH, REJECTED, STALE, EXPORTED, CLAIMED, CLOCK, NOT_ENROLLED = (
    "accepted", "retry", "offline", "auth", "rejected", "stale", "exported", "claimed", "clock", "not_enrolled")
CONNECT_TIMEOUT = 5.0   # s: no answer to the connection at all
READ_TIMEOUT = 8.0      # s: connected, but no answer; two attempts + backoff stay under 25 s
# Certificate "not yet valid" / "expired" (OpenSSL X509_V_ERR_CERT_NOT_YET_VALID, _HAS_EXPIRED): with
# a valid server certificate, that is what a computer whose date is wrong sees.
_CLOCK_VERIFY_CODES = (9, 10)


@dataclass(frozen=True)
class Answer:
    kind: str
    http_status: int | None = None
    message: str = ""
    retry_after: float | None = None
    current_sequence: int | None = None
    data: dict | None = None  # enrolment: what the service holds for this device


class Transport(Protocol):
    name: str

    def send(self, envelope: dict) -> Answer: ...

    def enrol(self, matricule: str, device: str, machine: str, takeover: bool = False) -> Answer:
        """Bind the device to this machine (first time) and read what the service holds for it."""

    def fetch(self, matricule: str, device: str, month: str) -> dict | None:
        """The server's stored snapshot for reconciliation; None when not available."""

    def health(self) -> bool:
        """Cheap reachability probe (used to detect that the network is back)."""

    def close(self) -> None: ...


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After in seconds (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_body(response) -> dict | None:
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def snapshot_path(envelope: dict) -> str:
    snap = envelope["snapshot"]
    return f"/v1/structures/{snap['structure']}/devices/{envelope['device']}/months/{snap['month']}"


class HttpTransport:
    """The national service over HTTPS (httpx). Redirects are never followed: a redirect is what a
    captive portal does, and following it would turn a login page into a "200"."""

    name = "http"

    def __init__(self, base_url: str, token: str, timeout: float = READ_TIMEOUT, verify=True):
        import httpx  # lazy: ~100 ms

        self._httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.server_date: datetime | None = None  # the service's clock, from the last answer's Date
        self.client = httpx.Client(base_url=self.base_url, follow_redirects=False, verify=verify,
                                   timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
                                   headers={"Authorization": f"Bearer {token}",
                                            "User-Agent": "Guichet-sync/1"})

    def close(self) -> None:
        self.client.close()

    def _request(self, method: str, path: str, **kw):
        httpx = self._httpx
        try:
            response = self.client.request(method, path, **kw)
        except httpx.ConnectError as exc:
            if _clock_certificate_error(exc):
                return None, Answer(CLOCK, None, _short(
                    "Certificat du service refusé car pas encore valide ou expiré à la date de cet ordinateur "
                    f"({datetime.now():%d/%m/%Y %H:%M}) : horloge incorrecte ? Corrigez la date et l'heure."))
            return None, Answer(OFFLINE, None, _short(f"Service injoignable : {exc}"))
        except httpx.TimeoutException:
            # No answer in time, connecting or waiting: for the person at the desk that is « hors
            # ligne » (the month stays pending and is simply sent again later).
            return None, Answer(OFFLINE, None, "Le service national ne répond pas (délai d'attente dépassé).")
        except (httpx.TransportError, httpx.DecodingError) as exc:  # reset, protocol error, truncated body
            return None, Answer(RETRY, None, _short(f"Connexion interrompue : {exc}"))
        if "json" in response.headers.get("content-type", ""):  # the service's clock, not a portal's
            self.server_date = _date_header(response) or self.server_date
        return response, None

    def enrol(self, matricule: str, device: str, machine: str, takeover: bool = False) -> Answer:
        body = json.dumps({"machine": machine, "takeover": takeover}).encode("utf-8")
        response, failure = self._request("POST", f"/v1/structures/{matricule}/devices/{device}/enrol",
                                          content=body, headers={"Content-Type": "application/json"})
        if failure:
            return failure
        data = _json_body(response)
        if (response.status_code == 200 and data and data.get("device") == device
                and isinstance(data.get("months"), dict)):
            return Answer(ACCEPTED, 200, "Appareil reconnu par le service.", data=data,
                          current_sequence=_as_int(data.get("sequence")))
        return classify(response, expected_hash=None)

    def send(self, envelope: dict) -> Answer:
        body = json.dumps(envelope, sort_keys=True, ensure_ascii=False).encode("utf-8")
        response, failure = self._request("PUT", snapshot_path(envelope), content=body,
                                          headers={"Content-Type": "application/json"})
        if failure:
            return failure
        return classify(response, envelope["hash"])

    def fetch(self, matricule: str, device: str, month: str) -> dict | None:
        response, failure = self._request("GET", f"/v1/structures/{matricule}/devices/{device}/months/{month}")
        if failure or response.status_code != 200:
            return None
        data = _json_body(response)
        return data if data and isinstance(data.get("snapshot"), dict) else None

    def structure_month(self, matricule: str, month: str) -> dict | None:
        response, failure = self._request("GET", f"/v1/structures/{matricule}/months/{month}")
        if failure or response.status_code != 200:
            return None
        return _json_body(response)

    def health(self) -> bool:
        response, failure = self._request("GET", "/v1/health")
        if failure or response.status_code != 200:
            return False
        data = _json_body(response)  # a captive portal answers 200 too: check the body
        return bool(data and data.get("status") == "ok")


def classify(response, expected_hash: str | None) -> Answer:
    """Turn an HTTP response into what the client may conclude (module docstring).

    Only the service's own JSON error (`{"error": "validation"}` on a 4xx) refuses a month: a Wi-Fi
    portal, a proxy or a load balancer answers 403/404/407/502 pages too, and taking one of those
    for a verdict would lose the month for good. Anything not recognised is retried."""
    status = response.status_code
    data = _json_body(response)
    error = (data or {}).get("error")
    reason = _short(str((data or {}).get("reason") or ""))
    if 200 <= status < 300:
        if (expected_hash and data and data.get("hash") == expected_hash
                and data.get("status") in ("accepted", "unchanged")):
            return Answer(ACCEPTED, status, "Totaux enregistrés par le serveur." if data["status"] == "accepted"
                          else "Totaux déjà reçus : rien n'a changé.")
        if data is None:
            return Answer(RETRY, status, "Réponse non JSON (portail Wi-Fi captif ?).")
        return Answer(RETRY, status, "Réponse sans l'empreinte attendue.")
    if 300 <= status < 400:
        return Answer(RETRY, status, _short(f"Redirection vers {response.headers.get('location', '?')} "
                                            "(portail Wi-Fi captif ?)."))
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if data is None:
        return Answer(RETRY, status, _short(f"Réponse HTTP {status} qui ne vient pas du service national "
                                            f"(portail Wi-Fi, proxy ?) : {_page_title(response)}"),
                      retry_after=retry_after)
    if status in (401, 403) and error in ("unauthorized", "forbidden"):
        return Answer(AUTH, status, reason or "Jeton refusé.")
    if status == 409 and error == "stale_sequence":
        return Answer(STALE, status, reason, current_sequence=_as_int(data.get("current_sequence")))
    if status == 409 and error == "device_claimed":
        return Answer(CLAIMED, status, reason or "Cet appareil envoie déjà depuis un autre poste.")
    if status == 409 and error == "not_enrolled":
        return Answer(NOT_ENROLLED, status, reason or "Appareil non enrôlé.")
    if 400 <= status < 500 and error == "validation":
        return Answer(REJECTED, status, reason or f"Refusé (HTTP {status}).")
    return Answer(RETRY, status, reason or f"Erreur {status}.", retry_after=retry_after)


def _date_header(response) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(response.headers.get("date") or "")
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _clock_certificate_error(exc: BaseException) -> bool:
    import ssl

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_code in _CLOCK_VERIFY_CODES:
            return True
        text = str(exc).lower()
        if "certificate has expired" in text or "certificate is not yet valid" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _as_int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _page_title(response) -> str:
    """A non-JSON page's <title> (what a portal or proxy calls itself), else its first words."""
    text = response.text or ""
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return _short(match.group(1) if match else re.sub(r"<[^>]+>", " ", text), 120) or "page vide"
