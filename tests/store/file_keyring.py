"""TEST ONLY: a keyring backend that keeps entries in a JSON file named by $GUICHET_TEST_KEYRING_FILE.

The crash-loop writer runs in another process and needs the store key. Real keyrings are per OS
user; this stand-in lets the test and its subprocesses share one without any production code path
reading a key from the environment. Selected with
PYTHON_KEYRING_BACKEND=tests.store.file_keyring.FileKeyring. Never used by the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

ENV = "GUICHET_TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 10

    def __init__(self, path: str | os.PathLike | None = None):
        super().__init__()
        self.path = Path(path or os.environ[ENV])

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, items: dict) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(items), "utf-8")
        os.replace(tmp, self.path)

    def get_password(self, service, username):
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        items = self._load()
        items[f"{service}/{username}"] = password
        self._save(items)

    def delete_password(self, service, username):
        items = self._load()
        items.pop(f"{service}/{username}", None)
        self._save(items)
