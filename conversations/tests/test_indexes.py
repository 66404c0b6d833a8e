"""The conversation tables carry only the indexes their queries use: every line and every reply
end writes each index of ``conversations_message``, so one that no query reads is paid for on the
live path for nothing."""

import pytest
from django.db import connection

from conversations.models import Role
from conversations.selectors import conversations_for_user
from conversations.tests.factories import ConversationFactory, MessageFactory
from testing.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def test_messages_are_indexed_for_their_conversation_and_client_id_only() -> None:
    assert _indexes("conversations_message") == {
        "conversations_message_pkey",
        "conversations_message_conversation_id_f1a2d5e9",
        "msg_conv_created_idx",
        "msg_unique_client_id",
    }
    assert _indexes("conversations_conversation") == {
        "conversations_conversation_pkey",
        "conv_user_started_idx",
        "conversations_conversation_user_id_c3e4e6ca",
    }


def test_the_journal_search_still_finds_japanese_text_in_the_users_own_conversations() -> None:
    conversation = ConversationFactory(title="雑談")
    MessageFactory(conversation=conversation, role=Role.USER, content="進捗を報告します")
    other = ConversationFactory(title="報告の練習")  # another learner's: never found
    MessageFactory(conversation=other, role=Role.USER, content="報告です")

    found = conversations_for_user(user=conversation.user, query="報告")

    assert [c.id for c in found] == [conversation.id]
    assert [c.id for c in conversations_for_user(user=other.user, query="報告")] == [other.id]  # by its title


@pytest.mark.django_db(transaction=True)
def test_the_migration_that_drops_them_can_be_undone() -> None:
    try:
        migrate_to(("conversations", "0006_time_limit_sweep"))
        assert "msg_content_trgm_idx" in _indexes("conversations_message")
        assert "conv_title_trgm_idx" in _indexes("conversations_conversation")
        migrate_to(("conversations", "0007_drop_unused_trigram_indexes"))
        assert "msg_content_trgm_idx" not in _indexes("conversations_message")
    finally:
        migrate_to_latest()
