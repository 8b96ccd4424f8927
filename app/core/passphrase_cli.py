"""`guichet phrase-de-passe [--code]`: a new site passphrase (no-keyring mode), given the current
one, or the recovery code when it is forgotten. Answers come from the terminal without echo, else
one per line of standard input (scripts, tests)."""

from __future__ import annotations

import sys

from app.i18n import _


def register(subparsers) -> None:
    cmd = subparsers.add_parser("phrase-de-passe",
                                help=_("changer la phrase de passe du site (mode sans trousseau)"))
    cmd.add_argument("--code", action="store_true",
                     help=_("phrase oubliée : utiliser le code de récupération imprimé à l'installation"))
    cmd.set_defaults(func=run)


def run(args) -> int:
    from app.core import passphrase
    from app.store import vault
    from app.store.paths import resolve_store_path

    path = resolve_store_path(args.db)
    if not args.code and not vault.vault_path(path).exists():
        print(_("guichet : {path} n'est pas protégé par une phrase de passe (sa clé est dans le trousseau).")
              .format(path=path), file=sys.stderr)
        return 2
    ask = passphrase.prompt
    if args.code:
        code = ask(_("Code de récupération : "))
        new, confirm = ask(_("Nouvelle phrase de passe du site : ")), ask(_("Confirmation : "))
        passphrase.recover(path, code, new, confirm)
    else:
        current = ask(_("Phrase de passe actuelle : "))
        new, confirm = ask(_("Nouvelle phrase de passe du site : ")), ask(_("Confirmation : "))
        passphrase.change(path, current, new, confirm)
    print(_("Nouvelle phrase de passe enregistrée : l'ancienne ne fonctionne plus."))
    return 0
