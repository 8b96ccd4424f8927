"""Live view of a site store: what other desks commit, and whether the server is reachable.

Writers send `NOTIFY guichet_changes, '<json>'` in the transaction of their write (app/core/changes.py
via `notify()` below): PostgreSQL delivers it only if the write commits, after it commits. Each desk
runs one `SiteListener` thread with its own connection (`LISTEN guichet_changes`) that hands each
payload to a callback — the UI refreshes Today and the lists from it (app/ui/site_live.py).

The same thread watches the server: no answer to a `SELECT 1` within `timeout` seconds (or the
connection dropped) → `on_status(False)`; it then reconnects every `interval` seconds, and
`on_status(True)` once it is back. With the defaults (1 s) a lost server is noticed within ~2 s.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid

log = logging.getLogger(__name__)

CHANNEL = "guichet_changes"
ORIGIN = uuid.uuid4().hex[:12]  # this process: a desk skips its own notifications (it already knows)
MAX_IDS = 200  # ids per payload (PostgreSQL caps a payload at 8,000 bytes); more: "reload everything"


def notify(session, payload: dict) -> None:
    """Queue a notification in the session's transaction (PostgreSQL only; SQLite has one desk)."""
    from sqlalchemy import text

    from app.store import dialects

    if dialects.is_postgresql(session):
        body = json.dumps({**payload, "origin": ORIGIN}, separators=(",", ":"))
        if len(body) > 7900:
            body = json.dumps({"origin": ORIGIN, "tables": payload.get("tables", []), "all": True})
        session.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": body})


class SiteListener(threading.Thread):
    def __init__(self, url: str, on_change, on_status=None, interval: float = 1.0, timeout: float = 1.0):
        super().__init__(name="guichet-site-listener", daemon=True)
        from sqlalchemy.engine import make_url

        from app.store.site_store import keyring_password, normalise_url

        self.dsn = make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
        self.password = keyring_password(url)  # None: in the address, ~/.pgpass or PGPASSWORD
        self.on_change, self.on_status = on_change, on_status or (lambda up: None)
        self.interval, self.timeout = interval, timeout
        self.origin = ORIGIN  # notifications from this origin are this desk's own
        self._stop = threading.Event()
        self.online: bool | None = None
        self.listening = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _set_online(self, up: bool) -> None:
        if up != self.online:
            self.online = up
            self.on_status(up)

    def run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                # tcp_user_timeout/keepalives: a server that vanishes without closing the connection
                # (cable, power) is noticed within seconds, not after the system's TCP timeout.
                extra = {"password": self.password} if self.password else {}
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=max(1, int(self.timeout + 0.5)), **extra,
                                     tcp_user_timeout=int(self.timeout * 2000), keepalives_idle=1,
                                     keepalives_interval=1, keepalives_count=2) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._set_online(True)
                    self.listening.set()
                    self._listen(conn)
            except Exception as exc:  # noqa: BLE001 - any failure means "not reachable now"
                log.info("site server unreachable: %s", exc)
                self.listening.clear()
                self._set_online(False)
                self._stop.wait(self.interval)

    def _listen(self, conn) -> None:
        while not self._stop.is_set():
            for note in conn.notifies(timeout=self.interval, stop_after=50):
                try:
                    payload = json.loads(note.payload)
                except ValueError:
                    continue
                if payload.get("origin") != self.origin:
                    self.on_change(payload)
            # no news for `interval`: is the server still there? (a dead TCP peer says nothing)
            conn.execute("SET statement_timeout = %s" % int(self.timeout * 1000))
            conn.execute("SELECT 1")
