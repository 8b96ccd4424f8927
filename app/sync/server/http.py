"""HTTP front of the stand-in national server (stdlib ThreadingHTTPServer, 127.0.0.1 by default).

Fault injection: a queue of faults, each {kind, count, retry_after, delay}; every /v1 request
(or only PUTs, with "methods": ["PUT"]) consumes the head of the queue — a portal or a proxy
intercepts the health probe too. Kinds that only mean something for a PUT (422, wrong_hash, drop,
bad_json) are PUT-only by default, so a health probe never uses them up. Kinds:
500, 502 (server error), 503 / 429 (+ Retry-After), slow (answer after `delay` s, committed
normally), drop (commit, then close the connection without answering), reset (close before
reading), captive (200 HTML portal page), redirect (302 to a login page), 401, bad_json (commit,
then a truncated JSON body), wrong_hash (200 JSON echoing another hash, nothing committed),
422 (refuse as invalid), html403 / html404 / html407 (an HTML error page, as a Wi-Fi portal or a
proxy sends). Set them with command-line flags or POST /_admin/faults (test-only,
enabled by --admin).
"""

from __future__ import annotations

import email.utils
import json
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from app.sync.server.db import Claimed, NotEnrolled, ServerDB, Stale
from app.sync.server.rules import MAX_BODY, Invalid, check_enrolment, validate

from app.sync.server.faults import FAULT_KINDS, PUT_ONLY  # noqa: E402  (shared with the CLI, which must stay light)

CAPTIVE_HTML = (b"<!doctype html><html><head><title>Connexion Wi-Fi</title></head><body>"
                b"<h1>Bienvenue sur le Wi-Fi public</h1><form action='/login'>Acceptez les conditions</form>"
                b"</body></html>")


CLAIMED = {"error": "device_claimed",
           "reason": "Cet appareil envoie déjà depuis un autre ordinateur : une copie de la base ne peut pas "
                     "envoyer sous la même identité (reprise explicite seulement)."}
HTML_ERRORS = {
    403: b"<!doctype html><html><head><title>403 Forbidden</title></head><body><h1>Acc\xc3\xa8s refus\xc3\xa9"
         b"</h1><p>Filtrage du r\xc3\xa9seau de la m\xc3\xa9diath\xc3\xa8que.</p></body></html>",
    404: b"<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
         b"<p>The requested URL was not found on this server.</p></body></html>",
    407: b"<!doctype html><html><head><title>407 Proxy Authentication Required</title></head><body>"
         b"<h1>Authentification du proxy requise</h1></body></html>",
}


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.queue: list[dict] = []

    def set(self, faults: list[dict], append: bool = False) -> None:
        for fault in faults:
            if fault.get("kind") not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {fault.get('kind')!r}")
        with self._lock:
            if not append:
                self.queue.clear()
            self.queue.extend({"count": 1, "retry_after": 1, "delay": 2.0,
                               **({"methods": ["PUT"]} if f["kind"] in PUT_ONLY else {}), **f} for f in faults)

    def take(self, method: str) -> dict | None:
        with self._lock:
            while self.queue and self.queue[0]["count"] == 0:
                self.queue.pop(0)
            if not self.queue:
                return None
            fault = self.queue[0]
            if method not in fault.get("methods", [method]):
                return None
            if fault["count"] > 0:  # a negative count means "forever"
                fault["count"] -= 1
            return dict(fault)


class NationalServer:
    """The stand-in server; `start()` serves on a daemon thread (tests), `serve_forever()` blocks."""

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0, token: str | None = "jeton-demo",
                 admin: bool = False, capture: bool = False, tokens: dict[str, set[str] | None] | None = None,
                 clock: Callable[[], datetime] | None = None):
        """`tokens`: token -> the matricules it was issued for (None: every structure, demo only);
        `token` alone is such a demo token. `clock`: the service's time (tests shift it)."""
        self.db = ServerDB(db_path)
        self.tokens: dict[str, set[str] | None] = dict(tokens or {})
        if token and not tokens:
            self.tokens[token] = None
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.admin = admin
        self.faults = Faults()
        self.log: list[dict] = []
        self.capture = capture
        self.captured: list[bytes] = []  # with capture=True: every request line and body
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "NationalServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="national-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.db.close()


def _handler_for(server: NationalServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "GuichetNationalStandIn/1"

        def log_message(self, fmt, *args):  # quiet: the request log is kept in memory
            pass

        def date_time_string(self, timestamp=None):  # the Date header, from the service's clock
            return email.utils.format_datetime(server.clock().astimezone(timezone.utc), usegmt=True)

        # --- plumbing -------------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:  # drain without keeping it, so the client reads our 413
                left = length
                while left > 0:
                    left -= len(self.rfile.read(min(left, 1 << 16)) or b"\0" * left)
                raise Invalid("too_large", f"Corps de {length} octets : {MAX_BODY} au plus.", 413)
            body = self.rfile.read(length) if length else b""
            if server.capture:
                server.captured.append(body)
            return body

        def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
            if server.log:
                server.log[-1]["status"] = status

        def _json(self, status: int, obj, headers: dict | None = None):
            self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), headers=headers)

        def _drop(self):
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            if server.log:
                server.log[-1]["status"] = "dropped"

        # --- dispatch -------------------------------------------------------------
        def do_GET(self):
            self._dispatch("GET")

        def do_PUT(self):
            self._dispatch("PUT")

        def do_POST(self):
            self._dispatch("POST")

        def do_HEAD(self):
            self._dispatch("HEAD")

        def _dispatch(self, method: str):
            path = urlsplit(self.path).path.rstrip("/")
            if server.capture:
                server.captured.append(self.requestline.encode("latin-1"))
            server.log.append({"method": method, "path": path, "status": None, "fault": None})
            if path.startswith("/_admin"):
                return self._admin(method, path)
            if path == "/login":
                return self._send(200, CAPTIVE_HTML, "text/html; charset=utf-8")
            fault = server.faults.take(method) if path.startswith("/v1") else None
            if fault:
                server.log[-1]["fault"] = fault["kind"]
                if self._pre_fault(fault):
                    return
            try:
                self._route(method, path, fault)
            except (ConnectionError, BrokenPipeError):
                pass

        def _pre_fault(self, fault: dict) -> bool:
            """Faults that answer instead of the server; True when the request is finished."""
            kind = fault["kind"]
            if kind in ("500", "502"):
                self._discard()
                self._json(int(kind), {"error": "server", "reason": "Erreur interne simulée."})
            elif kind in ("503", "429"):
                self._discard()
                self._json(int(kind), {"error": "busy", "reason": "Service surchargé, réessayez."},
                           {"Retry-After": str(fault["retry_after"])})
            elif kind == "reset":
                self._drop()
            elif kind == "captive":
                self._discard()
                self._send(200, CAPTIVE_HTML, "text/html; charset=utf-8")
            elif kind == "redirect":
                self._discard()
                self._send(302, b"", "text/html", {"Location": f"{server.url}/login"})
            elif kind == "401":
                self._discard()
                self._json(401, {"error": "unauthorized", "reason": "Jeton refusé (simulé)."})
            elif kind == "422":
                self._discard()
                self._json(422, {"error": "validation", "reason": "Refus simulé par le serveur."})
            elif kind.startswith("html"):
                self._discard()
                code = int(kind[4:])
                page = HTML_ERRORS[code]
                self._send(code, page, "text/html; charset=utf-8",
                           {"Proxy-Authenticate": 'Basic realm="proxy"'} if code == 407 else None)
            elif kind == "slow":
                time.sleep(float(fault["delay"]))
                return False
            else:
                return False
            return True

        def _authorised(self, matricule: str | None) -> bool:
            """401 for an unknown token; 403 when the token was not issued for this structure."""
            header = self.headers.get("Authorization") or ""
            token = header[7:] if header.startswith("Bearer ") else None
            if token not in server.tokens:
                self._discard()
                self._json(401, {"error": "unauthorized", "reason": "Jeton absent ou refusé."})
                return False
            allowed = server.tokens[token]
            if matricule is not None and allowed is not None and matricule not in allowed:
                self._discard()
                self._json(403, {"error": "forbidden",
                                 "reason": f"Ce jeton n'est pas délivré pour la structure {matricule}."})
                return False
            return True

        def _discard(self):
            try:
                self._body()
            except Invalid:
                self.close_connection = True

        def _route(self, method: str, path: str, fault: dict | None):
            parts = path.strip("/").split("/")
            if method in ("GET", "HEAD") and parts == ["v1", "health"]:
                return self._json(200, {"status": "ok", "service": "guichet-national-standin", "contract": 2})
            matricule = parts[2] if len(parts) > 2 and parts[:2] == ["v1", "structures"] else None
            if not self._authorised(matricule):
                return
            # /v1/structures/{m}/months/{ym}   and   /v1/structures/{m}/devices/{d}/months/{ym}
            if len(parts) == 5 and parts[:2] == ["v1", "structures"] and parts[3] == "months" and method == "GET":
                return self._json(200, server.db.structure_month(parts[2], parts[4]))
            if (len(parts) == 6 and parts[:2] == ["v1", "structures"] and parts[3] == "devices"
                    and parts[5] == "enrol" and method == "POST"):
                return self._enrol(parts[2], parts[4])
            if len(parts) == 7 and parts[:2] == ["v1", "structures"] and parts[3] == "devices" and parts[5] == "months":
                matricule, device, month = parts[2], parts[4], parts[6]
                if method == "GET":
                    found = server.db.device_month(matricule, device, month)
                    return self._json(200, found) if found else self._json(404, {"error": "not_found",
                                                                                  "reason": "Aucun envoi pour ce mois."})
                if method == "PUT":
                    return self._put(matricule, device, month, fault)
            self._discard()
            self._json(404, {"error": "not_found", "reason": "Adresse inconnue."})

        def _put(self, matricule: str, device: str, month: str, fault: dict | None):
            try:
                raw = self._body()
                envelope = json.loads(raw.decode("utf-8"))
                digest, sequence, snap = validate(envelope, matricule, device, month, server.clock().date())
            except (UnicodeDecodeError, json.JSONDecodeError):
                return self._json(400, {"error": "validation", "rule": "json", "reason": "Corps JSON illisible."})
            except Invalid as exc:
                return self._json(exc.status, exc.body())
            server.log[-1]["hash"] = digest
            if fault and fault["kind"] == "wrong_hash":
                return self._json(200, {"status": "accepted", "hash": "0" * 64})
            try:
                status = server.db.put(matricule, device, month, digest, sequence, snap, envelope["machine"])
            except Invalid as exc:
                return self._json(exc.status, exc.body())
            except NotEnrolled:
                return self._json(409, {"error": "not_enrolled", "reason": "Appareil non enrôlé pour cette structure."})
            except Claimed:
                return self._json(409, CLAIMED)
            except Stale as exc:
                return self._json(409, {"error": "stale_sequence", "current_sequence": exc.current,
                                        "reason": "Une version plus récente de ce mois a déjà été reçue."})
            if fault and fault["kind"] == "drop":
                return self._drop()
            answer = {"status": status, "hash": digest, "structure": matricule, "device": device, "month": month}
            if fault and fault["kind"] == "bad_json":
                return self._send(200, json.dumps(answer).encode()[:25])
            self._json(200, answer)

        def _enrol(self, matricule: str, device: str):
            try:
                machine, takeover = check_enrolment(json.loads(self._body().decode("utf-8") or "null"), device)
            except (UnicodeDecodeError, json.JSONDecodeError):
                return self._json(400, {"error": "validation", "rule": "json", "reason": "Corps JSON illisible."})
            except Invalid as exc:
                return self._json(exc.status, exc.body())
            try:
                return self._json(200, server.db.enrol(matricule, device, machine, takeover))
            except Claimed:
                return self._json(409, CLAIMED)

        def _admin(self, method: str, path: str):
            if not server.admin:
                self._discard()
                return self._json(404, {"error": "not_found"})
            body = self._body()
            data = json.loads(body or b"{}")
            if path == "/_admin/faults" and method == "POST":
                try:
                    server.faults.set(data.get("faults", []), append=bool(data.get("append")))
                except ValueError as exc:
                    return self._json(400, {"error": str(exc)})
                return self._json(200, {"queued": len(server.faults.queue)})
            if path == "/_admin/log" and method == "GET":
                return self._json(200, {"requests": server.log[:-1]})
            if path == "/_admin/drift" and method == "POST":
                server.db.tamper(data["structure"], data["device"], data["month"], int(data.get("delta", 1)))
                return self._json(200, {"ok": True})
            if path == "/_admin/reset" and method == "POST":
                server.faults.set([])
                del server.log[:]
                return self._json(200, {"ok": True})
            self._json(404, {"error": "not_found"})

    return Handler
