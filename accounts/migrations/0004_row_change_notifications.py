"""Announce every change to a session, a user or an API key (personai/row_memory.py).

Web processes remember these rows between requests; PostgreSQL tells them, on commit, which
row changed, whichever process or tool changed it. Inserts need no notice: nothing remembers a
row that did not exist.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION personai_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('personai_rows', TG_ARGV[0] || ':*');
    ELSE
        PERFORM pg_notify('personai_rows', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]));
    END IF;
    RETURN NULL;
END
$$;
"""

# (kind, table, key column): the kind and key that personai.row_memory.RowMemory users remember by.
WATCHED = [
    ("session", "django_session", "session_key"),
    ("user", "accounts_user", "id"),
    ("api_key", "accounts_apikey", "prefix"),
]


def _triggers(kind: str, table: str, column: str) -> str:
    return f"""
CREATE TRIGGER personai_{kind}_changed AFTER UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION personai_row_changed('{kind}', '{column}');
CREATE TRIGGER personai_{kind}_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION personai_row_changed('{kind}');
"""


def _drop(kind: str, table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS personai_{kind}_changed ON {table};
DROP TRIGGER IF EXISTS personai_{kind}_truncated ON {table};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_persona_type"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS personai_row_changed() CASCADE;"),
        *(
            migrations.RunSQL(_triggers(kind, table, column), _drop(kind, table))
            for kind, table, column in WATCHED
        ),
    ]
