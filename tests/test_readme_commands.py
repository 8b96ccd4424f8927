"""The commands README.md shows work exactly as written: global options (--db, --lang) are
accepted after the subcommand as well as before it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from app.cli import build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[list[str]]:
    """Every `guichet …` in README's command table, as argv (without « guichet »); `[--x]`
    gives both forms, with and without the option."""
    commands = []
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `guichet([^`]*)` \|", line)
        if not match:
            continue
        text = match.group(1)
        optional = re.findall(r"\[([^\]]+)\]", text)
        bare = re.sub(r"\s*\[[^\]]+\]", "", text)
        commands.append(shlex.split(bare))
        if optional:
            commands.append(shlex.split(bare + " " + " ".join(optional)))
    return commands


def test_readme_lists_the_commands_this_test_checks():
    names = {argv[0] for argv in readme_commands() if argv}
    assert {"demo", "init-demo", "sync", "serveur-national", "rapport"} <= names


@pytest.mark.parametrize("argv", readme_commands(), ids=lambda a: " ".join(a))
def test_every_readme_command_parses(argv):
    args = build_parser().parse_args([a.replace("FILE", "x.db") for a in argv])
    assert args.command == argv[0]


@pytest.mark.parametrize("argv", [["init-demo", "--db", "x.db", "--lang", "en"],
                                  ["--db", "x.db", "--lang", "en", "init-demo"],
                                  ["rapport", "--mois", "2026-10", "--db", "x.db", "--lang", "en"],
                                  ["sync", "--db", "x.db", "--lang", "en"],
                                  ["demo", "--db", "x.db", "--lang", "en"]])
def test_global_options_before_or_after_the_command(argv):
    args = build_parser().parse_args(argv)
    assert (args.db, args.lang) == ("x.db", "en")


def test_a_command_redefining_db_keeps_its_own_and_leaves_the_others_theirs():
    # serveur-national has its own --db (the server's store); commands registered after it
    # must still accept the global one (they lost it once: argparse shares parent actions).
    parser = build_parser()
    assert parser.parse_args(["serveur-national", "--db", "server.db"]).db == "server.db"
    assert parser.parse_args(["rapport", "--mois", "2026-10", "--db", "y.db"]).db == "y.db"


def test_init_demo_then_rapport_run_as_readme_writes_them(tmp_path, monkeypatch, capsys):
    store = tmp_path / "demo.db"
    init = next(argv for argv in readme_commands() if argv[0] == "init-demo")
    assert main([a.replace("FILE", str(store)) for a in init]) == 0
    assert "Base de démonstration créée" in capsys.readouterr().out
    assert store.exists()
    # `guichet rapport --mois 2026-10` as written: the store from $GUICHET_DB, files in the current folder
    monkeypatch.setenv("GUICHET_DB", str(store))
    monkeypatch.chdir(tmp_path)
    rapport = next(argv for argv in readme_commands() if argv[0] == "rapport")
    assert main(rapport) == 0
    written = capsys.readouterr().out.split()
    assert [Path(p).suffix for p in written] == [".pdf", ".xlsx"]
    assert all((tmp_path / Path(p).name).exists() for p in written)
