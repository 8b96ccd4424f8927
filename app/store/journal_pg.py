"""The journal's protection on a PostgreSQL site store: the server, not the desks, keeps it append-only.

Two walls, as on SQLite (app/models/security.py:journal_guard_ddl_v2) plus one SQLite cannot have:
1. privileges: the application role (the one the desks log in with) has SELECT and INSERT on
   `journal`, never UPDATE, DELETE or TRUNCATE; it may UPDATE the one-row `journal_anchor` (a
   purge moves it) but not DELETE or TRUNCATE it. Tables belong to the owner role that runs the
   migrations (`guichet site init`, app/store/site_admin.py); the app role owns nothing.
2. triggers, for whoever holds more rights than the app role (the owner role included): no UPDATE,
   no TRUNCATE; DELETE only at or below the purge anchor; INSERT only at the head (id = last + 1,
   time not before the last entry's); the anchor moves only forward over rows older than 365 days,
   taking that row's hash.
A purge deletes through `guichet_journal_purge()`, a SECURITY DEFINER function that removes exactly
the rows at or below the anchor (which its own trigger only moved over old rows): the app role can
purge what the retention rule allows and nothing else. A PostgreSQL superuser can still disable
triggers: the HMAC chain and the desks' pins (app/core/journal_guard.py) make that visible.
"""

from __future__ import annotations

_FUNCTIONS = {
    "guichet_journal_refuse": """
        CREATE OR REPLACE FUNCTION guichet_journal_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'journal is append-only (%)', TG_OP USING ERRCODE = 'GJ001'; END $$""",
    "guichet_journal_delete": """
        CREATE OR REPLACE FUNCTION guichet_journal_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.id > (SELECT cutoff_id FROM journal_anchor WHERE id = 1) THEN
            RAISE EXCEPTION 'journal is append-only' USING ERRCODE = 'GJ001';
          END IF;
          RETURN OLD;
        END $$""",
    "guichet_journal_insert": """
        CREATE OR REPLACE FUNCTION guichet_journal_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE last_id bigint; last_at timestamp;
        BEGIN
          SELECT id, at INTO last_id, last_at FROM journal ORDER BY id DESC LIMIT 1;
          IF last_id IS NULL THEN
            SELECT cutoff_id INTO last_id FROM journal_anchor WHERE id = 1;
          END IF;
          IF NEW.id IS DISTINCT FROM last_id + 1 OR NEW.at < last_at THEN
            RAISE EXCEPTION 'journal entries are appended at the head, in time order' USING ERRCODE = 'GJ001';
          END IF;
          RETURN NEW;
        END $$""",
    "guichet_journal_anchor_update": """
        CREATE OR REPLACE FUNCTION guichet_journal_anchor_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id <> OLD.id OR NEW.cutoff_id <= OLD.cutoff_id
             OR NEW.anchor_hash IS DISTINCT FROM (SELECT hash FROM journal WHERE id = NEW.cutoff_id)
             OR EXISTS (SELECT 1 FROM journal WHERE id <= NEW.cutoff_id
                        AND at >= (now() AT TIME ZONE 'UTC') - interval '365 days') THEN
            RAISE EXCEPTION 'journal anchor may only move forward over old entries' USING ERRCODE = 'GJ001';
          END IF;
          RETURN NEW;
        END $$""",
    "guichet_journal_purge": """
        CREATE OR REPLACE FUNCTION guichet_journal_purge() RETURNS bigint LANGUAGE plpgsql
        SECURITY DEFINER SET search_path FROM CURRENT AS $$
        DECLARE n bigint;
        BEGIN
          DELETE FROM journal WHERE id <= (SELECT cutoff_id FROM journal_anchor WHERE id = 1);
          GET DIAGNOSTICS n = ROW_COUNT;
          RETURN n;
        END $$""",
}

_TRIGGERS = [
    ("journal_no_update", "journal", "BEFORE UPDATE", "ROW", "guichet_journal_refuse"),
    ("journal_no_truncate", "journal", "BEFORE TRUNCATE", "STATEMENT", "guichet_journal_refuse"),
    ("journal_no_delete", "journal", "BEFORE DELETE", "ROW", "guichet_journal_delete"),
    ("journal_insert_at_head", "journal", "BEFORE INSERT", "ROW", "guichet_journal_insert"),
    ("journal_anchor_no_delete", "journal_anchor", "BEFORE DELETE", "ROW", "guichet_journal_refuse"),
    ("journal_anchor_no_truncate", "journal_anchor", "BEFORE TRUNCATE", "STATEMENT", "guichet_journal_refuse"),
    ("journal_anchor_forward_only", "journal_anchor", "BEFORE UPDATE", "ROW", "guichet_journal_anchor_update"),
]


def guard_ddl() -> tuple[list[str], list[str]]:
    """(create, drop) statements of the triggers; same role as journal_guard_ddl_v2 on SQLite."""
    create = [sql for sql in _FUNCTIONS.values()]
    create += [f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {each} EXECUTE FUNCTION {fn}()"
               for name, table, when, each, fn in _TRIGGERS]
    drop = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, *_ in reversed(_TRIGGERS)]
    drop += [f"DROP FUNCTION IF EXISTS {fn}()" for fn in reversed(_FUNCTIONS)]
    return create, drop


_IMPORT_TRIGGERS = [("journal_import_no_update", "BEFORE UPDATE OR DELETE", "ROW"),
                    ("journal_import_no_truncate", "BEFORE TRUNCATE", "STATEMENT")]


def import_guard_ddl() -> tuple[list[str], list[str]]:
    """(create, drop) of the triggers keeping `journal_import` (imported desks' journals) append-only."""
    create = [_FUNCTIONS["guichet_journal_refuse"]]
    create += [f"CREATE TRIGGER {name} {when} ON journal_import FOR EACH {each} "
               "EXECUTE FUNCTION guichet_journal_refuse()" for name, when, each in _IMPORT_TRIGGERS]
    return create, [f"DROP TRIGGER IF EXISTS {name} ON journal_import" for name, *_ in _IMPORT_TRIGGERS]


def purge_to_anchor(session) -> int:
    """Delete the rows at or below the anchor (the caller moved it in the same transaction)."""
    from sqlalchemy import text

    return int(session.execute(text("SELECT guichet_journal_purge()")).scalar() or 0)


def grant_statements(app_role: str) -> list[str]:
    """Privileges of the application role on every table of the schema, the journal's taken away.
    Run after each migration (new tables) by app/store/site_admin.py, as the owner role."""
    role = _ident(app_role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE ALL ON journal, journal_anchor, journal_import, alembic_version FROM {role}",
        f"GRANT SELECT, INSERT ON journal, journal_import TO {role}",
        f"GRANT SELECT, UPDATE ON journal_anchor TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
        f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON FUNCTION guichet_journal_purge() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION guichet_journal_purge() TO {role}",
    ]


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"role name {name!r}: letters, digits and _ only")
    return f'"{name}"'
