"""`guichet sync` (send, preview, journal, reconcile, export, configure) and
`guichet serveur-national` (the stand-in server).

    guichet sync                       send every pending month, then read back the server's totals
    guichet sync --apercu              what would be sent, month by month (nothing is sent)
    guichet sync --journal             the sync journal (every attempt)
    guichet sync --rapprocher          also re-read every accepted month and flag differences
    guichet sync --export DOSSIER      write the snapshots as CSV for a manual upload
    guichet sync --adresse URL         set the service address (stored in the store's settings)
    guichet sync --jeton               read the token on stdin and store it in the OS keyring
    guichet sync --reprendre           this computer replaces the one that sent for this store
    guichet sync --liberer AAAA-MM     a month held under a wrong clock: dates checked, send it
"""

from __future__ import annotations

import sys

from app.i18n import _


def register(subparsers) -> None:
    cmd = subparsers.add_parser("sync", help=_("envoyer les totaux d'activité au service national"))
    cmd.add_argument("--structure", metavar="MATRICULE", help=_("structure (sinon celle en cours)"))
    cmd.add_argument("--apercu", action="store_true", help=_("montrer ce qui sera envoyé, sans rien envoyer"))
    cmd.add_argument("--journal", action="store_true", help=_("afficher le journal de synchronisation"))
    cmd.add_argument("--rapprocher", action="store_true", help=_("relire tous les mois acceptés sur le serveur"))
    cmd.add_argument("--export", metavar="DOSSIER", help=_("écrire des fichiers CSV à déposer à la main"))
    cmd.add_argument("--adresse", metavar="URL", help=_("enregistrer l'adresse du service national"))
    cmd.add_argument("--jeton", action="store_true", help=_("lire le jeton sur l'entrée standard (trousseau)"))
    cmd.add_argument("--reprendre", action="store_true",
                     help=_("cet ordinateur remplace celui qui envoyait pour cette base (l'autre sera refusé)"))
    cmd.add_argument("--liberer", metavar="AAAA-MM",
                     help=_("mois retenu (horloge fausse) : dates vérifiées, l'envoyer tel quel"))
    cmd.add_argument("--delai", type=float, default=None, help=_("délai d'attente d'une réponse (s, 8 par défaut)"))
    cmd.set_defaults(func=run_sync)

    server = subparsers.add_parser("serveur-national", help=_("serveur national de démonstration (tests, démos)"))
    from app.sync.server import add_arguments

    add_arguments(server)
    server.set_defaults(func=_run_server)


def _run_server(args) -> int:
    from app.sync.server import run

    return run(args)


def _structure_id(session, matricule: str | None) -> int:
    from sqlmodel import select

    from app.core.structures import CURRENT_STRUCTURE_KEY, get_setting
    from app.models.errors import DomainError
    from app.models.tables import Structure

    if matricule:
        found = session.exec(select(Structure).where(Structure.matricule == matricule.strip())).first()
        if found is None:
            raise DomainError(_("Aucune structure ne porte le matricule %s.") % matricule)
        return found.id
    current = get_setting(session, CURRENT_STRUCTURE_KEY)
    if current:
        return int(current)
    ids = list(session.exec(select(Structure.id)))
    if len(ids) != 1:
        raise DomainError(_("Précisez la structure avec --structure MATRICULE."))
    return ids[0]


def _cli_desk(store, structure_id: int):
    # The command line acts with the rights of whoever can open the store file (like the installer).
    from app.core import auth
    from app.core.desk import Desk
    from app.models.enums import Role

    return Desk(store, auth.system_grant(structure_id, Role.ADMINISTRATEUR))


def run_sync(args) -> int:
    from app.core.passphrase import open_cli_store
    from app.store.paths import resolve_store_path

    store = open_cli_store(resolve_store_path(args.db))  # asks the site passphrase where needed
    try:
        structure_id = _cli_desk(store, 0).query(lambda session, _actor: _structure_id(session, args.structure))
        desk = _cli_desk(store, structure_id)
        if args.adresse:
            from app.sync.settings import set_service_url

            url = desk.op(set_service_url, args.adresse).value
            print(_("Adresse du service national enregistrée : %s") % url)
        if args.jeton:
            return _save_token()
        if args.liberer:
            return _release(desk, args.liberer)
        if args.journal:
            return _print_journal(desk)
        if args.apercu:
            return _print_preflight(desk)
        if args.adresse:
            return 0
        return _send(desk, args)
    finally:
        store.close()


def _save_token() -> int:
    from app.store import secrets
    from app.sync.settings import save_token

    secure, message = secrets.status()
    if not secure:
        print(f"guichet : {message}", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        import getpass

        token = getpass.getpass(_("Jeton du service national : "))
    else:
        token = sys.stdin.readline()
    save_token(token)
    if secrets.mode() == "passphrase":
        print(_("Jeton enregistré, chiffré sous la phrase de passe du site."))
    else:
        print(_("Jeton enregistré dans le trousseau du système."))
    return 0


def _print_preflight(desk) -> int:
    from app.i18n import format_month, format_number
    from app.sync.state import month_states

    rows = desk.query(lambda session, actor: month_states(session, actor.structure_id))
    if not rows:
        print(_("Aucune activité à envoyer."))
        return 0
    for state, snap in rows:
        mark = "→" if state.pending else " "
        print(f"{mark} {format_month(state.month):<16} {state.label:<10} "
              f"{format_number(state.total):>6} {_('accompagnements')}  {len(snap.payload['cube']):>4} "
              f"{_('lignes')}  {snap.hash[:12]}  {state.reason}")
    print(_("→ : sera envoyé à la prochaine synchronisation."))
    return 0


def _release(desk, text: str) -> int:
    from app.models.month import Month
    from app.sync.state import release_month

    month = Month.parse(text).first_day  # ValidationError(field="month") for a bad month
    desk.op(lambda session, actor: release_month(session, actor, actor.structure_id, month))
    print(_("Mois %s libéré : il sera envoyé à la prochaine synchronisation.") % text)
    return 0


def _print_journal(desk) -> int:
    from app.i18n import format_datetime
    from app.sync.client import journal

    entries = desk.query(lambda session, actor: journal(session, actor, actor.structure_id))
    for e in reversed(entries):
        month = e.month.strftime("%Y-%m") if e.month else "-"
        print(f"{format_datetime(e.at)}  {month}  {e.kind:<13} {e.outcome:<10} #{e.attempt}  "
              f"{e.http_status or '':>3}  {e.hash[:12]}  {e.answer}")
    return 0


def _send(desk, args) -> int:
    from app.sync import settings
    from app.sync.client import sync_structure

    if args.export:
        from pathlib import Path

        from app.sync.export import FileExportTransport

        transport = FileExportTransport(Path(args.export))
    else:
        transport = desk.query(lambda session, _actor: settings.http_transport(session, timeout=args.delai))

    def progress(done, total, text):
        if text:
            print(_("Envoi %(n)d/%(total)d : %(month)s") % {"n": done + 1, "total": total, "month": text}, flush=True)

    try:
        result = desk.store_op(lambda store, actor: sync_structure(
            store, actor.structure_id, transport, progress=progress, reconcile_all=args.rapprocher,
            takeover=args.reprendre)).value
    finally:
        transport.close()
    for path in result.exported:
        print(_("Fichier écrit : %s") % path)
    messages = {
        "a_jour": _("À jour : le service national a confirmé tous les mois."),
        "en_attente": _("%d mois en attente.") % result.pending,
        "hors_ligne": _("Hors ligne : le service national est injoignable. Réessayez plus tard."),
        "jeton": _("Le service national refuse le jeton : saisissez un nouveau jeton (guichet sync --jeton)."),
        "erreur": _("Erreur : certains mois n'ont pas été acceptés (voir guichet sync --journal)."),
        "a_verifier": _("À vérifier : des mois attendent un superviseur (guichet sync --apercu)."),
        "copie": _("Bloqué : cette base est une copie."),
        "horloge": _("Horloge incorrecte."),
    }
    print(messages.get(result.status, result.status) + (f" {result.message}" if result.message else ""))
    if result.differences:
        print(_("Écarts constatés puis corrigés : %s") % ", ".join(result.differences))
    if args.export and result.exported:
        return 0 if result.status in ("a_jour", "en_attente") else 1  # exported months stay pending
    return 0 if result.status == "a_jour" else 1
