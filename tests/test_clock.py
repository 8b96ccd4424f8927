"""The test clock itself (tests/conftest.py): what `frozen_clock` stops, and proof that the
date-dependent tests give the same answer just after midnight, just before it, and across the
year end and 29 February."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pytestqt.exceptions import TimeoutError as WaitTimeout

from app.models.tables import utcnow
from tests.conftest import FROZEN_AT, PARIS, start_instant

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def start(request):
    """Where frozen_clock starts: FROZEN_AT, or the --clock-at instant."""
    return start_instant(request.config)


def test_the_default_instant_is_a_paris_morning_far_from_any_boundary():
    assert FROZEN_AT == datetime(2026, 10, 14, 10, 30, tzinfo=PARIS) and FROZEN_AT.isoweekday() == 3
    assert FROZEN_AT.utcoffset() == timedelta(hours=2)  # summer time: the DST change is 11 days later


def test_the_clock_is_stopped(frozen_clock, start):
    assert datetime.now() == frozen_clock.now() == start.replace(tzinfo=None)
    assert date.today() == frozen_clock.today() == start.date()
    assert time.time() == start.timestamp()
    assert utcnow() == frozen_clock.utcnow() == start.astimezone(timezone.utc).replace(tzinfo=None)
    time.sleep(0.01)
    assert datetime.now() == start.replace(tzinfo=None)  # stopped, not just started there


def test_move_to_reads_naive_times_as_paris_and_shift_moves_on(frozen_clock):
    frozen_clock.move_to(datetime(2027, 3, 28, 1, 59))  # the night summer time starts
    assert datetime.now(timezone.utc) == datetime(2027, 3, 28, 0, 59, tzinfo=timezone.utc)
    frozen_clock.shift(timedelta(minutes=1))
    assert datetime.now() == datetime(2027, 3, 28, 3, 0)  # 02:00 does not exist in Paris that night
    frozen_clock.move_to(date(2028, 2, 29))
    assert frozen_clock.now() == datetime(2028, 2, 29, 0, 0)
    assert frozen_clock.earlier_today(5) == datetime(2028, 2, 29, 0, 0)  # never yesterday


def test_with_qtbot_the_clock_starts_at_the_same_instant_and_runs(qtbot, frozen_clock, start):
    """pytest-qt's waitUntil measures its timeout with time.time(): under a stopped clock a failing
    wait would hang. With qtbot the clock runs, so it fails in time."""
    started = frozen_clock.now()
    assert timedelta(0) <= started - start.replace(tzinfo=None) < timedelta(seconds=5)
    with pytest.raises(WaitTimeout):
        qtbot.waitUntil(lambda: False, timeout=50)
    assert frozen_clock.now() > started


# Just after and just before midnight (tests/core/test_cases.py used to fail between 00:00 and 00:05),
# the last second of a year, and both ends of 29 February.
BOUNDARIES = ["2026-10-14T00:02", "2026-10-14T23:59", "2026-12-31T23:59:59", "2027-01-01T00:00",
              "2028-02-29T00:02", "2028-02-29T23:59"]


@pytest.mark.slow
@pytest.mark.parametrize("instant", BOUNDARIES)
def test_case_list_and_today_tests_pass_at_the_day_month_and_year_boundaries(instant):
    """Runs tests/core/test_cases.py with the clock started at `instant` (--clock-at): frozen_clock
    starts there, so "today", "this month" and "a few minutes ago" all move with it. (The whole suite
    can be run the same way: see docs/architecture.md, « Tests ».)"""
    assert datetime.fromisoformat(instant).replace(tzinfo=PARIS)  # a valid Paris local time
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--clock-at", instant,
                          "tests/core/test_cases.py"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
