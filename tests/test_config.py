"""The settings registry (app/config.py): every key declared once, valid defaults, environment
parsing, French validation messages, the three homes, and the environment read in one module."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import config
from app.core import auth, retention
from app.models.errors import ValidationError
from app.models.tables import Setting

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"


def _python_files():
    return sorted(p for p in APP.rglob("*.py") if p != APP / "config.py")


class DictPrefs:
    """Stands for QSettings: value()/setValue() over a dict."""

    def __init__(self, **values):
        self.values = dict(values)

    def value(self, key):
        return self.values.get(key)

    def setValue(self, key, value):
        self.values[key] = value


# ------------------------------------------------------------------ declared once

def test_every_module_level_setting_is_registered_under_its_own_name_once():
    module_vars = [v for v in vars(config).values() if isinstance(v, config.Var)]
    assert sorted(v.name for v in module_vars) == sorted(config.REGISTRY)
    assert all(config.REGISTRY[v.name] is v for v in module_vars)
    assert {v.where for v in config.declared()} == {config.ENV, config.PREFS, config.STORE}


def test_declaring_a_key_a_second_time_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        config.StoreVar("autolock_minutes", int, 5, "Doublon")
    assert config.REGISTRY["autolock_minutes"] is config.AUTOLOCK_MINUTES


def _key_literals(tree):
    """String literals used as a setting key: get_setting/set_setting(session, "k"), Setting(key="k"),
    prefs.get/put("k"), and environment names ("GUICHET_…")."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"GUICHET_[A-Z_]+", node.value):
            yield node
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("get_setting", "set_setting") and len(node.args) > 1:
            yield node.args[1]
        if name in ("get", "put") and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "prefs":
            yield from node.args[:1]
        if name == "Setting":
            yield from (k.value for k in node.keywords if k.arg == "key")


def test_no_setting_key_is_spelled_out_anywhere_else_in_app():
    """A key written as a literal outside app/config.py would be a second declaration."""
    found = []
    for path in _python_files():
        for node in _key_literals(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_key_scan_sees_the_usual_spellings():
    tree = ast.parse('get_setting(s, "autolock_minutes"); prefs.put("language", "en"); Setting(key="x"); '
                     'print("GUICHET_DB")')
    assert sorted(n.value for n in _key_literals(tree)) == ["GUICHET_DB", "autolock_minutes", "language", "x"]


@pytest.mark.parametrize("var", list(config.REGISTRY.values()), ids=list(config.REGISTRY))
def test_each_default_passes_its_own_validation_and_has_a_french_label(var):
    assert var.validate(var.default) == var.default
    assert var.parse(None) == var.default
    assert var.label and var.label[0].isupper()
    assert var.where in (config.ENV, config.PREFS, config.STORE)


def test_docs_table_lists_every_key_with_its_home():
    text = (ROOT / "docs" / "settings.md").read_text("utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")}
    assert sorted(rows) == sorted(config.REGISTRY)
    for name, line in rows.items():
        assert f"| {config.REGISTRY[name].where} |" in line, name


# ------------------------------------------------------------------ environment

def test_environment_is_read_at_each_call(monkeypatch, tmp_path):
    monkeypatch.delenv("GUICHET_LOG_DIR", raising=False)
    assert config.LOG_DIR.get() is None
    monkeypatch.setenv("GUICHET_LOG_DIR", str(tmp_path))
    assert config.LOG_DIR.get() == tmp_path


@pytest.mark.parametrize("raw, expected", [
    (None, True), ("", True), ("  ", True), ("0", False), ("false", False), ("Non", False), ("off", False),
    ("1", True), ("oui", True), ("yes", True)])
def test_auto_backup_flag_words(raw, expected):
    env = {} if raw is None else {"GUICHET_AUTO_BACKUP": raw}
    assert config.AUTO_BACKUP.get(env) is expected


def test_exit_after_paint_is_off_unless_set_and_any_yes_word_turns_it_on():
    assert config.EXIT_AFTER_PAINT.get({}) is False
    assert config.EXIT_AFTER_PAINT.get({"GUICHET_EXIT_AFTER_PAINT": "1"}) is True
    assert config.EXIT_AFTER_PAINT.get({"GUICHET_EXIT_AFTER_PAINT": "0"}) is False


def test_paths_expand_the_home_folder_and_an_empty_value_means_unset():
    assert config.DB_PATH.get({"GUICHET_DB": "~/guichet.db"}) == Path.home() / "guichet.db"
    assert config.DB_PATH.get({"GUICHET_DB": ""}) is None
    assert config.AGENT.get({"GUICHET_AGENT": " marie "}) == "marie"


def test_store_path_and_preferences_folder_follow_their_variables(monkeypatch, tmp_path):
    from app.store.paths import resolve_store_path
    from app.ui import prefs

    monkeypatch.setenv("GUICHET_DB", str(tmp_path / "x.db"))
    assert resolve_store_path() == (tmp_path / "x.db").resolve()
    assert resolve_store_path(tmp_path / "cli.db") == (tmp_path / "cli.db").resolve()
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "cfg"))
    assert Path(prefs.settings().fileName()) == tmp_path / "cfg" / "guichet.ini"


def test_windows_folders_keep_only_the_known_names_that_are_set():
    env = {"APPDATA": r"C:\Users\a\AppData\Roaming", "LOCALAPPDATA": "", "PATH": "/bin"}
    assert config.windows_folders(env) == {"APPDATA": r"C:\Users\a\AppData\Roaming"}


def test_no_test_hook_or_secret_is_read_from_the_environment():
    names = [v.name for v in config.declared(config.ENV)]
    assert not [n for n in names if any(word in n for word in ("TEST", "PASSWORD", "TOKEN", "CRASH", "KEY"))]


# ------------------------------------------------------------------ validation messages

@pytest.mark.parametrize("var, value, message, field", [
    (config.AUTOLOCK_MINUTES, 0, "Verrouillage automatique : entre 1 et 60 minutes.", "autolock_minutes"),
    (config.AUTOLOCK_MINUTES, "cinq", "Verrouillage automatique : un nombre entier est attendu.", "autolock_minutes"),
    (config.AUTOLOCK_MINUTES, True, "Verrouillage automatique : un nombre entier est attendu.", "autolock_minutes"),
    (config.RETENTION_MONTHS, 121, "Durée de conservation : entre 1 et 120 mois.", "retention_months"),
    (config.SYNC_SEQUENCE, -1, "Numéro d'envoi : 0 au moins.", "sync_sequence"),
    (config.SYNC_SERVICE_URL, "ftp://x", "Adresse du service : une adresse https://… est attendue.", "url"),
    (config.SYNC_SERVICE_URL, "http://example.org",
     "Adresse du service : https est obligatoire (http seulement pour 127.0.0.1).", "url"),
    (config.LANGUAGE, "de", "Langue de l'interface : choisissez une valeur parmi fr, en.", "language"),
    (config.SURVEY_OFFER, "peut-être", "Proposer l'enquête après la clôture : oui ou non est attendu.",
     "survey/offer_after_close"),
    (config.DB_PATH, 3, "Fichier de données : un chemin de fichier est attendu.", "GUICHET_DB"),
])
def test_validation_messages_are_french_and_name_the_field(var, value, message, field):
    with pytest.raises(ValidationError) as caught:
        var.validate(value)
    assert caught.value.message == message
    assert caught.value.field == field


def test_messages_follow_the_interface_language():
    from app import i18n

    i18n.install("en")
    try:
        with pytest.raises(ValidationError) as caught:
            config.SYNC_SERVICE_URL.validate("http://example.org")
    finally:
        i18n.install("fr")
    assert caught.value.message == "Service address: https is mandatory (http only for 127.0.0.1)."


def test_valid_values_are_cleaned():
    assert config.AUTOLOCK_MINUTES.validate(" 12 ") == 12
    assert config.SYNC_SERVICE_URL.validate(" https://api.example.fr/v1/ ") == "https://api.example.fr/v1"
    assert config.SYNC_SERVICE_URL.validate("http://127.0.0.1:8765") == "http://127.0.0.1:8765"


# ------------------------------------------------------------------ store and preferences

def _raw(store, key):
    with store.read() as session:
        row = session.get(Setting, key)
        return None if row is None else row.value


def test_store_setting_round_trips_and_an_unreadable_row_reads_as_the_default(store):
    with store.write() as session:
        assert config.AUTOLOCK_MINUTES.get(session) == 5
        config.AUTOLOCK_MINUTES.set(session, 12)
        config.SYNC_NEEDS_TOKEN.set(session, True)
    assert _raw(store, "autolock_minutes") == "12" and _raw(store, "sync_needs_token") == "1"
    with store.write() as session:
        session.merge(Setting(key="autolock_minutes", value="douze"))  # hand-edited rows
        session.merge(Setting(key="retention_months", value="500"))
    with store.read() as session:
        assert config.AUTOLOCK_MINUTES.get(session) == 5
        assert config.RETENTION_MONTHS.get(session) == 24
        assert config.SYNC_NEEDS_TOKEN.get(session) is True


def test_a_refused_store_value_writes_nothing(store):
    with store.write() as session:
        config.RETENTION_MONTHS.set(session, 7)
    with pytest.raises(ValidationError) as caught:
        with store.write() as session:
            config.RETENTION_MONTHS.set(session, 0)
    assert caught.value.field == "retention_months"
    assert _raw(store, "retention_months") == "7"
    with store.read() as session:
        assert retention.retention_months(session) == 7 and auth.autolock_minutes(session) == 5


def test_preferences_round_trip_with_their_types():
    prefs_file = DictPrefs()
    assert config.SURVEY_OFFER.get(prefs_file) is True
    config.SURVEY_OFFER.set(prefs_file, False)
    assert prefs_file.values == {"survey/offer_after_close": "false"}  # what older versions wrote
    assert config.SURVEY_OFFER.get(prefs_file) is False
    assert config.LANGUAGE.get(DictPrefs(language="klingon")) == "fr"


def test_ui_preferences_accept_only_declared_keys(monkeypatch, tmp_path):
    from app.ui import prefs

    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path))
    prefs.put(config.LANGUAGE, "en")
    assert prefs.get("language") == "en"
    assert "language=en" in (tmp_path / "guichet.ini").read_text("utf-8")
    with pytest.raises(ValidationError):
        prefs.put(config.LANGUAGE, "de")
    with pytest.raises(KeyError):
        prefs.get("not_declared")
    with pytest.raises(KeyError):
        prefs.get("autolock_minutes")  # a store setting is not a preference


# ------------------------------------------------------------------ one reader of the environment

ENV_NAMES = {"environ", "getenv", "putenv", "unsetenv", "environb", "getenvb"}


def _env_readers(tree):
    """Line numbers where code touches os.environ/getenv (docstrings and comments are not code)."""
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        imported = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) and node.module == "os" else set()
        if name in ENV_NAMES or ENV_NAMES & imported:
            yield node.lineno


def test_only_app_config_reads_the_environment():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in _python_files()
             for line in _env_readers(ast.parse(path.read_text("utf-8")))]
    assert found == []


def test_the_environment_scan_would_catch_a_reader():
    """Guard against a scan that passes because it looks at nothing."""
    tree = ast.parse('"""os.environ in a docstring"""\nimport os\nx = os.environ.get("A")\nfrom os import getenv\n')
    assert sorted(set(_env_readers(tree))) == [3, 4]
    assert list(_env_readers(ast.parse((APP / "config.py").read_text("utf-8"))))
    assert len(_python_files()) > 50


def test_config_imports_neither_qt_nor_the_orm():
    """It is read before the first paint (app/ui/app.py) and by Qt-free code."""
    code = "import sys, app.config; print(sorted(m for m in ('PySide6', 'sqlmodel', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
