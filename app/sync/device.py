"""Who sends: this store's device identity, built so that a restore or a copy never counts twice.

- **store id**: derived from the store's founding row (its first structure's id and creation time),
  so it is the same in every backup and every copy of the store — even a backup made before the
  first sync — and different for a store created anew.
- **device id** (sent in the URL): the store's own setting when it has one (older stores got a
  random one); else what this machine's registry recorded for the store id (a backup made before
  the first sync, restored here); else derived from the store id. A restored store therefore always
  sends under the id it used before, never as a second device.
- **machine id**: random, kept in the machine registry, a small JSON file in the user's data folder
  (`GUICHET_SYNC_REGISTRY` overrides the path). It lives outside the store and its backups, so it
  never travels with a copied store file.
- **sequence**: the highest of the store's and the registry's counters (a restore cannot make it go
  back), raised above what the service says it has seen at each enrolment.

The service binds (structure, device) to a machine at enrolment (docs/sync-contract.md): the same
store restored on the same computer is re-aligned (app/sync/client.py); a copy on another computer
is refused with 409 device_claimed and the sync stops with `blocked_message`, sending nothing, until
a supervisor runs `guichet sync --reprendre` on the computer that must send from now on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from app import config
from app.models.tables import Structure

log = logging.getLogger(__name__)

DEVICE_KEY = config.SYNC_DEVICE_ID.name
SEQUENCE_KEY = config.SYNC_SEQUENCE.name
BLOCKED_KEY = config.SYNC_BLOCKED.name
REGISTRY_ENV = config.SYNC_REGISTRY.name
REGISTRY_NAME = "appareil-envoi-national.json"


def registry_path() -> Path:
    path = config.SYNC_REGISTRY.get()
    if path:
        return Path(path)
    from app.store.paths import data_dir

    return data_dir() / REGISTRY_NAME


class Registry:
    """This machine's record: its id, and per store id the device and highest sequence used here."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else registry_path()
        self.data = self._load()

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("machine"), str) and len(data["machine"]) == 32:
                data.setdefault("stores", {})
                return data
            log.warning("machine registry %s unreadable: a new machine id is made", self.path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("machine registry %s unreadable (%s): a new machine id is made", self.path, exc)
        return {"machine": uuid.uuid4().hex, "stores": {}}

    @property
    def machine(self) -> str:
        return self.data["machine"]

    def entry(self, store_id: str) -> dict:
        return dict(self.data["stores"].get(store_id) or {})

    def record(self, store_id: str, device: str, sequence: int) -> None:
        """Write atomically (a half-written registry would make this machine a stranger)."""
        old = self.entry(store_id)
        self.data["stores"][store_id] = {"device": device, "sequence": max(sequence, int(old.get("sequence") or 0))}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class DeviceIdentity:
    store_id: str
    device: str
    machine: str
    sequence: int        # highest used so far (store or this machine's registry)
    restored: bool       # the store's own counter is behind this machine's: it was restored


def store_id(session: Session) -> str:
    """Same in every backup and copy of a store, different for a store created anew."""
    first = session.exec(select(Structure).order_by(Structure.id).limit(1)).first()
    if first is None:
        return ""
    seed = f"guichet-store/1:{first.id}:{first.created_at.isoformat()}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]


def _derived_device(sid: str) -> str:
    return hashlib.sha256(f"guichet-device/1:{sid}".encode("utf-8")).hexdigest()[:32]


def device_identity(session: Session, registry: Registry | None = None) -> DeviceIdentity:
    """What this store sends as, on this machine (reads only; `claim` records it)."""
    registry = registry or Registry()
    sid = store_id(session)
    entry = registry.entry(sid) if sid else {}
    device = config.SYNC_DEVICE_ID.get(session) or entry.get("device") or (_derived_device(sid) if sid else "")
    own = config.SYNC_SEQUENCE.get(session)
    mine = int(entry.get("sequence") or 0) if entry.get("device") == device else 0
    return DeviceIdentity(sid, device, registry.machine, max(own, mine), restored=mine > own)


def claim(session: Session, registry: Registry | None = None) -> DeviceIdentity:
    """Record the identity in the store and in this machine's registry (inside store.write())."""
    registry = registry or Registry()
    identity = device_identity(session, registry)
    if config.SYNC_DEVICE_ID.get(session) != identity.device:
        config.SYNC_DEVICE_ID.set(session, identity.device)
    if config.SYNC_SEQUENCE.get(session) < identity.sequence:
        config.SYNC_SEQUENCE.set(session, identity.sequence)
    session.flush()
    registry.record(identity.store_id, identity.device, identity.sequence)
    return identity


def remember(session: Session, registry: Registry) -> None:
    """After a run: this machine keeps the store's highest sequence (a restore cannot lower it)."""
    identity = device_identity(session, registry)
    if identity.store_id and identity.device:
        registry.record(identity.store_id, identity.device, identity.sequence)


def next_sequence(session: Session) -> int:
    """Monotonic per store; written in the same transaction as the outgoing snapshot's hash."""
    return config.SYNC_SEQUENCE.set(session, config.SYNC_SEQUENCE.get(session) + 1)


def raise_sequence(session: Session, at_least: int) -> None:
    if config.SYNC_SEQUENCE.get(session) < at_least:
        config.SYNC_SEQUENCE.set(session, at_least)


def blocked_message(session: Session) -> str:
    """Why this store may not send (another computer sends under its identity), or ''."""
    return config.SYNC_BLOCKED.get(session) or ""


def set_blocked(session: Session, message: str) -> None:
    config.SYNC_BLOCKED.set(session, message[:2000])


def copy_message() -> str:
    from app.i18n import _

    return _("Envoi bloqué : un autre ordinateur envoie déjà les totaux de cette base (copie du fichier, ou "
             "base reprise sur un autre poste). Rien n'a été envoyé : les totaux de l'autre poste sont intacts. "
             "Si cet ordinateur doit désormais envoyer à sa place, un superviseur lance "
             "« guichet sync --reprendre » (l'autre poste sera alors refusé). Pour un second poste de la même "
             "structure, créez-y une nouvelle base.")


def restored_message() -> str:
    from app.i18n import _

    return _("Base restaurée détectée (son compteur d'envoi est en retard sur celui de cet ordinateur) : "
             "même identité d'appareil, les mois sont réalignés sur le service sans double compte.")


def takeover_message() -> str:
    from app.i18n import _

    return _("Cet ordinateur a repris l'envoi de cette base : l'ancien poste sera refusé par le service.")
