"""« Site officiel ? » and the supervisor's catalogue import, as the agent uses them."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from app.core.checklist_catalogue import load_bundled, to_bundle
from app.ui.checklist_catalogue_dialog import ChecklistCatalogueDialog
from app.ui.official_site_dialog import OfficialSiteDialog
from tests.ui.helpers import focusable_widgets_without_name

from tests.ui.shots import SHOTS_DIR as SCREENSHOTS  # noqa: E402
from tests.desks import desk_for


def test_site_officiel_refuses_a_lookalike_and_names_the_official_site(qtbot):
    dialog = OfficialSiteDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.url, "https://www.ants-gouv.fr/carte-grise")
    qtbot.keyClick(dialog.url, Qt.Key_Return)
    text = dialog.result.text()
    assert "NON" in text and "tiret remplace un point" in text
    assert "https://ants.gouv.fr" in text and "gratuites" in text
    dialog.grab().save(str(SCREENSHOTS / "official-site.png"))
    dialog.url.setText("impots.gouv.fr")
    qtbot.mouseClick(dialog.check_button, Qt.LeftButton)
    assert "OUI" in dialog.result.text() and dialog.verdict.official
    dialog.url.setText("ftp://ameli.fr")
    qtbot.mouseClick(dialog.check_button, Qt.LeftButton)
    assert "http ou https" in dialog.result.text() and dialog.verdict is None
    assert focusable_widgets_without_name(dialog) == []


def test_the_menu_opens_site_officiel(window):
    assert window.official_site_action in window.menu_tools.actions()
    assert window.checklist_catalogue_action in window.menu_supervision.actions()


def _write_bundle(tmp_path, version, spoil=False):
    data = to_bundle(load_bundled())
    data["version"] = version
    if spoil:
        data["moments"][0]["etapes"][1]["lien"] = "https://service-public.org/deces"
    path = tmp_path / f"moments-{version}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_supervisor_imports_a_catalogue_after_validation(qtbot, store, site, tmp_path):
    dialog = ChecklistCatalogueDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.show()
    assert "2026.1" in dialog.version.text() and dialog.moments.count() == 10
    assert not dialog.import_path(_write_bundle(tmp_path, "2026.2", spoil=True))
    assert "Import refusé, rien n'a changé" in dialog.message.text()
    assert "declaration-deces" in dialog.message.text() and "service-public.org" in dialog.message.text()
    assert "2026.1" in dialog.version.text()
    assert dialog.import_path(_write_bundle(tmp_path, "2026.2"))
    assert "2026.2" in dialog.version.text() and "Paul Sup" in dialog.version.text()
    exported = tmp_path / "export.json"
    dialog.export_path(exported)
    assert json.loads(exported.read_text(encoding="utf-8"))["version"] == "2026.2"
    assert focusable_widgets_without_name(dialog) == []


def test_an_agent_sees_the_version_but_cannot_import(qtbot, store, actor):
    dialog = ChecklistCatalogueDialog(desk_for(store, actor))
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    assert "superviseur" in dialog.message.text()
