"""Every keyboard shortcut of the main window does one thing. Feature modules add their actions
independently (app/ui/*: install(window)); two of them once both took Ctrl+Shift+R, and Qt then
fires neither (« Ambiguous shortcut »), silently."""

from collections import defaultdict

from PySide6.QtGui import QAction, QKeySequence, QShortcut


def test_no_two_actions_or_shortcuts_share_a_key(window):
    owners = defaultdict(list)
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            if not seq.isEmpty():
                owners[seq.toString(QKeySequence.PortableText)].append(action.text().replace("&", ""))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.parent() is window and not shortcut.key().isEmpty():
            owners[shortcut.key().toString(QKeySequence.PortableText)].append(f"QShortcut {shortcut.objectName()}")
    clashes = {key: names for key, names in owners.items() if len(set(names)) > 1 or len(names) > 1}
    assert len(owners) >= 15, owners  # the features were installed
    assert clashes == {}
