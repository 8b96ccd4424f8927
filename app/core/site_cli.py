"""`guichet site init` and `guichet site import`: a site store on a PostgreSQL server.

    guichet site init --admin postgresql://postgres@serveur/postgres --base guichet_site \
        --structure-matricule 123456 --structure-nom "France services de …" --admin-login admin
    guichet site init … --depuis guichet.db      (an existing desk's store becomes the site's)
    guichet site import --depuis guichet.db --db postgresql://guichet_site_app@serveur/guichet_site
    guichet site sauvegarde --db postgresql://… --dossier /srv/sauvegardes
    guichet site essai-restauration --admin postgresql://postgres@… --fichier /srv/sauvegardes/….dump

Passwords are never options nor environment variables (they would stay in the shell history or
the process table): asked on the terminal, or read as one line from standard input when it is not
a terminal (scripts: `printf '%s\n' "$MDP" | guichet site …`). The desks' role gets a generated
password, shown once, when `site init` creates it. See docs/site-store.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.i18n import _


def register(subparsers) -> None:
    site = subparsers.add_parser("site", help="base de site partagée sur un serveur PostgreSQL")
    sub = site.add_subparsers(dest="site_command", metavar="action", required=True)
    init = sub.add_parser("init", help="préparer la base du site (rôles, schéma, premier administrateur)")
    init.add_argument("--admin", required=True, metavar="URL",
                      help="connexion d'administration PostgreSQL (postgresql://postgres@serveur/postgres)")
    init.add_argument("--base", required=True, help="nom de la base du site (minuscules, chiffres, _)")
    init.add_argument("--role-app", default=None, help="rôle de connexion des postes (par défaut <base>_app)")
    init.add_argument("--structure-matricule", default=None, help="matricule de la structure (sans --depuis)")
    init.add_argument("--structure-nom", default=None, help="nom de la structure (sans --depuis)")
    init.add_argument("--admin-login", default="admin", help="identifiant du premier administrateur")
    init.add_argument("--admin-nom", default="Administrateur", help="nom affiché du premier administrateur")
    init.add_argument("--depuis", "--from", dest="source", type=Path, default=None,
                      help="importer ce fichier de données au lieu de créer une structure et un administrateur")
    init.set_defaults(func=_run_init)
    imp = sub.add_parser("import", help="importer le fichier de données d'un poste dans la base du site")
    imp.add_argument("--depuis", "--from", dest="source", type=Path, required=True, help="fichier guichet.db")
    imp.add_argument("--db", required=True, metavar="URL", help="adresse de la base du site (postgresql://…)")
    imp.set_defaults(func=_run_import)
    key = sub.add_parser("mot-de-passe", help="garder le mot de passe de la base du site dans le trousseau du poste")
    key.add_argument("--db", required=True, metavar="URL", help="adresse de la base du site (postgresql://…)")
    key.set_defaults(func=_run_password)
    dump = sub.add_parser("sauvegarde", help="sauvegarder la base du site (pg_dump), avec le manifeste des comptes")
    dump.add_argument("--db", required=True, metavar="URL", help="adresse de la base du site (postgresql://…)")
    dump.add_argument("--dossier", required=True, type=Path, help="dossier des sauvegardes (disque chiffré)")
    dump.set_defaults(func=_run_dump)
    drill = sub.add_parser("essai-restauration", help="restaurer une sauvegarde dans une base d'essai et la vérifier")
    drill.add_argument("--admin", required=True, metavar="URL", help="connexion d'administration PostgreSQL")
    drill.add_argument("--fichier", required=True, type=Path, help="fichier .dump fait par « guichet site sauvegarde »")
    drill.set_defaults(func=_run_drill)


def _run_init(args) -> int:
    from app.store import site_admin

    import secrets

    roles = site_admin.SiteRoles.for_database(args.base, app=args.role_app)
    app_password = secrets.token_urlsafe(24)
    if args.source is None and not (args.structure_matricule and args.structure_nom):
        print(_("guichet : --structure-matricule et --structure-nom sont nécessaires (ou --depuis FICHIER)."),
              file=sys.stderr)
        return 2
    admin_password = None if args.source is not None else _read_password(
        _("Mot de passe du premier administrateur : "), confirm=True)
    created = site_admin.prepare(args.admin, roles, app_password)
    url = site_admin.app_url(args.admin, roles)
    print(_("Base « {base} » prête : schéma à jour, rôle des postes « {role} » (sans droit de modifier le "
            "journal).").format(base=roles.database, role=roles.app))
    # the administrator's own connection acting as the desks' role (SET ROLE): what it writes is
    # written as a desk would, and no login of that role is needed on the server itself
    store = _open(site_admin.admin_url_for(args.admin, roles), roles.app)
    try:
        if args.source is not None:
            _report_import(store, args.source)
        else:
            _first_administrator(store, args, admin_password)
    finally:
        store.close()
    if created:
        print(_("Mot de passe du rôle {role} (affiché une seule fois ; sur chaque poste : guichet site mot-de-passe) : "
                "{password}").format(role=roles.app, password=app_password))
    else:
        print(_("Le rôle {role} existait : son mot de passe n'a pas changé.").format(role=roles.app))
    print(_("Sur chaque poste : guichet --db \"{url}\"").format(url=url))
    return 0


def _run_import(args) -> int:
    store = _open(args.db)
    try:
        _report_import(store, args.source)
    finally:
        store.close()
    return 0


def _run_password(args) -> int:
    """The desk's database password into the OS keyring (asked, or one line of standard input), then a
    connection proves it works."""
    from app.store import secrets, site_store

    password = _read_password(_("Mot de passe de la base du site : "))
    secrets.set_secret(site_store.keyring_entry(args.db), password)
    _open(args.db).close()
    print(_("Mot de passe gardé dans le trousseau de ce poste ; la connexion à la base du site fonctionne."))
    return 0


def _run_dump(args) -> int:
    from app.store import site_backup

    info = site_backup.dump(args.db, args.dossier)
    print(_("Sauvegarde faite : {path} ({visits} accompagnements, {entries} entrées de journal).").format(
        path=info.path, visits=info.counts.get("accompaniment", 0), entries=info.counts.get("journal", 0)))
    return 0


def _run_drill(args) -> int:
    from app.core import journal
    from app.store import site_backup

    report = site_backup.restore_drill(args.admin, args.fichier, journal.verify_chain)
    if report.ok:
        print(_("Essai de restauration réussi : {n} tables, comptes identiques au manifeste, journal "
                "vérifié.").format(n=len(report.counts)))
        return 0
    print(_("Essai de restauration ÉCHOUÉ :"), file=sys.stderr)
    for problem in report.problems:
        print("  - " + problem, file=sys.stderr)
    return 1


def _open(url: str, role: str | None = None):
    from app.core.bootstrap import open_app_store

    return open_app_store(url, site_role=role)


def _read_password(prompt: str, confirm: bool = False) -> str:
    """From the terminal (twice with `confirm`), or one line of standard input in a script."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise SystemExit(_("guichet : mot de passe attendu sur l'entrée standard."))
        return line
    import getpass

    password = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Encore une fois : ")) != password:
        raise SystemExit(_("guichet : les deux mots de passe diffèrent."))
    return password


def _report_import(store, source: Path) -> None:
    from app.core import site_import

    report = site_import.import_store(store, source)
    if report.already_done:
        print(_("{path} est déjà importé dans cette base (rien n'a été refait).").format(path=source))
        return
    print(_("Importé : {visits} accompagnements, {usagers} usagers, {agents} agents, {entries} entrées de journal "
            "(chaîne {chain}).").format(visits=report.counts.get("accompaniment", 0),
                                       usagers=report.counts.get("usager", 0), agents=report.counts.get("agent", 0),
                                       entries=report.journal_rows,
                                       chain=_("vérifiée") if report.journal_ok else _("ROMPUE")))


def _first_administrator(store, args, password: str) -> None:
    from app.core import auth, structures
    from app.models.enums import Role

    with store.write() as session:
        if structures.structures(session):
            print(_("La base a déjà une structure : aucun administrateur n'est créé."))
            return
        structure = structures.create_structure(session, args.structure_matricule, args.structure_nom)
        admin = structures.create_agent(session, structure.id, args.admin_login, args.admin_nom, Role.ADMINISTRATEUR)
        auth.set_password(session, admin.id, password)
    print(_("Premier administrateur « {login} » créé pour {name}.").format(login=args.admin_login,
                                                                          name=args.structure_nom))
