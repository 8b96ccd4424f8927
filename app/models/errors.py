"""Errors a user can cause. Each carries a French message ready to show, and optionally the
form field it concerns so the UI can put the message next to it and move focus there.

The message is a constant French template (the gettext msgid) plus named parameters:
`ValidationError("Partenaire inconnu : {code}.", field="procedure", code=code)`. `.message`
translates the msgid at the moment it is read, then fills the parameters, so the English UI
shows English errors. app.i18n installs the translation hook (this layer must not import it)."""

from __future__ import annotations

from collections.abc import Callable


def _identity(text: str) -> str:
    return text


_translate: Callable[[str], str] = _identity


def set_translator(translate: Callable[[str], str] | None) -> None:
    """Called by app.i18n.install: how msgids become the current language's text."""
    global _translate
    _translate = translate or _identity


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None, **params: object):
        super().__init__(message)
        self.msgid = message
        self.params = params
        self.field = field

    @property
    def message(self) -> str:
        text = _translate(self.msgid)
        # Parameters are formatted at read time: a nested DomainError (a cause given as a
        # parameter) is translated too, through its own str().
        return text.format(**self.params) if self.params else text

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Input refused; nothing was written."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class CatalogueError(DomainError):
    """A data file in resources/ (or one being imported) is malformed."""

    def __init__(self, path: str, line: int | None, message: str):
        where = f"{path}, ligne {line}" if line else path
        super().__init__(f"{where} : {message}")
        self.path = path
        self.line = line


class StoreError(DomainError):
    """The store cannot be opened or written (corrupt file, disk full, read-only…)."""
