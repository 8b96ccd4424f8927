"""What the national service refuses, rule by rule: the stand-in server is the reference a national
implementer reads, so each rule here has its line (and status code) in docs/sync-contract.md.

`validate(envelope, url…, today)` raises Invalid(rule, reason, status) on the first broken rule;
status is 422 unless said otherwise. `check_closed(stored, new)` is the 409 rule, which needs the
stored snapshot. Reasons are in French (they are shown to supervisors as the server's answer).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from app.sync import codes

SCHEMA = "guichet.activity-snapshot/2"
ENVELOPE = {"hash", "sequence", "device", "machine", "snapshot"}
REQUIRED = {"schema", "structure", "month", "totals", "cube"}
OPTIONAL = {"satisfaction", "closed", "correction_reason"}
CUBE_KEYS = {"partner", "response_type", "canal", "bus_stop", "count"}
MAX_BODY = 1_000_000          # bytes: 413 above (a real month is a few kB)
MAX_COUNT = 1_000_000         # per figure and month: far above any France services
MAX_SEQUENCE = 2 ** 53 - 1    # JSON-safe integer; SQLite and every JSON reader hold it exactly
FIRST_MONTH = date(2019, 1, 1)  # the first France services labels
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_MATRICULE = re.compile(r"^[0-9]{1,12}$")
_DEVICE = re.compile(r"^[0-9a-f]{32}$")


class Invalid(Exception):
    """A broken rule: `status` (422, 409, 413), a stable `rule` id and a French `reason`."""

    def __init__(self, rule: str, reason: str, status: int = 422):
        super().__init__(reason)
        self.rule, self.reason, self.status = rule, reason, status

    def body(self) -> dict:
        return {"error": "validation", "rule": self.rule, "reason": self.reason}


def check_enrolment(body, device: str) -> tuple[str, bool]:
    """POST …/devices/{device}/enrol body {"machine": 32 hex, "takeover": bool}. Raises Invalid."""
    if not _DEVICE.match(device):
        raise Invalid("identity", "Identifiant d'appareil : 32 caractères hexadécimaux attendus.")
    if (not isinstance(body, dict) or set(body) - {"machine", "takeover"} or not _DEVICE.match(str(body.get("machine")))
            or not isinstance(body.get("takeover", False), bool)):
        raise Invalid("body", "Corps attendu : {machine: 32 hex, takeover: booléen}.")
    return body["machine"], body.get("takeover", False)


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _int(value, rule: str, where: str, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise Invalid(rule, f"{where} : entier de {minimum} à {maximum} attendu.")
    return value


def month_of(text: str) -> date | None:
    """'2026-10' -> date(2026, 10, 1); None for anything else (year 0000 included)."""
    match = _MONTH.match(str(text))
    try:
        return date(int(match.group(1)), int(match.group(2)), 1) if match else None
    except ValueError:
        return None


def _identity(envelope: dict, snap: dict, matricule: str, device: str, month: str, today: date) -> None:
    if snap["schema"] != SCHEMA:
        raise Invalid("schema", f"Version de contrat non prise en charge : {str(snap['schema'])[:40]!r}.")
    if not _MATRICULE.match(str(snap["structure"])) or snap["structure"] != matricule:
        raise Invalid("identity", "Le matricule du corps ne correspond pas à l'adresse.")
    if not _DEVICE.match(str(envelope["device"])) or envelope["device"] != device:
        raise Invalid("identity", "L'identifiant d'appareil du corps ne correspond pas à l'adresse.")
    if not _DEVICE.match(str(envelope["machine"])):
        raise Invalid("identity", "machine : 32 caractères hexadécimaux attendus.")
    if not _MONTH.match(str(snap["month"])) or snap["month"] != month:
        raise Invalid("identity", "Le mois du corps ne correspond pas à l'adresse (AAAA-MM).")
    when = month_of(month)
    if when is None or when < FIRST_MONTH:
        raise Invalid("month_range", f"Mois {month} antérieur à 2019-01 : impossible.")
    if when > today.replace(day=1):
        raise Invalid("month_range", f"Mois {month} postérieur au mois en cours du service "
                                     f"({today:%Y-%m}) : horloge de l'ordinateur incorrecte ?")


def _totals_and_cube(snap: dict) -> None:
    totals = snap["totals"]
    if not isinstance(totals, dict) or set(totals) != {"accompaniments", "usagers"}:
        raise Invalid("totals", "totals : {accompaniments, usagers} attendu.")
    acc = _int(totals["accompaniments"], "totals", "totals.accompaniments")
    if _int(totals["usagers"], "totals", "totals.usagers") > acc:
        raise Invalid("usagers_exceed", "Plus d'usagers que d'accompagnements : impossible.")
    if not isinstance(snap["cube"], list):
        raise Invalid("cube", "cube : liste attendue.")
    seen, per_group = set(), {}
    for i, row in enumerate(snap["cube"]):
        if not isinstance(row, dict) or set(row) != CUBE_KEYS:
            raise Invalid("cube", f"cube[{i}] : champs {sorted(CUBE_KEYS)} attendus.")
        count = _int(row["count"], "cube", f"cube[{i}].count", 1)
        if row["partner"] not in codes.partners():
            raise Invalid("code_partner", f"cube[{i}].partner : code hors de la liste nationale.")
        if row["response_type"] not in codes.RESPONSE_TYPES:
            raise Invalid("code_response_type", f"cube[{i}].response_type : code hors de la liste nationale.")
        if row["canal"] not in codes.CANALS:
            raise Invalid("code_canal", f"cube[{i}].canal : code hors de la liste nationale.")
        stop = row["bus_stop"]
        if not isinstance(stop, str) or (stop and not codes.BUS_STOP.match(stop)):
            raise Invalid("bus_stop_code", f"cube[{i}].bus_stop : code arret-NN ou vide attendu.")
        if stop and row["canal"] != codes.BUS_CANAL:
            raise Invalid("bus_stop_canal", f"cube[{i}] : un arrêt de bus sans le canal {codes.BUS_CANAL}.")
        key = (row["partner"], row["response_type"], row["canal"], stop)
        if key in seen:
            raise Invalid("cube", f"cube[{i}] : ligne en double.")
        seen.add(key)
        group = key[1:]
        per_group[group] = max(per_group.get(group, 0), count)
    # Each accompaniment has one type of answer, canal and stop, and one or more partners: it is
    # in one group, once per partner. So the largest row of each group is a floor for the group
    # and the sum of all rows a ceiling for the total.
    floor, ceiling = sum(per_group.values()), sum(r["count"] for r in snap["cube"])
    if not floor <= acc <= ceiling:
        raise Invalid("cube_totals", f"Le cube ({floor} à {ceiling} accompagnements) ne correspond pas "
                                     f"au total ({acc}).")


def _satisfaction(tree) -> None:
    if not isinstance(tree, dict) or set(tree) - set(codes.SATISFACTION_TOP) - {"dimensions"}:
        raise Invalid("satisfaction", "satisfaction : clés hors de la liste.")
    for key in codes.SATISFACTION_TOP:
        if key in tree:
            _int(tree[key], "satisfaction", f"satisfaction.{key}")
    dims = tree.get("dimensions", {})
    if not isinstance(dims, dict) or set(dims) - set(codes.dimensions()):
        raise Invalid("satisfaction", "satisfaction.dimensions : dimension hors de la liste.")
    for name, leaves in dims.items():
        if not isinstance(leaves, dict) or set(leaves) - set(codes.SATISFACTION_LEAVES):
            raise Invalid("satisfaction", f"satisfaction.dimensions.{name} : clés hors de la liste.")
        for key, value in leaves.items():
            _int(value, "satisfaction", f"satisfaction.dimensions.{name}.{key}")


def validate(envelope, matricule: str, device: str, month: str, today: date) -> tuple[str, int, dict]:
    """Check an envelope {hash, sequence, device, snapshot} against the contract, the URL and the
    service's date. Returns (hash, sequence, snapshot). Raises Invalid."""
    if not isinstance(envelope, dict) or set(envelope) != ENVELOPE:
        raise Invalid("body", "Corps attendu : {hash, sequence, device, machine, snapshot}.")
    snap = envelope["snapshot"]
    if not isinstance(snap, dict):
        raise Invalid("body", "snapshot : objet attendu.")
    missing, extra = REQUIRED - set(snap), set(snap) - REQUIRED - OPTIONAL
    if missing or extra:
        raise Invalid("fields", f"snapshot : champs manquants {sorted(missing)} ou inconnus {sorted(extra)[:5]}.")
    sequence = _int(envelope["sequence"], "sequence_range", "sequence", 1, MAX_SEQUENCE)
    _identity(envelope, snap, matricule, device, month, today)
    _totals_and_cube(snap)
    if "satisfaction" in snap:
        _satisfaction(snap["satisfaction"])
    if "closed" in snap and snap["closed"] is not True:
        raise Invalid("closed", "closed : true ou absent.")
    if "correction_reason" in snap and snap["correction_reason"] not in codes.CORRECTION_REASONS:
        raise Invalid("correction_reason", "correction_reason : code hors de la liste nationale.")
    if "correction_reason" in snap and snap.get("closed") is not True:
        raise Invalid("correction_reason", "correction_reason sans closed: true.")
    digest = hashlib.sha256(canonical(snap)).hexdigest()
    if envelope["hash"] != digest:
        raise Invalid("hash", "L'empreinte ne correspond pas au contenu (sha256 du JSON canonique).")
    return digest, sequence, snap


def _counts(snap: dict) -> dict:
    return {k: snap.get(k) for k in ("totals", "cube", "satisfaction")}


def check_closed(stored: dict | None, new: dict) -> None:
    """409: once a month was received closed, its figures change only with `closed: true` and a
    correction reason code (the supervisor's validation travels with the change)."""
    if not stored or stored.get("closed") is not True:
        return
    if new.get("closed") is not True:
        raise Invalid("closed_month", "Ce mois a été clôturé : il ne peut pas être rouvert.", 409)
    if _counts(stored) != _counts(new) and "correction_reason" not in new:
        raise Invalid("closed_month", "Ce mois a été clôturé : un changement doit porter un motif de "
                                      "correction (correction_reason).", 409)
