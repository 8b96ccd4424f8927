"""The `guichet` command: launches the desktop app, or runs a core use case headless.

    guichet [--db PATH] [--lang fr|en]     open the app on a store
    guichet demo [--db PATH]               open the app on the demo store (built on first run)
    guichet <feature command> …            see `guichet --help`

Feature commands live next to their feature (app/sync/cli.py, app/reports/cli.py…) and are
listed in FEATURE_COMMANDS; each module exposes `register(subparsers)` and imports nothing heavy
at module level: heavy modules are imported only by the command that runs, so `guichet` paints
its window fast.
"""

from __future__ import annotations

import argparse
import sys

from app.core import demo_cli, passphrase_cli, site_cli
from app.reports import cli as reports_cli
from app.sync import cli as sync_cli

# Modules exposing register(subparsers). Add one line per feature.
FEATURE_COMMANDS = (
    sync_cli,
    demo_cli,
    reports_cli,
    passphrase_cli,
    site_cli,
)


def _common_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--db", default=default, help="fichier de données (sinon $GUICHET_DB, sinon le dossier utilisateur)")
    parser.add_argument("--lang", choices=["fr", "en"], default=default, help="langue de l'interface")


class _Subcommands:
    """Gives every subcommand the global options too, so `guichet demo --db X` works like
    `guichet --db X demo` (SUPPRESS: an option given before the command is not overwritten)."""

    def __init__(self, real):
        self.real = real

    def add_parser(self, name, **kwargs):
        # A fresh parent per command: argparse shares a parent's Action objects, and a command
        # that redefines --db (conflict "resolve") strips "--db" from the shared Action, which
        # silently removed the option from every command registered after it.
        common = argparse.ArgumentParser(add_help=False)
        _common_options(common, argparse.SUPPRESS)
        kwargs.setdefault("parents", []).append(common)
        kwargs.setdefault("conflict_handler", "resolve")  # a command may redefine --db for itself
        return self.real.add_parser(name, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guichet", description="Guichet — accompagnements France services")
    _common_options(parser, None)
    sub = _Subcommands(parser.add_subparsers(dest="command", metavar="commande"))
    demo = sub.add_parser("demo", help="ouvrir l'application sur une base de démonstration")
    demo.add_argument("--reset", action="store_true", help="reconstruire la base de démonstration")
    demo.set_defaults(func=_run_demo)
    for module in FEATURE_COMMANDS:
        module.register(sub)
    parser.set_defaults(func=_run_app)
    return parser


def _run_app(args) -> int:
    from app.ui.app import run

    return run(db=args.db, lang=args.lang)


def _run_demo(args) -> int:
    from app.ui.app import run

    return run(db=args.db, lang=args.lang, demo=True, reset_demo=args.reset)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a domain error is shown plainly; anything else is a bug
        from app.models.errors import DomainError

        if isinstance(exc, DomainError):
            print(f"guichet : {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
