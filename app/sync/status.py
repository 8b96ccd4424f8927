"""Where the national sync stands, in one word and one sentence: the same summary for the status
bar and for `guichet sync`, so neither can say « À jour » while the other has a problem.

« À jour » means every known month is confirmed by the server as it is now: it is never said while
a month is refused, waiting for a correction reason or held back, while the store is blocked as a
copy, while the token is refused or while the device clock is off by more than an hour.
Precedence (first that applies): jeton, copie, non configuré, erreur (a month refused), à vérifier
(correction reason needed, month held back), horloge (certificate refused at this date), hors
ligne, erreur (the run failed), horloge (clock warning), en attente, à jour. The clock warning is
added to every message while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from app.i18n import _, ngettext

A_JOUR, EN_ATTENTE, HORS_LIGNE, JETON, ERREUR = "a_jour", "en_attente", "hors_ligne", "jeton", "erreur"
A_VERIFIER, COPIE, HORLOGE, NON_CONFIGURE = "a_verifier", "copie", "horloge", "non_configure"
STATUSES = (A_JOUR, EN_ATTENTE, HORS_LIGNE, JETON, ERREUR, A_VERIFIER, COPIE, HORLOGE, NON_CONFIGURE)


@dataclass(frozen=True)
class Summary:
    status: str
    pending: int
    message: str = ""
    rejected: list[str] = field(default_factory=list)     # months refused by the service
    to_check: list[str] = field(default_factory=list)     # correction reason needed, or held back
    clock_warning: str = ""

    @property
    def ok(self) -> bool:
        return self.status == A_JOUR


def _months(keys: list[str]) -> str:
    return ", ".join(keys[:6]) + (" …" if len(keys) > 6 else "")


def summarize(session: Session, structure_id: int, *, run_status: str | None = None, run_message: str = "",
              configured: bool | None = None, online: bool | None = None) -> Summary:
    """The sync's state for one structure, after a run (`run_status`) or for the status bar."""
    from app.sync import clock, device, settings
    from app.sync.snapshot import month_key
    from app.sync.state import REJETE, RETENU, month_states

    states = [s for s, _snap in month_states(session, structure_id)]
    pending = sum(s.pending for s in states)
    rejected = [month_key(s.month) for s in states if s.state == REJETE]
    to_check = [month_key(s.month) for s in states if s.needs_correction or s.state == RETENU]
    warning = clock.warning(session)
    blocked = device.blocked_message(session)

    def done(status: str, message: str) -> Summary:
        if warning and status != HORLOGE:
            message = f"{message} {warning}".strip()
        return Summary(status, pending, message, rejected, to_check, warning)

    if run_status == JETON or settings.needs_token(session):
        return done(JETON, run_message or _("Le service national refuse le jeton : saisissez-en un nouveau."))
    if blocked or run_status == COPIE:
        return done(COPIE, blocked or run_message)
    if configured is False:
        return done(NON_CONFIGURE, _("Adresse du service national non configurée."))
    if rejected:
        reasons = {month_key(s.month): s.reason for s in states if s.state == REJETE}
        detail = " ; ".join(f"{m} : {reasons[m]}" for m in rejected[:3])
        return done(ERREUR, ngettext("%(n)d mois refusé par le service national (%(detail)s).",
                                     "%(n)d mois refusés par le service national (%(detail)s).",
                                     len(rejected)) % {"n": len(rejected), "detail": detail})
    if to_check:
        return done(A_VERIFIER, ngettext("%(n)d mois à vérifier par un superviseur : %(months)s.",
                                         "%(n)d mois à vérifier par un superviseur : %(months)s.",
                                         len(to_check)) % {"n": len(to_check), "months": _months(to_check)})
    if run_status == HORLOGE:  # a certificate refused at this computer's date
        return done(HORLOGE, run_message)
    if run_status == HORS_LIGNE or online is False:
        return done(HORS_LIGNE, run_message or _("Service national injoignable."))
    if run_status == ERREUR:
        return done(ERREUR, run_message or _("La synchronisation n'a pas abouti."))
    if warning:
        return done(HORLOGE, warning)
    if pending:
        return done(EN_ATTENTE, run_message if run_status == EN_ATTENTE else "")
    return done(A_JOUR, "")
