"""Download the « Vos droits et démarches » export from its official address, then import it.

The address is the store setting `fiches_source_url` (default: the DILA co-marquage export for
particuliers). The zip is streamed to a temporary file beside the base, never more than
MAX_DOWNLOAD_BYTES, over https only (http on 127.0.0.1 for tests); a redirect is followed only to
another https address. Then `fiches.import_zip` checks it and swaps it in. Any failure — no
network, an HTTP error, a file too large, a refused archive — is a ValidationError in French and
the old base stays in service; the temporary file is always removed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from app import config
from app.core import fiches
from app.core.context import Actor
from app.i18n import _
from app.models.errors import ValidationError

MAX_DOWNLOAD_BYTES = 400 * 1024 * 1024  # the particuliers export is about 60 MB
TIMEOUT_S = 30.0


def _refuse(message: str, **params) -> ValidationError:
    return ValidationError(fiches.KEPT, field="url", reason=ValidationError(message, **params))


def download(url: str, dest: Path, progress: fiches.Progress | None = None) -> Path:
    """Stream `url` to `dest`. Raises ValidationError."""
    import httpx

    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True, max_redirects=5) as client:
            with client.stream("GET", url) as response:
                final = urlsplit(str(response.url))
                if final.scheme != "https" and final.hostname not in config.LOCAL_HOSTS:
                    raise _refuse(_("Téléchargement refusé : l'adresse a été redirigée hors https ({url})."),
                                  url=str(response.url))
                if response.status_code != 200:
                    raise _refuse(_("Téléchargement impossible : le serveur a répondu {code}."),
                                  code=response.status_code)
                total = int(response.headers.get("content-length") or 0)
                received = 0
                with open(dest, "wb") as out:
                    for chunk in response.iter_bytes(1024 * 1024):
                        received += len(chunk)
                        if received > MAX_DOWNLOAD_BYTES:
                            raise _refuse(_("Téléchargement arrêté : le fichier dépasse {mb} Mo, bien plus que "
                                            "l'export officiel."), mb=MAX_DOWNLOAD_BYTES // (1024 * 1024))
                        out.write(chunk)
                        if progress:
                            progress(received, total, _("Téléchargement"))
    except httpx.HTTPError as exc:
        raise _refuse(_("Téléchargement impossible ({reason}) : vérifiez la connexion, ou importez le fichier "
                        "zip téléchargé sur un autre poste."), reason=type(exc).__name__) from None
    return dest


def download_fiches(store, actor: Actor, progress: fiches.Progress | None = None) -> fiches.ImportReport:
    """`desk.store_op(download_fiches)`: supervisors only; journaled like an import.
    Raises ValidationError, PermissionDenied."""
    actor.require("import_fiches")
    with store.read() as session:
        url = config.FICHES_SOURCE_URL.get(session)
    base = fiches.base_path(store.path)
    part = base.with_name(base.name + ".download.zip")
    try:
        download(url, part, progress)
        return fiches.import_fiches(store, actor, part, progress, source=url)
    finally:
        part.unlink(missing_ok=True)
