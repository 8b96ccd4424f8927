"""Storage and validation of the stand-in national server (plain sqlite3: the server is not the app).

One row per (structure, device, month) holding the latest absolute snapshot: re-sending the same
snapshot changes nothing, a later one (higher sequence) replaces it, and a structure's totals are
the sum over its devices.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = "guichet.activity-snapshot/2"
REQUIRED = {"schema", "structure", "month", "totals", "cube"}
OPTIONAL = {"satisfaction", "closed", "correction_reason"}
CUBE_KEYS = {"partner", "response_type", "canal", "bus_stop", "count"}
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_MATRICULE = re.compile(r"^[0-9]{1,12}$")
_DEVICE = re.compile(r"^[0-9a-f]{32}$")


class Invalid(Exception):
    """422: the payload breaks the contract (message in French, returned as `reason`)."""


class Stale(Exception):
    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _int(value, where: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Invalid(f"{where} : entier ≥ {minimum} attendu.")
    return value


def _counts_tree(value, where: str) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if not isinstance(key, str) or len(key) > 40:
                raise Invalid(f"{where} : clé invalide.")
            _counts_tree(sub, f"{where}.{key}")
    else:
        _int(value, where)


def validate(envelope, matricule: str, device: str, month: str) -> tuple[str, int, dict]:
    """Check an envelope {hash, sequence, snapshot} against the contract and the URL."""
    if not isinstance(envelope, dict) or set(envelope) != {"hash", "sequence", "device", "snapshot"}:
        raise Invalid("Corps attendu : {hash, sequence, device, snapshot}.")
    snap = envelope["snapshot"]
    if not isinstance(snap, dict):
        raise Invalid("snapshot : objet attendu.")
    missing, extra = REQUIRED - set(snap), set(snap) - REQUIRED - OPTIONAL
    if missing or extra:
        raise Invalid(f"snapshot : champs manquants {sorted(missing)} ou inconnus {sorted(extra)}.")
    if snap["schema"] != SCHEMA:
        raise Invalid(f"Version de contrat non prise en charge : {snap['schema']!r}.")
    if not _MATRICULE.match(str(snap["structure"])) or snap["structure"] != matricule:
        raise Invalid("Le matricule du corps ne correspond pas à l'adresse.")
    if not _DEVICE.match(str(envelope["device"])) or envelope["device"] != device:
        raise Invalid("L'identifiant d'appareil du corps ne correspond pas à l'adresse.")
    if not _MONTH.match(str(snap["month"])) or snap["month"] != month:
        raise Invalid("Le mois du corps ne correspond pas à l'adresse.")
    totals = snap["totals"]
    if not isinstance(totals, dict) or set(totals) != {"accompaniments", "usagers"}:
        raise Invalid("totals : {accompaniments, usagers} attendu.")
    for key, value in totals.items():
        _int(value, f"totals.{key}")
    if not isinstance(snap["cube"], list):
        raise Invalid("cube : liste attendue.")
    for i, row in enumerate(snap["cube"]):
        if not isinstance(row, dict) or set(row) != CUBE_KEYS:
            raise Invalid(f"cube[{i}] : champs {sorted(CUBE_KEYS)} attendus.")
        for key in CUBE_KEYS - {"count"}:
            if not isinstance(row[key], str) or len(row[key]) > 120:
                raise Invalid(f"cube[{i}].{key} : texte de 120 caractères au plus.")
        _int(row["count"], f"cube[{i}].count", 1)
    if "satisfaction" in snap:
        _counts_tree(snap["satisfaction"], "satisfaction")
    if "closed" in snap and snap["closed"] is not True:
        raise Invalid("closed : true ou absent.")
    if "correction_reason" in snap and (not isinstance(snap["correction_reason"], str)
                                        or not 0 < len(snap["correction_reason"]) <= 300):
        raise Invalid("correction_reason : 1 à 300 caractères.")
    sequence = _int(envelope["sequence"], "sequence")
    digest = hashlib.sha256(canonical(snap)).hexdigest()
    if envelope["hash"] != digest:
        raise Invalid("L'empreinte ne correspond pas au contenu (sha256 du JSON canonique).")
    return digest, sequence, snap


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

    def put(self, matricule: str, device: str, month: str, digest: str, sequence: int, snap: dict) -> str:
        """'accepted' (stored) or 'unchanged' (same hash already there). Raises Stale."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
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
