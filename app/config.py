"""Every setting of Guichet, declared once: name, type, default, validation, French label and
where it lives (the idea of Electrum's `ConfigVar` and Picard's `Option`).

Three homes, one class each:
- `EnvVar` ("env"): an environment variable, read at each `get()` so a test's monkeypatch is
  seen. This module is the only one in app/ that reads the environment (tests/test_config.py
  fails otherwise).
- `PrefVar` ("prefs"): the per-user preference file. `get(file)`/`set(file, value)` take that
  file, anything with QSettings' `value()`/`setValue()` (app/ui/prefs.py passes its QSettings),
  so this module stays free of Qt.
- `StoreVar` ("store"): a row of the store's `setting` table; `get(session)`/`set(session, value)`.

`set()` validates and raises ValidationError with a French message naming the field, nothing
written. `get()` never raises on a bad stored value: it falls back to the default, because a
hand-edited row or a typo in a variable must not stop the app at the counter. Permissions and
journaling stay with the use case that changes a value (app.core.auth, app.core.retention,
app.sync.settings). The table of keys is in docs/settings.md.

No test hook lives here: a password, a token or a crash switch in the environment would be a way
into the product; tests install theirs from tests/ (see tests/plugins/).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

ENV, PREFS, STORE = "env", "prefs", "store"
REGISTRY: dict[str, "Var"] = {}

_FALSE_WORDS = frozenset({"0", "false", "non", "no", "off"})
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _(message: str) -> str:
    from app.i18n import _ as translate  # lazy: this module is imported before the first paint

    return translate(message)


class Var:
    """One setting. `name` is the environment variable, preference key or store key."""

    where = ""

    def __init__(self, name: str, type_: type, default: Any, label: str, *, low: int | None = None,
                 high: int | None = None, unit: str = "", choices: tuple | None = None,
                 check: Callable[["Var", str], str] | None = None, field: str | None = None,
                 internal: bool = False, doc: str = ""):
        if name in REGISTRY:
            raise ValueError(f"setting {name!r} declared twice")
        self.name, self.type, self.default, self.label = name, type_, default, label
        self.low, self.high, self.unit, self.choices, self.check = low, high, unit, choices, check
        self.field = field or name  # the UI puts the message next to this field
        self.internal = internal  # bookkeeping kept by the app itself, never typed by a user
        self.doc = doc
        REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # ------------------------------------------------------------------ validation
    def _refuse(self, message: str, **values):
        # Imported here: app.models pulls SQLModel in, and this module is read before the first paint.
        from app.models.errors import ValidationError

        return ValidationError(message.format(label=_(self.label), **values), field=self.field)

    def validate(self, value: Any) -> Any:
        """The clean typed value. Raises ValidationError (French, naming the field)."""
        if value is None and self.default is None:
            return None
        if self.type is bool:
            if not isinstance(value, bool):
                raise self._refuse(_("{label} : oui ou non est attendu."))
            return value
        if self.type is int:
            return self._validate_int(value)
        if self.type is Path:
            if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
                raise self._refuse(_("{label} : un chemin de fichier est attendu."))
            return Path(value).expanduser()
        if not isinstance(value, str):
            raise self._refuse(_("{label} : un texte est attendu."))
        value = value.strip()
        if self.choices is not None and value not in self.choices:
            raise self._refuse(_("{label} : choisissez une valeur parmi {choices}."), choices=", ".join(self.choices))
        return self.check(self, value) if self.check else value

    def _validate_int(self, value: Any) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._refuse(_("{label} : un nombre entier est attendu."))
        unit = f" {_(self.unit)}" if self.unit else ""
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            raise self._refuse(_("{label} : entre {low} et {high}{unit}."), low=self.low, high=self.high, unit=unit)
        if self.low is not None and value < self.low:
            raise self._refuse(_("{label} : {low}{unit} au moins."), low=self.low, unit=unit)
        if self.high is not None and value > self.high:
            raise self._refuse(_("{label} : {high}{unit} au plus."), high=self.high, unit=unit)
        return value

    # ------------------------------------------------------------------ text form
    def parse(self, raw: Any) -> Any:
        """A stored or environment value read back; the default when it is absent or unreadable."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.default
        if self.type is bool and not isinstance(raw, bool):
            # Any word but a "no" turns a flag on: GUICHET_EXIT_AFTER_PAINT=yes and =1 both work.
            return str(raw).strip().lower() not in _FALSE_WORDS
        from app.models.errors import ValidationError

        try:
            return self.validate(raw)
        except ValidationError:
            return self.default

    def dump(self, value: Any) -> str:
        if value is None:
            return ""
        if self.type is bool:
            return self._true if value else self._false
        return str(value)

    _true, _false = "1", "0"


class EnvVar(Var):
    """An environment variable: deployment, portable installs, measurement runs."""

    where = ENV

    def get(self, env: Mapping[str, str] | None = None) -> Any:
        return self.parse((os.environ if env is None else env).get(self.name))


class PrefVar(Var):
    """A per-user preference (QSettings file, see app/ui/prefs.py)."""

    where = PREFS
    _true, _false = "true", "false"  # what QSettings writes for booleans in its INI files

    def get(self, prefs_file) -> Any:
        return self.parse(prefs_file.value(self.name))

    def set(self, prefs_file, value: Any) -> Any:
        value = self.validate(value)
        prefs_file.setValue(self.name, self.dump(value))
        return value


class StoreVar(Var):
    """A value kept in the store's `setting` table, shared by every agent of the store."""

    where = STORE

    def get(self, session) -> Any:
        from app.models.tables import Setting

        row = session.get(Setting, self.name)
        return self.parse(row.value if row is not None else None)

    def set(self, session, value: Any) -> Any:
        """Validate then write in the caller's transaction. Raises ValidationError."""
        from app.models.tables import Setting

        value = self.validate(value)
        row = session.get(Setting, self.name) or Setting(key=self.name)
        row.value = self.dump(value)
        session.add(row)
        return value


def _service_url(var: Var, url: str) -> str:
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise var._refuse(_("Adresse du service : une adresse https://… est attendue."))
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        # A token must never cross the network in clear; plain http is for the local stand-in only.
        raise var._refuse(_("Adresse du service : https est obligatoire (http seulement pour 127.0.0.1)."))
    return url


def _download_url(var: Var, url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        # The base is read at the counter as the State's word: it must come over https.
        raise var._refuse(_("Adresse de la base des fiches : une adresse https://… est attendue."))
    if not parts.hostname:
        raise var._refuse(_("Adresse de la base des fiches : une adresse https://… est attendue."))
    return url.strip()


# ====================================================================== environment
DB_PATH = EnvVar("GUICHET_DB", Path, None, "Fichier de données",
                 doc="store used when --db is not given; else the user-data folder")
CONFIG_DIR = EnvVar("GUICHET_CONFIG_DIR", Path, None, "Dossier des préférences",
                    doc="preferences in DIR/guichet.ini instead of the user's settings (tests, portable installs)")
LOG_DIR = EnvVar("GUICHET_LOG_DIR", Path, None, "Dossier du journal technique",
                 doc="technical log folder instead of the user-log folder")
AUTO_BACKUP = EnvVar("GUICHET_AUTO_BACKUP", bool, True, "Sauvegardes automatiques",
                     doc="0 turns the automatic backups off (test suites and benchmarks only)")
EXIT_AFTER_PAINT = EnvVar("GUICHET_EXIT_AFTER_PAINT", bool, False, "Mesure du démarrage",
                          doc="print first_paint_ms and painted_ms, then quit (bench/bench_ui.py, packaging smoke test)")
SCREENSHOT = EnvVar("GUICHET_SCREENSHOT", Path, None, "Capture de la fenêtre",
                    doc="save a PNG of the loaded main window there, then quit (documentation)")
AGENT = EnvVar("GUICHET_AGENT", str, None, "Agent proposé au démarrage",
               doc="login preselected at start-up; logs in directly only while no agent has a password")
SITE_DB = EnvVar("GUICHET_SITE", str, None, "Base du site",
                 doc="postgresql://… address of the site store (docs/site-store.md) when --db is not given; "
                     "takes precedence over GUICHET_DB")
SYNC_REGISTRY = EnvVar("GUICHET_SYNC_REGISTRY", Path, None, "Registre de l'appareil d'envoi",
                      doc="this machine's sync registry file (machine id, device per store) instead of the user-data folder")
KEY_PROTECTION = EnvVar("GUICHET_STORE_PROTECTION", str, "auto", "Protection de la clé des données",
                        choices=("auto", "keyring", "passphrase"),
                        doc="auto: OS keyring where a secure one exists, else a site passphrase is offered; "
                            "keyring: never a passphrase; passphrase: a site passphrase even where a keyring "
                            "exists (one Windows session shared by all agents)")

# Windows folders the store must not live in (app.store.engine.check_location). Set by the OS,
# not by users, so they are not settings; they are read here all the same, like every variable.
WINDOWS_FOLDERS = ("APPDATA", "LOCALAPPDATA", "OneDrive", "OneDriveCommercial", "OneDriveConsumer")


def windows_folders(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    return {name: env[name] for name in WINDOWS_FOLDERS if env.get(name)}


# ====================================================================== per-user preferences
LANGUAGE = PrefVar("language", str, "fr", "Langue de l'interface", choices=("fr", "en"))
LAST_AGENT_LOGIN = PrefVar("last_agent_login", str, "", "Dernier agent connecté", internal=True)
LOGIN_FIRST_STORE = PrefVar("login_first_store", str, "", "Connexion avant l'ouverture des données", internal=True,
                            doc="store where passwords were on at the last login: start with the login dialog")
REPORTS_FOLDER = PrefVar("reports/folder", str, "", "Dossier des rapports",
                         doc="empty: the user's Documents folder")
SURVEY_OFFER = PrefVar("survey/offer_after_close", bool, True, "Proposer l'enquête après la clôture")

# ====================================================================== store
AUTOLOCK_MINUTES = StoreVar("autolock_minutes", int, 5, "Verrouillage automatique", low=1, high=60,
                            unit="minutes")
RETENTION_MONTHS = StoreVar("retention_months", int, 24, "Durée de conservation", low=1, high=120, unit="mois")
SURVEY_HINT = StoreVar("survey_hint_after_visit", bool, True, "Proposer l'enquête après une visite",
                       doc="after saving a closed face-to-face visit, a bar offers the survey (F6); false: never")
SYNC_SERVICE_URL = StoreVar("sync_service_url", str, None, "Adresse du service national", check=_service_url,
                            field="url", doc="unset: nothing is sent (None clears it)")
SYNC_NEEDS_TOKEN = StoreVar("sync_needs_token", bool, False, "Jeton à saisir", internal=True,
                            doc="the service refused the token; the status bar asks for a new one")
SYNC_SEQUENCE = StoreVar("sync_sequence", int, 0, "Numéro d'envoi", low=0, internal=True)
SYNC_DEVICE_ID = StoreVar("sync_device_id", str, "", "Identifiant de l'appareil", internal=True)
SYNC_CLOCK_SKEW = StoreVar("sync_clock_skew", str, "", "Écart d'horloge", internal=True,
                           doc="JSON {offset, source, message} of the last clock skew seen over 1 h; empty: none")
SYNC_BLOCKED = StoreVar("sync_blocked", str, "", "Envoi bloqué", internal=True,
                        doc="why this store may not send (another computer sends under its identity); empty: free")
FICHES_SOURCE_URL = StoreVar("fiches_source_url", str,
                             "https://lecomarquage.service-public.fr/vdd/3.3/part/zip/vosdroits-latest.zip",
                             "Adresse de la base des fiches", check=_download_url, field="url",
                             doc="the DILA co-marquage export (particuliers) downloaded by « Fiches : télécharger »")
CURRENT_STRUCTURE_ID = StoreVar("current_structure_id", int, None, "Structure en cours", low=1, internal=True)
DEMO_SEED = StoreVar("demo_seed", int, None, "Graine de démonstration", internal=True,
                     doc="present only in a demo store; a real store is never overwritten by the demo")


def declared(where: str | None = None) -> list[Var]:
    """Every setting, in declaration order (optionally of one home)."""
    return [var for var in REGISTRY.values() if where is None or var.where == where]


def pref(name: str) -> PrefVar:
    """The preference declared under `name`. KeyError for an undeclared key (a programming error)."""
    var = REGISTRY[name]
    if not isinstance(var, PrefVar):
        raise KeyError(name)
    return var
