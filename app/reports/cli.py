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


def _actor(store, args):
    from sqlmodel import select

    from app.core.context import Actor
    from app.models.enums import Role
    from app.models.errors import ValidationError
    from app.models.tables import Agent, Structure

    if not args.detail:
        with store.read() as s:
            first = s.exec(select(Structure.id).order_by(Structure.id)).first()
        # aggregates only: any agent may produce them, and they hold no personal data
        return Actor(0, first or 0, Role.AGENT, _("Guichet (ligne de commande)"))
    if not args.identifiant:
        raise ValidationError(_("--detail exige --identifiant (un superviseur)."), field="identifiant")
    from app.core.auth import login, login_required

    with store.read() as s:
        agent = s.exec(select(Agent).where(Agent.login == args.identifiant.strip().lower(), Agent.active == True)).first()  # noqa: E712
        if agent is None:
            raise ValidationError(_("Identifiant inconnu."), field="identifiant")
        # The store's rule, not the agent's: once anyone has a password, an agent without one is
        # refused by login() (« demandez à un administrateur ») instead of passing unchecked.
        passwords_on = login_required(s)
        needs_prompt = agent.password_hash is not None
        actor = Actor(agent.id, agent.structure_id, Role(agent.role), agent.display_name)
    if not passwords_on:
        return actor  # nobody has a password yet: the app opens without one too
    password = ""
    if needs_prompt:
        import getpass

        password = getpass.getpass(_("Mot de passe : "))
    return login(store, agent.id, password)


def run(args) -> int:
    from app.core.bootstrap import open_app_store
    from app.reports.export import parse_formats, produce
    from app.models.month import Month
    from app.store.paths import resolve_store_path

    month = Month.parse(args.mois).first_day
    formats = parse_formats(args.format)
    store = open_app_store(resolve_store_path(args.db))
    try:
        actor = _actor(store, args)

        def progress(done, total, text=""):
            print(f"\r[{done}/{total}] {text:<50}", end="", file=sys.stderr, flush=True)
        paths = produce(store, actor, month, args.sortie, formats=formats, matricules=args.structure,
                        detail=args.detail, progress=progress)
    finally:
        store.close()
    print(file=sys.stderr)
    for path in paths:
        print(path)
    return 0
