"""Storage of the stand-in national server (plain sqlite3: the server is not the app).

One row per (structure, device, month) holding the latest absolute snapshot: re-sending the same
snapshot changes nothing, a later one (higher sequence) replaces it, and a structure's totals are
the sum over its devices. One row per enrolled (structure, device) binding it to the machine that
sends for it: a second history under the same id (a copied store on another computer) is refused
unless that computer explicitly takes the device over.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from app.sync.server.rules import canonical, check_closed



class Claimed(Exception):
    """The device sends from another machine (409 device_claimed)."""


class NotEnrolled(Exception):
    """A snapshot for a device the structure never enrolled (409 not_enrolled)."""


class Stale(Exception):
    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


class ServerDB:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()  # one writer; the HTTP server is threaded
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("""CREATE TABLE IF NOT EXISTS snapshot (
            structure TEXT NOT NULL, device TEXT NOT NULL, month TEXT NOT NULL,
            hash TEXT NOT NULL, sequence INTEGER NOT NULL, payload TEXT NOT NULL,
            received_at TEXT NOT NULL, PRIMARY KEY (structure, device, month))""")
        self.conn.execute("""CREATE TABLE IF NOT EXISTS device (
            structure TEXT NOT NULL, device TEXT NOT NULL, machine TEXT NOT NULL, enrolled_at TEXT NOT NULL,
            taken_over_at TEXT, PRIMARY KEY (structure, device))""")

    def enrol(self, matricule: str, device: str, machine: str, takeover: bool = False) -> dict:
        """Bind (structure, device) to `machine` on first sight; then answer what the service holds
        for it (highest sequence, hash per month), so a restored store can re-align. Raises Claimed."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                row = self.conn.execute("SELECT machine FROM device WHERE structure=? AND device=?",
                                        (matricule, device)).fetchone()
                if row is None:
                    self.conn.execute("INSERT INTO device VALUES (?,?,?,?,NULL)", (matricule, device, machine, now))
                    status = "enrolled"
                elif row[0] == machine:
                    status = "known"
                elif takeover:
                    self.conn.execute("UPDATE device SET machine=?, taken_over_at=? WHERE structure=? AND device=?",
                                      (machine, now, matricule, device))
                    status = "taken_over"
                else:
                    raise Claimed()
                months = dict(self.conn.execute("SELECT month, hash FROM snapshot WHERE structure=? AND device=?",
                                                (matricule, device)))
                sequence = self.conn.execute("SELECT coalesce(max(sequence), 0) FROM snapshot WHERE structure=? "
                                             "AND device=?", (matricule, device)).fetchone()[0]
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return {"status": status, "structure": matricule, "device": device, "sequence": sequence, "months": months}

    def devices(self, matricule: str) -> list[dict]:
        with self._lock:
            rows = self.conn.execute("SELECT device, machine, enrolled_at, taken_over_at FROM device WHERE structure=? "
                                     "ORDER BY enrolled_at", (matricule,)).fetchall()
        return [{"device": d, "machine": m, "enrolled_at": e, "taken_over_at": t} for d, m, e, t in rows]

    def put(self, matricule: str, device: str, month: str, digest: str, sequence: int, snap: dict,
            machine: str) -> str:
        """'accepted' (stored) or 'unchanged' (same hash already there).
        Raises NotEnrolled, Claimed, Stale, Invalid (409)."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                bound = self.conn.execute("SELECT machine FROM device WHERE structure=? AND device=?",
                                          (matricule, device)).fetchone()
                if bound is None:
                    raise NotEnrolled()
                if bound[0] != machine:
                    raise Claimed()
                row = self.conn.execute("SELECT hash, sequence, payload FROM snapshot WHERE structure=? AND device=? "
                                        "AND month=?", (matricule, device, month)).fetchone()
                body = canonical(snap).decode("utf-8")
                # Same hash *and* same stored content: a repeat. (Content is compared too, so a
                # drifted row is repaired by re-sending, as reconciliation expects.)
                if row and row[0] == digest and row[2] == body:
                    self.conn.execute("UPDATE snapshot SET sequence=max(sequence, ?) WHERE structure=? AND device=? "
                                      "AND month=?", (sequence, matricule, device, month))
                    status = "unchanged"
                elif row and row[1] > sequence:
                    raise Stale(row[1])
                else:
                    check_closed(json.loads(row[2]) if row else None, snap)
                    self.conn.execute("INSERT OR REPLACE INTO snapshot VALUES (?,?,?,?,?,?,?)",
                                      (matricule, device, month, digest, max(sequence, row[1] if row else 0),
                                       body, now))
                    status = "accepted"
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return status

    def device_month(self, matricule: str, device: str, month: str) -> dict | None:
        with self._lock:
            row = self.conn.execute("SELECT hash, sequence, payload, received_at FROM snapshot WHERE structure=? "
                                    "AND device=? AND month=?", (matricule, device, month)).fetchone()
        if row is None:
            return None
        return {"hash": row[0], "sequence": row[1], "snapshot": json.loads(row[2]), "received_at": row[3]}

    def structure_month(self, matricule: str, month: str) -> dict:
        """Sum over the structure's devices."""
        with self._lock:
            rows = self.conn.execute("SELECT device, hash, payload FROM snapshot WHERE structure=? AND month=? "
                                     "ORDER BY device", (matricule, month)).fetchall()
        totals = {"accompaniments": 0, "usagers": 0}
        cube: dict[tuple, int] = {}
        devices = []
        for device, digest, payload in rows:
            snap = json.loads(payload)
            for key in totals:
                totals[key] += snap["totals"][key]
            for r in snap["cube"]:
                key = (r["partner"], r["response_type"], r["canal"], r["bus_stop"])
                cube[key] = cube.get(key, 0) + r["count"]
            devices.append({"device": device, "hash": digest, "accompaniments": snap["totals"]["accompaniments"],
                            "closed": bool(snap.get("closed"))})
        return {"structure": matricule, "month": month, "devices": devices, "totals": totals,
                "cube": [{"partner": p, "response_type": t, "canal": c, "bus_stop": s, "count": n}
                         for (p, t, c, s), n in sorted(cube.items())]}

    def tamper(self, matricule: str, device: str, month: str, delta: int) -> None:
        """Test-only: drift a stored total (the hash is left stale on purpose)."""
        with self._lock:
            row = self.conn.execute("SELECT payload FROM snapshot WHERE structure=? AND device=? AND month=?",
                                    (matricule, device, month)).fetchone()
            snap = json.loads(row[0])
            snap["totals"]["accompaniments"] += delta
            if snap["cube"]:
                snap["cube"][0]["count"] += delta
            self.conn.execute("UPDATE snapshot SET payload=? WHERE structure=? AND device=? AND month=?",
                              (canonical(snap).decode("utf-8"), matricule, device, month))

    def close(self) -> None:
        self.conn.close()
