"""Shared fixtures: every store test runs on a real SQLite file in a temporary folder."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the machine's keyring: a test backend is selected explicitly where needed.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
# No automatic backups from windows opened by tests (tests/ui/test_backup_dialog.py turns them on).
os.environ.setdefault("GUICHET_AUTO_BACKUP", "0")
# The national sync's machine registry (app/sync/device.py) goes to a temporary folder, never the
# user's data folder (tests/sync gives each test its own).
os.environ.setdefault("GUICHET_SYNC_REGISTRY", os.path.join(__import__("tempfile").mkdtemp(prefix="guichet-"),
                                                            "appareil.json"))

from datetime import date, datetime, timedelta, timezone  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pytest  # noqa: E402
import time_machine  # noqa: E402

from app.core import structures  # noqa: E402
from app.core.bootstrap import open_app_store  # noqa: E402
from app.core.context import Actor  # noqa: E402
from app.models.enums import Role, StructureKind  # noqa: E402
from tests.pg import pg_admin_url, pg_cluster, pg_site, pg_url, pg_work  # noqa: E402,F401  (PostgreSQL, tests/pg.py)


# --- The clock --------------------------------------------------------------------------------------
# Every test whose outcome depends on the date or time asks for `frozen_clock`, so the suite gives the
# same answer at 00:02, on 31 December or on 29 February as at 10:30 (tests/test_clock.py checks it).
PARIS = ZoneInfo("Europe/Paris")
# A Wednesday in mid-month, mid-morning: far from midnight, month ends and daylight-saving changes.
FROZEN_AT = datetime(2026, 10, 14, 10, 30, tzinfo=PARIS)


def pytest_addoption(parser):
    parser.addoption(
        "--clock-at", default=None, metavar="ISO",
        help="start every test's clock at this Europe/Paris local time, e.g. 2026-12-31T23:59:59.9 "
             "(frozen_clock starts there; other tests get a running clock started there, which exposes "
             "tests that still read the real clock)")


def _local(when: datetime | date) -> datetime:
    """Naive datetimes and dates are Paris local time (time-machine would read them as UTC)."""
    if not isinstance(when, datetime):
        when = datetime.combine(when, datetime.min.time())
    return when if when.tzinfo else when.replace(tzinfo=PARIS)


def start_instant(config) -> datetime:
    option = config.getoption("--clock-at")
    return _local(datetime.fromisoformat(option)) if option else FROZEN_AT


class FrozenClock:
    """The test's clock. Local time is Europe/Paris while it runs (time-machine sets TZ), so
    `datetime.now()` in the app and `clock.now()` here agree, and `utcnow()` is two hours behind in summer."""

    def __init__(self, traveller: time_machine.Traveller):
        self._traveller = traveller

    def now(self) -> datetime:
        """Naive local time, as the app stamps `occurred_at`."""
        return datetime.now()

    def today(self) -> date:
        return date.today()

    def utcnow(self) -> datetime:
        """Naive UTC, as the app stamps `created_at` and journal entries."""
        return datetime.now(timezone.utc).replace(tzinfo=None)

    def earlier_today(self, minutes: int) -> datetime:
        """`minutes` ago, but never yesterday: right after midnight, midnight itself."""
        return max(self.now() - timedelta(minutes=minutes), datetime.combine(self.today(), datetime.min.time()))

    def move_to(self, when: datetime | date) -> None:
        """Jump to `when` (naive means Paris local time)."""
        self._traveller.move_to(_local(when))

    def shift(self, delta: timedelta) -> None:
        self._traveller.shift(delta)


@pytest.fixture
def frozen_clock(request):
    """The clock stopped at FROZEN_AT (or at --clock-at): `datetime.now()`, `date.today()`, `time.time()`
    and the app's `utcnow()` all read it; Qt's own clock (`QDate.currentDate()`) does not.

    A test that uses qtbot gets a clock that starts at that instant and runs: pytest-qt's `waitUntil`
    measures its timeout with `time.time()`, so under a stopped clock a failing wait would hang instead
    of failing. Started at 10:30, such a test has hours before the date changes."""
    tick = "qtbot" in request.fixturenames
    with time_machine.travel(start_instant(request.config), tick=tick) as traveller:
        yield FrozenClock(traveller)


@pytest.fixture(autouse=True)
def _clock_at_option(request):
    """With --clock-at, tests that do not ask for frozen_clock run on a clock started at that instant
    too: any of them that still reads the real date fails there (e.g. at 23:59:59.9, midnight passes).

    Two clocks are out of time-machine's reach: Qt's (`QDate.currentDate()`) and SQLite's
    (`datetime('now')`, which the journal anchor trigger checks). An instant later than the real date
    therefore makes the journal purge tests fail on that trigger: that is the limit of the tool."""
    if request.config.getoption("--clock-at") is None or "frozen_clock" in request.fixturenames:
        yield
        return
    with time_machine.travel(start_instant(request.config), tick=True):
        yield


@pytest.fixture
def store(tmp_path):
    s = open_app_store(tmp_path / "guichet.db")
    yield s
    if "app.ui.workers" in sys.modules:  # as the app does at quit: background operations first
        sys.modules["app.ui.workers"].drain()
    s.close()


@pytest.fixture
def site(store):
    """A fixed France services with an agent and a supervisor, plus a bus with two stops."""
    with store.write() as session:
        fixed = structures.create_structure(session, "100001", "France services de Testville")
        bus = structures.create_structure(session, "100002", "Bus France services du Val", StructureKind.BUS,
                                          stops=["Place de l'église", "Marché couvert"])
        agent = structures.create_agent(session, fixed.id, "marie", "Marie Curie")
        sup = structures.create_agent(session, fixed.id, "paul", "Paul Sup", Role.SUPERVISEUR)
        driver = structures.create_agent(session, bus.id, "lea", "Léa Bus")
        stops = structures.bus_stops(session, bus.id)
    return {
        "fixed": fixed, "bus": bus, "stops": stops,
        "agent": Actor(agent.id, fixed.id, Role.AGENT, agent.display_name),
        "supervisor": Actor(sup.id, fixed.id, Role.SUPERVISEUR, sup.display_name),
        "bus_agent": Actor(driver.id, bus.id, Role.AGENT, driver.display_name),
    }


@pytest.fixture
def actor(site):
    return site["agent"]


@pytest.fixture
def secure_keyring():
    """A secure-looking in-memory keyring for the test, restored afterwards."""
    import keyring

    from app.store import secrets
    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    secrets.use_backend(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """The machine's situation here: keyring's fail backend."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def passphrase_mode(no_keyring, monkeypatch):
    """No-keyring mode as on this Linux (fail backend), with Argon2id lowered for speed only (same
    code path; production parameters are app.store.vault.KDF_PARAMETERS). The vault opened by a
    test is closed afterwards, like a process that ends, and the passphrase throttle is reset."""
    from app.core import passphrase
    from app.store import secrets, vault

    monkeypatch.setattr(vault, "KDF_PARAMETERS", {"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    monkeypatch.delenv("GUICHET_STORE_PROTECTION", raising=False)
    secrets.close_vault()
    passphrase.reset_throttle()
    yield
    secrets.close_vault()
    passphrase.reset_throttle()


@pytest.fixture
def desk(store, actor):
    """A Desk for the `actor` fixture's agent (see tests/desks.py)."""
    from tests.desks import desk_for

    return desk_for(store, actor)
