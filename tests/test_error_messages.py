"""Errors raised by app/core, app/models and app/store are French msgids with an English
translation (issue 11 point 7): the English UI shows them in English, values filled in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app import i18n
from app.core import auth, structures
from app.models.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("app/core", "app/models", "app/store")
PO = ROOT / "resources" / "locale" / "en" / "LC_MESSAGES" / "guichet.po"
ERRORS = {"DomainError", "ValidationError", "NotFound", "PermissionDenied", "StoreError",
          "SecretStoreUnavailable", "StoreKeyError", "WalBusy"}


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" (messages shared by several raises)."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found[node.targets[0].id] = node.value.value
    return found


def _raises():
    """(where, first argument node, module constants, enclosing function) for every error built."""
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _constants(tree)
            for func in ast.walk(tree):
                if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(func):
                    name = getattr(getattr(node, "func", None), "id", None) or getattr(
                        getattr(node, "func", None), "attr", None)
                    if isinstance(node, ast.Call) and name in ERRORS and node.args:
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0], constants, func
                    elif isinstance(node, ast.Call) and name == "LoginOutcome" and len(node.args) > 1:
                        # a refused login becomes ValidationError(outcome.message, **outcome.params)
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", node.args[1], constants, func


def _msgids() -> dict[str, str]:
    """Every msgid an error of these layers can carry, with where it is raised."""
    found = {}
    for where, arg, constants, func in _raises():
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found[arg.value] = where
        elif isinstance(arg, ast.Name) and arg.id in constants:
            found[constants[arg.id]] = where
        elif isinstance(arg, ast.Name):  # a local chosen among literals (validators' refused character)
            for node in ast.walk(func):
                if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == arg.id for t in node.targets)
                        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                    found[node.value.value] = where
    return found


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle, locale="en") if m.id}


def test_every_error_message_has_an_english_translation():
    english = _catalogue()
    msgids = _msgids()
    assert len(msgids) > 130  # the scan really sees the raises
    missing = [f"{where}: {msgid}" for msgid, where in msgids.items() if not english.get(msgid)]
    assert not missing, "\n".join(missing)
    untranslated = [msgid for msgid in msgids if english[msgid] == msgid and len(msgid) > 12]
    assert not untranslated, untranslated


def test_no_error_message_is_built_with_an_f_string():
    built = [where for where, arg, _c, _f in _raises() if isinstance(arg, (ast.JoinedStr, ast.BinOp))]
    assert not built, built


def test_po_file_has_no_duplicate_msgid():
    ids = [line for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith("msgid ")]
    # A msgid split over lines starts with msgid "": those are compared whole by babel below.
    single = [line for line in ids if line != 'msgid ""']
    assert len(single) == len(set(single))


@pytest.fixture
def english():
    i18n.install("en")
    try:
        yield
    finally:
        i18n.install("fr")


def test_weak_password_refused_in_english_then_french(english):
    with pytest.raises(ValidationError) as info:
        auth.check_policy("court")
    assert info.value.message.startswith("Password too weak: at least 12 characters")
    assert str(info.value) == info.value.message
    i18n.install("fr")
    assert info.value.message.startswith("Mot de passe trop faible : au moins 12 caractères")


def test_duplicate_matricule_refused_in_english(store, site, english):
    with store.write() as session, pytest.raises(ValidationError) as info:
        structures.create_structure(session, "100001", "Doublon")
    assert info.value.field == "matricule"
    assert info.value.message == "A structure already has the number 100001."
    i18n.install("fr")
    assert info.value.message == "Une structure porte déjà le matricule 100001."


def test_nested_cause_is_translated_with_its_message(english):
    inner = ValidationError("Mois invalide : attendu AAAA-MM (ex. 2026-10).", field="month")
    outer = ValidationError("Ligne {number} : {error}", field=inner.field, number=3, error=inner)
    assert outer.message == "Row 3: Invalid month: expected YYYY-MM (e.g. 2026-10)."


def test_store_key_error_translates_its_cause(tmp_path, english):
    """No secure keyring (the tests' null backend): the refusal and its cause are both English."""
    from app.store import crypto

    with pytest.raises(crypto.StoreKeyError) as info:
        crypto.provision_store_key(tmp_path / "guichet.db")
    assert info.value.reason == "no_keyring"
    assert info.value.message.startswith("Cannot encrypt the data file. No secure keyring is available")
