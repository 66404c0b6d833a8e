"""Japanese search on PostgreSQL: pg_trgm GIN index on message content (no-op on SQLite)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS msg_content_trgm_idx ON conversations_message USING gin (content gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS conv_title_trgm_idx ON conversations_conversation USING gin (title gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS msg_content_trgm_idx", "DROP INDEX IF EXISTS conv_title_trgm_idx"]


def _run(statements: list[str]):
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
