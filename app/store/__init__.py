"""Store room: engine and pragmas, Alembic migrations, search index, backups."""
