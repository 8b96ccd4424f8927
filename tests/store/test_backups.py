"""Backups: verified copies, Anki-style thinning over 400 simulated days, restore drill."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from app.core.usagers import UsagerInput, create_usager
from app.models.errors import PermissionDenied, StoreError
from app.models.tables import Usager
from app.store import backups
from app.store.backups import Limits, thin
from app.store.engine import open_store
from tests.store.conftest import seed_site


def reference_keep(stamps, now, limits):
    """The retention rule written declaratively, to check the incremental `thin` against."""
    keep = {s for s in stamps if s.date() >= now.date()}
    anchor = min(keep) if keep else None
    older = sorted((s for s in stamps if s.date() < now.date()), reverse=True)
    levels = ((limits.daily, lambda s: s.date()), (limits.weekly, lambda s: s.isocalendar()[:2]),
              (limits.monthly, lambda s: (s.year, s.month)))
    for count, period in levels:
        if count == 0:
            continue
        chosen, seen = [], set()
        for s in older:
            if (anchor is not None and not period(s) < period(anchor)) or period(s) in seen:
                continue
            seen.add(period(s))
            chosen.append(s)
            if len(chosen) == count:
                break
        keep.update(chosen)
        if chosen:
            anchor = chosen[-1]
        if len(chosen) < count:
            break  # slots left at this level: the coarser levels never start
    return keep


stamps_strategy = st.lists(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)),
                           max_size=120, unique=True)


@settings(max_examples=150, deadline=None)
@given(stamps=stamps_strategy, limits=st.builds(Limits, st.integers(0, 6), st.integers(0, 5), st.integers(0, 5)))
def test_thin_matches_the_declarative_rule(stamps, limits):
    now = datetime(2026, 7, 1, 12, 0)
    kept = thin(stamps, now, limits)
    assert kept == reference_keep(stamps, now, limits)
    assert len(kept) <= limits.daily + limits.weekly + limits.monthly + sum(s.date() >= now.date() for s in stamps)
    if stamps and (limits.daily or max(stamps).date() >= now.date()):
        assert max(stamps) in kept  # the newest backup is never thinned away


def test_thin_known_case():
    now = datetime(2026, 3, 16, 9, 0)  # Monday
    stamps = [now - timedelta(days=d, hours=h) for d in range(0, 200) for h in (0, 6)]
    kept = sorted(thin(stamps, now, Limits(3, 2, 2)), reverse=True)
    assert [k.strftime("%Y-%m-%d %H") for k in kept] == [
        "2026-03-16 09", "2026-03-16 03",  # today
        "2026-03-15 09", "2026-03-14 09", "2026-03-13 09",  # 3 daily (newest of each day)
        "2026-03-08 09", "2026-03-01 09",  # 2 weekly: Sundays of ISO weeks 10 and 9
        "2026-02-28 09", "2026-01-31 09",  # 2 monthly: last day of February and January
    ]


def _placeholder_backup(store, now):
    """A file with a backup's name: rotation only looks at names (the slow variant makes real ones)."""
    path = backups.backup_dir(store.path) / backups.backup_name(store.path.stem, now)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"x")
    backups.rotate(store.path, now)
    return now


@pytest.mark.parametrize("real", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_rotation_over_400_simulated_days(tmp_path, real):
    """The desk opens at 8:45 and closes at 17:30 on working days, with a summer closure and an
    occasional restart; a backup is made at start-up and at close when the last one is ≥ 4 h old."""
    store = open_store(tmp_path / "guichet.db")
    make = (lambda now: backups.create_backup(store, now=now).created) if real else (
        lambda now: _placeholder_backup(store, now))
    rng = random.Random(400)
    start = date(2025, 9, 1)
    closure = (date(2026, 8, 3), date(2026, 8, 21))
    expected: set[datetime] = set()
    try:
        for offset in range(400):
            day = start + timedelta(days=offset)
            if day.weekday() >= 5 or closure[0] <= day <= closure[1]:
                continue
            moments = [time(8, 45), time(17, 30)]
            if rng.random() < 0.2:
                moments.insert(1, time(10, 15))  # a restart: too soon for another backup
            for moment in moments:
                now = datetime.combine(day, moment)
                if backups.needs_backup(store.path, now):
                    newest = make(now)
                    expected = reference_keep(expected | {newest}, now, backups.DEFAULT_LIMITS)
                on_disk = [b.created for b in backups.list_backups(store.path)]
                assert on_disk == sorted(expected, reverse=True)
                assert on_disk[0] == newest
    finally:
        store.close()
    now = datetime.combine(day, time(17, 30))
    kept = [b.created for b in backups.list_backups(store.path)]
    assert day == date(2026, 10, 5)  # day 400 is a Monday
    assert len(kept) == 2 + 12 + 10 + 9
    assert kept[:2] == [datetime(2026, 10, 5, 17, 30), datetime(2026, 10, 5, 8, 45)]
    daily = kept[2:14]
    assert all(k.time() == time(17, 30) for k in daily)
    assert daily[0].date() == date(2026, 10, 2) and daily[-1].date() == date(2026, 9, 17)
    weekly = kept[14:24]
    # Fridays; the three closed weeks of August have nothing to keep and are skipped.
    assert [k.date() for k in weekly] == [date(2026, 9, 11), date(2026, 9, 4), date(2026, 8, 28)] + [
        date(2026, 7, 31) - timedelta(weeks=w) for w in range(7)]
    monthly = kept[24:]
    assert [(k.year, k.month) for k in monthly] == [(2026, m) for m in range(5, 0, -1)] + [
        (2025, m) for m in range(12, 8, -1)]
    assert all(k.time() == time(17, 30) for k in weekly + monthly)
    assert not list(backups.backup_dir(store.path).glob("*.partiel*"))


def _count_usagers(store) -> int:
    with store.read() as session:
        return session.exec(select(func.count()).select_from(Usager)).one()


def _add_usagers(store, actor, names):
    with store.write() as session:
        for name in names:
            create_usager(session, actor, UsagerInput(first_name="Jeanne", last_name=name))


def test_backup_is_encrypted_verified_and_restorable(enc_store, tmp_path):
    actor = seed_site(enc_store)["agent"]
    _add_usagers(enc_store, actor, ["Alpha", "Bravo"])
    info = backups.create_backup(enc_store)
    assert info.path.read_bytes()[:16] != b"SQLite format 3\x00"
    assert backups.verify_copy(info.path, enc_store.cipher_key)["usager"] == 2
    assert (backups.backup_dir(enc_store.path) / "guichet.db.cle").exists()
    with pytest.raises(StoreError):
        backups.verify_copy(info.path, None)  # unreadable without the key

    _add_usagers(enc_store, actor, ["Charlie"])
    path, key = enc_store.path, enc_store.cipher_key
    enc_store.close()
    aside = backups.restore(path, info.path, key)
    assert aside is not None and aside.exists()
    restored = open_store(path)
    assert _count_usagers(restored) == 2
    restored.close()
    previous = open_store(aside, key=key, migrate=False)  # the replaced file was kept, intact
    assert _count_usagers(previous) == 3
    previous.close()


def test_restore_drill_newest_backup_opens_elsewhere_with_same_counts(enc_store):
    """Reliability D6: newest backup → scratch folder → opened as the app does → counts match."""
    from app.core import backup_service

    site = seed_site(enc_store)
    _add_usagers(enc_store, site["agent"], ["Nom" + chr(ord("a") + i) for i in range(25)])
    backups.create_backup(enc_store, now=datetime(2026, 1, 5, 9))
    _add_usagers(enc_store, site["agent"], ["Tardif"])
    with pytest.raises(PermissionDenied):
        backup_service.backup_now(enc_store, site["agent"].__class__(0, 0, "inconnu"))
    backup_service.backup_now(enc_store, site["agent"], now=datetime(2026, 1, 5, 17))
    with pytest.raises(PermissionDenied):
        backup_service.restore_drill(enc_store, site["agent"])  # supervisors only
    report = backup_service.restore_drill(enc_store, site["supervisor"])
    assert report.backup.created == datetime(2026, 1, 5, 17)
    assert report.matches and report.restored_counts["usager"] == 26
    assert not [p for p in backups.backup_dir(enc_store.path).iterdir() if p.is_dir()]  # scratch removed


def test_corrupt_backup_is_refused_and_store_left_untouched(enc_store):
    seed_site(enc_store)
    info = backups.create_backup(enc_store)
    data = bytearray(info.path.read_bytes())
    for offset in range(4096 + 100, 4096 + 140):  # inside page 2
        data[offset] ^= 0xFF
    info.path.write_bytes(bytes(data))
    path, key = enc_store.path, enc_store.cipher_key
    enc_store.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="sauvegarde"):
        backups.restore(path, info.path, key)
    assert path.read_bytes() == before
    assert not list(path.parent.glob("*.partiel"))


def test_failed_backup_leaves_no_partial_file_and_keeps_older_ones(enc_store, monkeypatch):
    seed_site(enc_store)
    good = backups.create_backup(enc_store, now=datetime(2026, 1, 1, 9))
    # the re-read copy never matches the original (as if the copy had lost rows)
    monkeypatch.setattr(backups, "verify_copy", lambda path, key: {"usager": -1})
    with pytest.raises(StoreError, match="écartée"):
        backups.create_backup(enc_store, now=datetime(2026, 1, 2, 9))
    assert [b.path for b in backups.list_backups(enc_store.path)] == [good.path]
    assert not list(backups.backup_dir(enc_store.path).glob("*.partiel*"))


def test_needs_backup_respects_minimum_interval(tmp_path):
    store = open_store(tmp_path / "guichet.db")
    try:
        t0 = datetime(2026, 2, 2, 9)
        assert backups.needs_backup(store.path, t0)
        backups.create_backup(store, now=t0)
        assert not backups.needs_backup(store.path, t0 + timedelta(hours=3, minutes=59))
        assert backups.needs_backup(store.path, t0 + timedelta(hours=4))
    finally:
        store.close()
