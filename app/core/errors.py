"""Domain errors, re-exported for callers of app.core (defined in app.models so validators can use them)."""

from app.models.errors import (  # noqa: F401
    CatalogueError,
    DomainError,
    NotFound,
    PermissionDenied,
    StoreError,
    ValidationError,
)
