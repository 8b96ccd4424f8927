"""`guichet rapport --mois 2026-10 [--structure MATRICULE …] [--format pdf,xlsx,csv] [--sortie DOSSIER]`.

Without --detail the command produces aggregates only (no personal data), so it needs no login.
--detail adds the one-row-per-accompaniment sheet, reserved to supervisors: it asks for a
supervisor's login (--identifiant) and, when the store has passwords, the password."""

from __future__ import annotations

import sys

from app.i18n import _


def register(subparsers) -> None:
    p = subparsers.add_parser("rapport", help=_("rapport d'activité mensuel (PDF, XLSX, CSV)"))
    p.add_argument("--mois", required=True, help=_("mois du rapport, AAAA-MM (ex. 2026-10)"))
    p.add_argument("--structure", nargs="+", metavar="MATRICULE",
                   help=_("matricule(s) des structures (par défaut : toutes)"))
    p.add_argument("--format", default="pdf,xlsx", help=_("pdf, xlsx, csv, séparés par des virgules (défaut : pdf,xlsx)"))
    p.add_argument("--sortie", default=".", metavar="DOSSIER", help=_("dossier où écrire les fichiers (défaut : dossier courant)"))
    p.add_argument("--detail", action="store_true", help=_("ajouter la feuille détaillée (superviseurs)"))
    p.add_argument("--identifiant", help=_("identifiant du superviseur, pour --detail"))
    p.set_defaults(func=run)


def _desk(store, args):
    """The Desk the report is produced through: the command line's own identity for aggregates
    (they hold no personal data), a supervisor's login for --detail."""
    from app.core import auth
    from app.core.desk import Desk
    from app.models.errors import ValidationError

    if not args.detail:
        # the first structure as the identity's own; the command line's scope covers every structure
        first = Desk(store, auth.system_grant(0)).query(lambda _session, actor: min(actor.structure_ids))
        return Desk(store, auth.system_grant(first, name=_("Guichet (ligne de commande)")))
    if not args.identifiant:
        raise ValidationError(_("--detail exige --identifiant (un superviseur)."), field="identifiant")
    screen = auth.login_screen(store)
    wanted = args.identifiant.strip().lower()
    agent_id = next((i for i, _name, login in screen.choices if login == wanted), None)
    if agent_id is None:
        raise ValidationError(_("Identifiant inconnu."), field="identifiant")
    if not screen.passwords_on:
        return Desk(store, auth.choose_agent(store, agent_id))  # nobody has a password yet: nor does the app
    import getpass

    return Desk(store, auth.login(store, agent_id, getpass.getpass(_("Mot de passe : "))))


def run(args) -> int:
    from app.core.passphrase import open_cli_store
    from app.reports.export import parse_formats, produce
    from app.models.month import Month
    from app.store.paths import resolve_store_path

    month = Month.parse(args.mois).first_day
    formats = parse_formats(args.format)
    store = open_cli_store(resolve_store_path(args.db))  # asks the site passphrase where needed
    try:
        desk = _desk(store, args)

        def progress(done, total, text=""):
            print(f"\r[{done}/{total}] {text:<50}", end="", file=sys.stderr, flush=True)
        paths = desk.store_op(produce, month, args.sortie, formats=formats, matricules=args.structure,
                              detail=args.detail, progress=progress).value
    finally:
        store.close()
    print(file=sys.stderr)
    for path in paths:
        print(path)
    return 0
