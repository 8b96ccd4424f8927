"""Agents' passwords, logins and login throttling (CNIL délibération 2022-100).

- Hashes are Argon2id with the RFC 9106 low-memory profile (t=3, m=64 MiB, p=4): about 0.15 s
  per check here. A hash made with weaker (older) parameters is upgraded at the next good login.
- Policy: at least 12 characters mixing three of lower case, upper case, digits and symbols, or
  a passphrase of at least five words (20 characters). Never containing the login.
- Throttling (the "restriction" that CNIL pairs with such passwords): after 5 failures in a row
  an agent must wait 30 s, doubling with each further failure up to 15 min. The counter lives in
  the store, so restarting the app does not reset it, and every failure is journaled. A try made
  during a lock-out is refused unchecked, but it is counted (it raises the next delay, not the
  current one) and journaled.
- Clocks: whoever sits at the PC may be able to move the wall clock. A lock-out decided in this
  process ends by `time.monotonic()` (which the wall clock does not move); the wall-clock end
  stored in the store only decides after a restart, and then never for longer than the lock-out
  itself (a clock moved backwards cannot lock an agent out for days). Limit, documented in
  docs/readme/security.md: quitting Guichet *and* moving the clock forward skips the rest of one
  lock-out (at most 15 min); every try is still counted and journaled.
- Once any agent has a password, nobody logs in without one: an agent whose password was never
  set is refused (« demandez à un administrateur »), and creating an agent requires a password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _secrets
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app import config
from app.core import journal
from app.core.context import Actor
from app.models.enums import Role
from app.models.errors import NotFound, PermissionDenied, ValidationError
from app.models.security import LoginAttempt
from app.models.tables import Agent, utcnow
from app.models.validators import validate_text

FREE_FAILURES = 5
FIRST_DELAY_S = 30
MAX_DELAY_S = 15 * 60
MIN_LENGTH = 12
PASSPHRASE_WORDS = 5
PASSPHRASE_LENGTH = 20

# Overridable by tests that need many hashes; production always uses RFC 9106 low memory.
HASH_PARAMETERS = None  # None -> argon2.profiles.RFC_9106_LOW_MEMORY

# The process's clock for lock-outs; tests replace it to move time forward without sleeping.
monotonic = time.monotonic
# Lock-outs decided in this process: (database, agent id) -> (locked_until as stored, monotonic end).
# The stored value identifies the lock-out, so a lock lifted or changed elsewhere is not mistaken for it.
_MONO_LOCKS: dict[tuple[str, int], tuple[datetime, float]] = {}

NO_PASSWORD_MESSAGE = ("Aucun mot de passe n'est défini pour cet agent : demandez à un administrateur de vous "
                       "en attribuer un (Supervision › Agents et sécurité).")


def _hasher():
    from argon2 import PasswordHasher, profiles  # lazy: argon2 loads a C extension

    return PasswordHasher.from_parameters(HASH_PARAMETERS or profiles.RFC_9106_LOW_MEMORY)


def check_policy(password: str, login: str = "") -> None:
    """Raise ValidationError(field="password") when the password is too weak."""
    if not isinstance(password, str) or not password:
        raise ValidationError("Saisissez un mot de passe.", field="password")
    if any(0xD800 <= ord(c) <= 0xDFFF or unicodedata.category(c) == "Cc" for c in password):
        raise ValidationError("Mot de passe : caractère illisible ou de contrôle (copier-coller ?). "
                              "Ressaisissez-le au clavier.", field="password")
    password = unicodedata.normalize("NFC", password)
    if len(password) > 256:
        raise ValidationError("Mot de passe trop long (256 caractères au plus).", field="password")
    if login and len(login) >= 3 and login.casefold() in password.casefold():
        raise ValidationError("Le mot de passe ne doit pas contenir l'identifiant.", field="password")
    words = [w for w in re.split(r"[\s\-_.,;:]+", password) if w]
    if len(words) >= PASSPHRASE_WORDS and len(password) >= PASSPHRASE_LENGTH:
        if len({w.casefold() for w in words}) >= PASSPHRASE_WORDS:
            return
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    if len(password) >= MIN_LENGTH and classes >= 3 and len(set(password)) >= 6:
        return
    raise ValidationError(
        "Mot de passe trop faible : au moins {min_length} caractères mêlant trois types parmi "
        "minuscules, majuscules, chiffres et symboles, ou une phrase de passe d'au moins "
        "{words} mots.", field="password", min_length=MIN_LENGTH, words=PASSPHRASE_WORDS)


def _secret(password: str | None) -> bytes:
    """The bytes hashed for a password. A lone surrogate (broken paste) cannot match a stored
    password, which the policy refuses; it is encoded anyway so that it fails like any wrong one."""
    return unicodedata.normalize("NFC", password or "").encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    return _hasher().hash(_secret(password))


def _get_agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("Agent introuvable.")
    return agent


def _require_own_password_first(session: Session, actor: Actor, agent_id: int | None) -> None:
    """An administrator without a password who gives one to someone else would turn logins on and
    lock themself out (nobody logs in without a password then): they set their own first."""
    if actor.agent_id == agent_id:
        return
    own = session.get(Agent, actor.agent_id)
    if own is None or own.password_hash is None:
        raise ValidationError("Définissez d'abord votre propre mot de passe : dès qu'un agent en a un, "
                              "personne ne peut plus se connecter sans.", field="password")


def set_password(session: Session, agent_id: int, password: str, actor: Actor | None = None) -> None:
    """Check the policy, then store an Argon2id hash. Raises ValidationError, PermissionDenied.

    Without `actor` (set-up wizard, demo store) only while no agent has a password yet: after
    that, an agent may change their own password and only an administrator anyone else's."""
    agent = _get_agent(session, agent_id)
    if actor is None and login_required(session):
        raise PermissionDenied("Connectez-vous pour changer un mot de passe.")
    if actor is not None and actor.agent_id != agent_id:
        actor.require("manage_agents")
        _require_own_password_first(session, actor, agent_id)
    check_policy(password, agent.login)
    agent.password_hash = hash_password(password)
    session.add(agent)
    attempt = session.get(LoginAttempt, agent_id)
    if attempt is not None:  # a reset by the administrator lifts a lock-out
        session.delete(attempt)
    journal.record(session, actor.agent_id if actor else None, "password_set", f"agent:{agent_id}")


# ----------------------------------------------------------------------------- grants
# A Grant is the actor a login issued: an Actor sealed with a key that lives only in this
# process, so the Desk (app/core/desk.py) can tell it from one built by hand. Python cannot hide
# anything from code running in the same process; the seal stops mistakes and shortcuts (a
# hand-built `Actor(role=ADMIN)`), and the Desk re-reads role and `active` at every operation anyway.

_SEAL_KEY = _secrets.token_bytes(32)
SYSTEM_AGENT_ID = 0  # the command line (sync, aggregate reports): no agent row


@dataclass(frozen=True)
class Grant(Actor):
    seal: str = ""


def _seal(agent_id: int, structure_id: int, role: str) -> str:
    return hmac.new(_SEAL_KEY, f"{agent_id}:{structure_id}:{role}".encode(), hashlib.sha256).hexdigest()


def _grant(agent_id: int, structure_id: int, role: Role, display_name: str) -> Grant:
    return Grant(agent_id, structure_id, Role(role), display_name, seal=_seal(agent_id, structure_id, str(role)))


def check_grant(grant) -> None:
    """Raise PermissionDenied unless `grant` was issued by this module in this process."""
    if not isinstance(grant, Grant) or not hmac.compare_digest(
            grant.seal, _seal(grant.agent_id, grant.structure_id, str(grant.role))):
        raise PermissionDenied("Identité non vérifiée : connectez-vous.")


def actor_for(agent: Agent) -> Grant:
    return _grant(agent.id, agent.structure_id, Role(agent.role), agent.display_name)


def system_grant(structure_id: int, role: Role = Role.AGENT, name: str = "ligne de commande") -> Grant:
    """The command line's identity: whoever can open the store file (like the installer). Its
    use cases are the aggregate ones (sync, monthly figures); the Desk sees every structure."""
    return _grant(SYSTEM_AGENT_ID, structure_id, role, name)


def grant_without_password(session: Session, agent_id: int) -> Grant:
    """While no agent has a password (demo, first run), choosing an agent is the login.
    Raises PermissionDenied once passwords are in use."""
    if login_required(session):
        raise PermissionDenied("Mot de passe requis : connectez-vous.")
    agent = _get_agent(session, agent_id)
    if not agent.active:
        raise PermissionDenied("Agent inconnu ou désactivé.")
    return actor_for(agent)


def login_required(session: Session) -> bool:
    """True once any active agent has a password: from then on the app asks who is there."""
    return session.exec(select(Agent.id).where(Agent.active == True,  # noqa: E712
                                                Agent.password_hash.is_not(None)).limit(1)).first() is not None


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failures (0 for the first five)."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_S * 2 ** (failures - FREE_FAILURES), MAX_DELAY_S)


@dataclass
class LoginOutcome:
    actor: Actor | None
    message: str = ""  # a French msgid, filled with `params` (see app.models.errors)
    retry_after_s: int = 0
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.actor is not None


def _lock_key(session: Session, agent_id: int) -> tuple[str, int]:
    return (str(session.get_bind().url.database), agent_id)


def lock_remaining_s(session: Session, attempt: LoginAttempt, now: datetime, mono: float) -> float:
    """Seconds left in the agent's lock-out (0 when none); see the module docstring for the clocks."""
    key = _lock_key(session, attempt.agent_id)
    if not attempt.locked_until:
        _MONO_LOCKS.pop(key, None)
        return 0.0
    seen = _MONO_LOCKS.get(key)
    if seen is not None and seen[0] == attempt.locked_until:
        return max(0.0, seen[1] - mono)  # decided here: moving the wall clock changes nothing
    length = (attempt.locked_until - (attempt.last_failure_at or attempt.locked_until)).total_seconds()
    return max(0.0, min((attempt.locked_until - now).total_seconds(), length))


def check_password(session: Session, agent_id: int, password: str, now: datetime | None = None,
                   action: str = "login") -> LoginOutcome:
    """Verify a password with throttling; records failures and the login in the journal.

    Returns an outcome instead of raising so that the failure counter commits with the session
    (raising inside `store.write()` would roll it back)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = (now or utcnow()).replace(tzinfo=None)
    mono = monotonic()
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        return LoginOutcome(None, "Agent inconnu ou désactivé.")
    attempt = session.get(LoginAttempt, agent_id) or LoginAttempt(agent_id=agent_id)
    remaining = lock_remaining_s(session, attempt, now, mono)
    if remaining > 0:
        # Refused without checking the password, but counted (the next delay grows) and journaled,
        # so hammering during a lock-out is visible and costs the guesser.
        attempt.failures += 1
        session.add(attempt)
        journal.record(session, agent.id, "login_failed", f"agent:{agent.id}",
                       f"essai pendant le blocage, n° {attempt.failures}", now=now)
        wait = int(remaining + 0.999)
        return LoginOutcome(None, "Trop d'essais infructueux : réessayez dans {wait} s.", wait, {"wait": wait})
    if agent.password_hash is None:
        if login_required(session):  # other agents have passwords: this account is not open
            journal.record(session, agent.id, "login_failed", f"agent:{agent.id}", "aucun mot de passe défini",
                           now=now)
            return LoginOutcome(None, NO_PASSWORD_MESSAGE)
        journal.record(session, agent.id, action, f"agent:{agent.id}", now=now)  # nobody has one yet
        return LoginOutcome(actor_for(agent))
    hasher = _hasher()
    try:
        hasher.verify(agent.password_hash, _secret(password if isinstance(password, str) else ""))
    except (VerificationError, InvalidHashError):
        attempt.failures += 1
        attempt.last_failure_at = now
        wait = delay_after(attempt.failures)
        attempt.locked_until = now + timedelta(seconds=wait) if wait else None
        if wait:
            _MONO_LOCKS[_lock_key(session, agent_id)] = (attempt.locked_until, mono + wait)
        session.add(attempt)
        journal.record(session, agent.id, "login_failed", f"agent:{agent.id}", f"échec n° {attempt.failures}", now=now)
        message = "Mot de passe incorrect."
        if wait:
            message = "Mot de passe incorrect. Trop d'essais : réessayez dans {wait} s."
        return LoginOutcome(None, message, wait, {"wait": wait})
    if hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = hasher.hash(_secret(password))
        session.add(agent)
    existing = session.get(LoginAttempt, agent_id)
    if existing is not None:  # a good password resets the counter
        session.delete(existing)
    _MONO_LOCKS.pop(_lock_key(session, agent_id), None)
    journal.record(session, agent.id, action, f"agent:{agent.id}", now=now)
    return LoginOutcome(actor_for(agent))


def login(store, agent_id: int, password: str, now: datetime | None = None, action: str = "login") -> Grant:
    """Open a write transaction, check the password, commit, then raise ValidationError on failure.
    Returns the Grant a `Desk` is opened with."""
    with store.write() as session:
        outcome = check_password(session, agent_id, password, now, action)
    if not outcome.ok:
        raise ValidationError(outcome.message, field="password", **outcome.params)
    return outcome.actor


def record_event(store, actor: Actor, action: str) -> None:
    """Journal a session event (lock, changer d'agent) in its own transaction."""
    with store.write() as session:
        journal.record(session, actor, action, f"agent:{actor.agent_id}")


# ----------------------------------------------------------------------------- agents (admin)

def add_agent(session: Session, actor: Actor, login_name: str, display_name: str, role: str,
              password: str | None = None) -> Agent:
    """Create an agent of the actor's structure, with a password meeting the policy (an agent
    without one could not log in). Raises ValidationError, PermissionDenied; nothing is written then."""
    actor.require("manage_agents")
    from app.core.structures import create_agent

    if not password:
        raise ValidationError("Saisissez un mot de passe pour le nouvel agent (il ne pourra pas se "
                              "connecter sans).", field="password")
    check_policy(password, login_name or "")
    _require_own_password_first(session, actor, None)  # None: the agent about to be created
    agent = create_agent(session, actor.structure_id, login_name, display_name, role)
    journal.record(session, actor, "agent_created", f"agent:{agent.id}", f"rôle {agent.role}")
    set_password(session, agent.id, password, actor)
    return agent


def update_agent(session: Session, actor: Actor, agent_id: int, *, role: str | None = None,
                 active: bool | None = None, display_name: str | None = None,
                 password: str | None = None) -> Agent:
    """Change an agent's role, name, activity or password. An administrator cannot demote or
    disable themself (the store would have nobody left to manage agents). An active agent who has
    no password yet must be given one. Every check runs before the first change."""
    actor.require("manage_agents")
    agent = _get_agent(session, agent_id)
    changes: dict[str, object] = {}
    if role is not None and role != agent.role:
        if role not in {r.value for r in Role}:
            raise ValidationError("Rôle inconnu.", field="role")
        if agent_id == actor.agent_id:
            raise PermissionDenied("Vous ne pouvez pas changer votre propre rôle.")
        changes["role"] = role
    if active is not None and active != agent.active:
        if agent_id == actor.agent_id:
            raise PermissionDenied("Vous ne pouvez pas désactiver votre propre compte.")
        changes["active"] = active
    if display_name is not None:
        name = validate_text(display_name, "display_name", "Nom affiché", max_length=120)
        if name and name != agent.display_name:
            changes["display_name"] = name
    stays_active = changes.get("active", agent.active)
    if password:
        check_policy(password, agent.login)
        if actor.agent_id != agent_id:
            _require_own_password_first(session, actor, agent_id)
    elif agent.password_hash is None and stays_active and (changes or login_required(session)):
        raise ValidationError("Cet agent n'a pas de mot de passe : saisissez-en un (il ne peut pas se "
                              "connecter sans).", field="password")
    labels = {"role": "rôle", "active": "actif", "display_name": "nom"}
    for key, value in changes.items():
        setattr(agent, key, value)
    if changes:
        session.add(agent)
        journal.record(session, actor, "agent_updated", f"agent:{agent.id}",
                       ", ".join(labels[k] for k in changes))
    if password:
        set_password(session, agent_id, password, actor)
    return agent


def list_agents(session: Session, actor: Actor, include_inactive: bool = False) -> list[Agent]:
    actor.require("manage_agents")
    query = select(Agent).order_by(Agent.display_name)
    if not include_inactive:
        query = query.where(Agent.active == True)  # noqa: E712
    return list(session.exec(query))


def login_choices(session: Session) -> list[tuple[int, str, str]]:
    """(id, display name, login) of active agents, for the login dialog (no permission: pre-login)."""
    rows = session.exec(select(Agent).where(Agent.active == True).order_by(Agent.display_name))  # noqa: E712
    return [(a.id, a.display_name, a.login) for a in rows]


# ----------------------------------------------------------------------------- auto-lock setting

AUTOLOCK_KEY = config.AUTOLOCK_MINUTES.name
DEFAULT_AUTOLOCK_MIN = config.AUTOLOCK_MINUTES.default


def autolock_minutes(session: Session) -> int:
    return config.AUTOLOCK_MINUTES.get(session)


def set_autolock_minutes(session: Session, actor: Actor, minutes: int) -> None:
    """Raises PermissionDenied (administrators only), ValidationError (1 to 60 minutes)."""
    actor.require("configure_security")
    minutes = config.AUTOLOCK_MINUTES.set(session, minutes)
    journal.record(session, actor, "settings_changed", "setting:autolock_minutes", str(minutes))


# ----------------------------------------------------------------------------- before the login
# The login dialog and the lock screen run before (or outside) any Desk: they read the store
# through these two functions, which open their own transaction.

@dataclass(frozen=True)
class LoginScreen:
    choices: list[tuple[int, str, str]]  # (agent id, display name, login) of active agents
    passwords_on: bool  # once any agent has a password, everyone logs in with theirs


def login_screen(store) -> LoginScreen:
    """What the login dialog shows (no permission: pre-login)."""
    with store.read() as session:
        return LoginScreen(login_choices(session), login_required(session))


def choose_agent(store, agent_id: int) -> Grant:
    """`grant_without_password` in its own read transaction (the command line, the login flow).
    Raises PermissionDenied once passwords are in use."""
    with store.read() as session:
        return grant_without_password(session, agent_id)
