"""Agents' passwords, logins and login throttling (CNIL délibération 2022-100).

- Hashes are Argon2id with the RFC 9106 low-memory profile (t=3, m=64 MiB, p=4): about 0.15 s
  per check here. A hash made with weaker (older) parameters is upgraded at the next good login.
- Policy: at least 12 characters mixing three of lower case, upper case, digits and symbols, or
  a passphrase of at least five words (20 characters). Never containing the login.
- Throttling (the "restriction" that CNIL pairs with such passwords): after 5 failures in a row
  an agent must wait 30 s, doubling with each further failure up to 15 min. The counter lives in
  the store, so restarting the app does not reset it, and every failure is journaled.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.core import journal
from app.core.context import Actor
from app.models.enums import Role
from app.models.errors import NotFound, PermissionDenied, ValidationError
from app.models.security import LoginAttempt
from app.models.tables import Agent, utcnow

FREE_FAILURES = 5
FIRST_DELAY_S = 30
MAX_DELAY_S = 15 * 60
MIN_LENGTH = 12
PASSPHRASE_WORDS = 5
PASSPHRASE_LENGTH = 20

# Overridable by tests that need many hashes; production always uses RFC 9106 low memory.
HASH_PARAMETERS = None  # None -> argon2.profiles.RFC_9106_LOW_MEMORY


def _hasher():
    from argon2 import PasswordHasher, profiles  # lazy: argon2 loads a C extension

    return PasswordHasher.from_parameters(HASH_PARAMETERS or profiles.RFC_9106_LOW_MEMORY)


def check_policy(password: str, login: str = "") -> None:
    """Raise ValidationError(field="password") when the password is too weak."""
    if not isinstance(password, str) or not password:
        raise ValidationError("Saisissez un mot de passe.", field="password")
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
        f"Mot de passe trop faible : au moins {MIN_LENGTH} caractères mêlant trois types parmi "
        "minuscules, majuscules, chiffres et symboles, ou une phrase de passe d'au moins "
        f"{PASSPHRASE_WORDS} mots.", field="password")


def hash_password(password: str) -> str:
    return _hasher().hash(unicodedata.normalize("NFC", password))


def _get_agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("Agent introuvable.")
    return agent


def set_password(session: Session, agent_id: int, password: str, actor: Actor | None = None) -> None:
    """Check the policy, then store an Argon2id hash. Raises ValidationError, PermissionDenied.

    Without `actor` (set-up wizard, demo store) no permission is checked; with one, an agent
    may change their own password and only an administrator anyone else's."""
    agent = _get_agent(session, agent_id)
    if actor is not None and actor.agent_id != agent_id:
        actor.require("manage_agents")
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
    message: str = ""
    retry_after_s: int = 0

    @property
    def ok(self) -> bool:
        return self.actor is not None


def check_password(session: Session, agent_id: int, password: str, now: datetime | None = None,
                   action: str = "login") -> LoginOutcome:
    """Verify a password with throttling; records failures and the login in the journal.

    Returns an outcome instead of raising so that the failure counter commits with the session
    (raising inside `store.write()` would roll it back)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = (now or utcnow()).replace(tzinfo=None)
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        return LoginOutcome(None, "Agent inconnu ou désactivé.")
    attempt = session.get(LoginAttempt, agent_id) or LoginAttempt(agent_id=agent_id)
    if attempt.locked_until and attempt.locked_until > now:
        wait = int((attempt.locked_until - now).total_seconds() + 0.999)
        return LoginOutcome(None, f"Trop d'essais infructueux : réessayez dans {wait} s.", wait)
    if agent.password_hash is None:  # no password set yet: open, as before passwords existed
        journal.record(session, agent.id, action, f"agent:{agent.id}", now=now)
        return LoginOutcome(actor_for(agent))
    hasher = _hasher()
    try:
        hasher.verify(agent.password_hash, unicodedata.normalize("NFC", password or ""))
    except (VerificationError, InvalidHashError):
        attempt.failures += 1
        attempt.last_failure_at = now
        wait = delay_after(attempt.failures)
        attempt.locked_until = now + timedelta(seconds=wait) if wait else None
        session.add(attempt)
        journal.record(session, agent.id, "login_failed", f"agent:{agent.id}", f"échec n° {attempt.failures}", now=now)
        message = "Mot de passe incorrect."
        if wait:
            message += f" Trop d'essais : réessayez dans {wait} s."
        return LoginOutcome(None, message, wait)
    if hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = hasher.hash(unicodedata.normalize("NFC", password))
        session.add(agent)
    existing = session.get(LoginAttempt, agent_id)
    if existing is not None:  # a good password resets the counter
        session.delete(existing)
    journal.record(session, agent.id, action, f"agent:{agent.id}", now=now)
    return LoginOutcome(actor_for(agent))


def login(store, agent_id: int, password: str, now: datetime | None = None, action: str = "login") -> Grant:
    """Open a write transaction, check the password, commit, then raise ValidationError on failure.
    Returns the Grant a `Desk` is opened with."""
    with store.write() as session:
        outcome = check_password(session, agent_id, password, now, action)
    if not outcome.ok:
        raise ValidationError(outcome.message, field="password")
    return outcome.actor


def record_event(store, actor: Actor, action: str) -> None:
    """Journal a session event (lock, changer d'agent) in its own transaction."""
    with store.write() as session:
        journal.record(session, actor, action, f"agent:{actor.agent_id}")


# ----------------------------------------------------------------------------- agents (admin)

def add_agent(session: Session, actor: Actor, login_name: str, display_name: str, role: str,
              password: str | None = None) -> Agent:
    """Create an agent of the actor's structure. Raises ValidationError, PermissionDenied."""
    actor.require("manage_agents")
    from app.core.structures import create_agent

    if password:
        check_policy(password, login_name)
    agent = create_agent(session, actor.structure_id, login_name, display_name, role)
    journal.record(session, actor, "agent_created", f"agent:{agent.id}", f"rôle {agent.role}")
    if password:
        set_password(session, agent.id, password, actor)
    return agent


def update_agent(session: Session, actor: Actor, agent_id: int, *, role: str | None = None,
                 active: bool | None = None, display_name: str | None = None) -> Agent:
    """Change an agent's role, name or activity. An administrator cannot demote or disable
    themself (the store would have nobody left to manage agents)."""
    actor.require("manage_agents")
    agent = _get_agent(session, agent_id)
    changed = []
    if role is not None and role != agent.role:
        if role not in {r.value for r in Role}:
            raise ValidationError("Rôle inconnu.", field="role")
        if agent_id == actor.agent_id:
            raise PermissionDenied("Vous ne pouvez pas changer votre propre rôle.")
        agent.role, changed = role, changed + ["rôle"]
    if active is not None and active != agent.active:
        if agent_id == actor.agent_id:
            raise PermissionDenied("Vous ne pouvez pas désactiver votre propre compte.")
        agent.active, changed = active, changed + ["actif"]
    if display_name is not None and display_name.strip() and display_name.strip() != agent.display_name:
        agent.display_name, changed = display_name.strip()[:120], changed + ["nom"]
    if changed:
        session.add(agent)
        journal.record(session, actor, "agent_updated", f"agent:{agent.id}", ", ".join(changed))
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

AUTOLOCK_KEY = "autolock_minutes"
DEFAULT_AUTOLOCK_MIN = 5


def autolock_minutes(session: Session) -> int:
    from app.core.structures import get_setting

    raw = get_setting(session, AUTOLOCK_KEY)
    try:
        minutes = int(raw) if raw is not None else DEFAULT_AUTOLOCK_MIN
    except ValueError:
        return DEFAULT_AUTOLOCK_MIN
    return minutes if 1 <= minutes <= 60 else DEFAULT_AUTOLOCK_MIN


def set_autolock_minutes(session: Session, actor: Actor, minutes: int) -> None:
    """Raises PermissionDenied (administrators only), ValidationError (1 to 60 minutes)."""
    actor.require("configure_security")
    from app.core.structures import set_setting

    if not isinstance(minutes, int) or not 1 <= minutes <= 60:
        raise ValidationError("Verrouillage automatique : entre 1 et 60 minutes.", field="autolock_minutes")
    set_setting(session, AUTOLOCK_KEY, str(minutes))
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
