"""`guichet init-demo`: build the demo store headless; `ensure_demo_store` for `guichet demo`.

A demo store is marked by a setting (see app.core.demo.DEMO_KEY); a file that is not a demo is
never replaced, so `--db` pointing at real data by mistake cannot destroy it.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from app.i18n import _


def ensure_demo_store(path: Path, reset: bool = False, seed: int | None = None, today: date | None = None) -> Path:
    """The demo store at `path`, built if absent (or rebuilt when `reset`). Raises StoreError."""
    from app.core.demo import DEMO_SEED, build_demo_store, is_demo_store
    from app.models.errors import StoreError

    path = Path(path)
    if path.exists():
        if not is_demo_store(path):
            raise StoreError(_("{path} contient des données qui ne sont pas une démonstration : "
                               "il n'est pas remplacé. Choisissez un autre fichier.").format(path=path))
        if not reset:
            return path
    return build_demo_store(path, seed=DEMO_SEED if seed is None else seed, today=today)


def demo_counts(path: Path) -> dict[str, int]:
    """What a demo store holds, for the command's summary (read-only)."""
    import sqlite3

    conn = sqlite3.connect(path)  # read only in practice; a plain connection tidies the WAL files on close
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "structures": one("SELECT count(*) FROM structure"),
            "agents": one("SELECT count(*) FROM agent"),
            "accompaniments": one("SELECT count(*) FROM accompaniment"),
            "usagers": one("SELECT count(*) FROM usager"),
            "follow_ups_open": one("SELECT count(*) FROM accompaniment WHERE follow_up_on IS NOT NULL "
                                   "AND status IN ('ouvert', 'en_attente_partenaire')"),
        }
    finally:
        conn.close()


def _run_init_demo(args) -> int:
    from app.i18n import format_number
    from app.store.paths import demo_store_path

    # Not $GUICHET_DB on purpose: that variable names the real store.
    path = Path(args.db).expanduser().resolve() if args.db else demo_store_path()
    started = time.perf_counter()
    ensure_demo_store(path, reset=True, seed=args.seed, today=args.date)
    counts = demo_counts(path)
    print(_("Base de démonstration créée : {path} ({seconds} s)").format(
        path=path, seconds=format_number(round(time.perf_counter() - started, 1))))
    labels = {"structures": _("structures"), "agents": _("agents"), "accompaniments": _("accompagnements"),
              "usagers": _("usagers identifiés"), "follow_ups_open": _("relances en cours")}
    for key, label in labels.items():
        print(f"  {label} : {format_number(counts[key])}")
    return 0


def register(subparsers) -> None:
    cmd = subparsers.add_parser("init-demo", help="construire (ou reconstruire) une base de démonstration fictive")
    cmd.add_argument("--seed", type=int, default=None, help="graine du tirage aléatoire (même graine, même base)")
    cmd.add_argument("--date", type=_day, default=None, metavar="AAAA-MM-JJ",
                     help="dernier jour de la démonstration (par défaut aujourd'hui)")
    cmd.set_defaults(func=_run_init_demo)


def _day(value: str) -> date:
    import argparse

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("date attendue au format AAAA-MM-JJ : {value}").format(value=value)) from None
