"""Downloading the export from its configured address (a stand-in server on 127.0.0.1)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app import config
from app.core import fiches, fiches_download
from app.models.errors import PermissionDenied, ValidationError
from tests.desks import desk_for
from tests.fiches.conftest import FIXTURE_ZIP


@pytest.fixture
def server():
    routes = {"/vosdroits-latest.zip": (200, FIXTURE_ZIP.read_bytes()), "/page.html": (200, b"<html>maintenance</html>")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            code, body = routes.get(self.path, (404, b"introuvable"))
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _set_url(store, url):
    with store.write() as session:
        config.FICHES_SOURCE_URL.set(session, url)


def test_the_default_address_is_the_official_export(store):
    with store.read() as session:
        assert config.FICHES_SOURCE_URL.get(session).startswith("https://lecomarquage.service-public.fr/")
    with store.write() as session, pytest.raises(ValidationError, match="https"):
        config.FICHES_SOURCE_URL.set(session, "http://example.org/x.zip")


def test_a_supervisor_downloads_and_imports_the_base(store, site, server):
    _set_url(store, server + "/vosdroits-latest.zip")
    with pytest.raises(PermissionDenied):
        desk_for(store, site["agent"]).store_op(fiches_download.download_fiches)
    report = desk_for(store, site["supervisor"]).store_op(fiches_download.download_fiches).value
    assert report.count == 45 and report.source.endswith("/vosdroits-latest.zip")
    assert fiches.base_info(fiches.base_path(store.path)).count == 45
    assert [p.name for p in store.path.parent.iterdir() if "download" in p.name] == []


@pytest.mark.parametrize("path, message", [("/absent.zip", "répondu 404"), ("/page.html", "archive zip lisible")])
def test_a_failed_download_keeps_the_old_base(store, site, server, path, message):
    base = fiches.base_path(store.path)
    fiches.import_zip(FIXTURE_ZIP, base)
    before = base.read_bytes()
    _set_url(store, server + path)
    with pytest.raises(ValidationError, match=message):
        desk_for(store, site["supervisor"]).store_op(fiches_download.download_fiches)
    assert base.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir() if "download" in p.name] == []


def test_no_network_and_oversized_files_are_refused(store, site, server, monkeypatch):
    _set_url(store, "http://127.0.0.1:9/vosdroits-latest.zip")
    with pytest.raises(ValidationError, match="Téléchargement impossible"):
        desk_for(store, site["supervisor"]).store_op(fiches_download.download_fiches)
    monkeypatch.setattr(fiches_download, "MAX_DOWNLOAD_BYTES", 10_000)
    _set_url(store, server + "/vosdroits-latest.zip")
    with pytest.raises(ValidationError, match="dépasse"):
        desk_for(store, site["supervisor"]).store_op(fiches_download.download_fiches)
    assert not fiches.base_path(store.path).exists()
