"""Errors a user can cause. Each carries a French message ready to show, and optionally the
form field it concerns so the UI can put the message next to it and move focus there."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

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
