"""F9 and « Synchroniser » when nothing is configured, and a failed sync's reason in words.

Without a service address a sync cannot start; it used to end as « ✖ Erreur — 25 mois en
attente » with the reason in a tooltip. Now F9 first asks the core whether an address is set:
if not, the status bar says so in a sentence (« Envoi national non configuré : … ») and a
dialog follows — the address dialog for whoever may configure it (supervisors), otherwise a
message naming who can. When a sync does fail, its reason is written in the status bar too.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.i18n import _


def _not_configured() -> str:
    return _("Envoi national non configuré : aucune adresse de service n'est enregistrée. Rien n'est "
             "envoyé ; les saisies restent sur cet ordinateur.")


def _configured(session, _actor) -> bool:
    from app.sync import settings

    return bool(settings.service_url(session))


def sync_or_configure(window, controller) -> bool:
    """What F9 and the indicator's button do. True when a sync started."""
    if window.desk.query(_configured):
        return controller.sync_now()
    message = _not_configured()  # translated now, in the language of the session
    window.statusBar().showMessage("ℹ " + message, 20000)
    from app.sync.status import NON_CONFIGURE

    controller._set(NON_CONFIGURE, controller.pending, message)
    if window.actor.can("configure_sync"):
        from app.ui.sync_dialogs import ServiceDialog

        dialog = ServiceDialog(window.desk, window)
        dialog.setWindowTitle(_("Configurer l'envoi national"))
        if dialog.exec():
            controller.refresh_state()
            window.statusBar().showMessage(_("Adresse du service enregistrée : F9 pour envoyer."), 10000)
    else:
        QMessageBox.information(window, _("Envoi national"),
                                message + "\n\n" + _("Un superviseur peut l'indiquer dans Supervision › "
                                                            "Service national : adresse et jeton…"))
    return False


def say_failure(window, result) -> None:
    """A failed run's reason in the status bar, not only in the indicator's tooltip."""
    from app.models.errors import DomainError
    from app.sync.status import A_JOUR

    if isinstance(result, DomainError):
        window.statusBar().showMessage("✖ " + _("Envoi national : {reason}").format(reason=result.message), 20000)
    elif not isinstance(result, BaseException) and getattr(result, "status", A_JOUR) != A_JOUR and result.message:
        window.statusBar().showMessage("⚠ " + _("Envoi national : {reason}").format(reason=result.message), 20000)
