"""Stand-in for the national tracking service: implements docs/sync-contract.md over real HTTP,
persists to its own SQLite file, and injects faults on demand (demos and tests).

    guichet serveur-national --port 8765 --db server.db [--token T=MATRICULE,…] [--fault 503 --fault-count 3]
    python -m app.sync.server --port 8765 --db server.db
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.sync.server.faults import FAULT_KINDS


def __getattr__(name: str):
    # The HTTP server (http.server, email…) is imported only when used: `guichet` itself
    # registers this command at every start and must not pay for it.
    if name == "NationalServer":
        from app.sync.server.http import NationalServer

        return NationalServer
    raise AttributeError(name)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1 par défaut)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default="server.db", help="fichier SQLite du serveur")
    parser.add_argument("--token", action="append", metavar="JETON[=MATRICULE,…]",
                        help="jeton accepté et les structures pour lesquelles il est délivré (répétable) ; "
                             "sans =…, jeton de démonstration valable pour toutes les structures "
                             "(« jeton-demo » par défaut)")
    parser.add_argument("--fault", choices=FAULT_KINDS, help="panne à simuler")
    parser.add_argument("--fault-count", type=int, default=-1, help="nombre de requêtes touchées (-1 : toujours)")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After (s) pour 503/429")
    parser.add_argument("--delay", type=float, default=5.0, help="délai (s) de la panne « slow »")
    parser.add_argument("--admin", action="store_true",
                        help="active /_admin (réglage des pannes à chaud) — pour les tests uniquement")


def run(args) -> int:
    from app.sync.server.http import NationalServer

    tokens = parse_tokens(args.token or ["jeton-demo"])
    server = NationalServer(Path(args.db), host=args.host, port=args.port, token=None, tokens=tokens,
                            admin=args.admin)
    if args.fault:
        server.faults.set([{"kind": args.fault, "count": args.fault_count, "retry_after": args.retry_after,
                            "delay": args.delay}])
    print(f"Serveur national de démonstration sur {server.url} (base {args.db})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def parse_tokens(values: list[str]) -> dict[str, set[str] | None]:
    """["t1=100001,100002", "demo"] -> {"t1": {"100001", "100002"}, "demo": None (every structure)}."""
    tokens: dict[str, set[str] | None] = {}
    for value in values:
        token, sep, matricules = value.partition("=")
        if not sep:
            print(f"Attention : le jeton {token[:4]}… vaut pour toutes les structures (démonstration).", flush=True)
        tokens[token] = {m.strip() for m in matricules.split(",") if m.strip()} if sep else None
    return tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sync.server",
                                     description="Serveur national de démonstration (contrat docs/sync-contract.md)")
    add_arguments(parser)
    return run(parser.parse_args(argv))
