"""The turn code every mode stores its lines with (``conversations.turns``)."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from conversations import turns
from conversations.models import Message, Role, Status
from conversations.tests.factories import ConversationFactory, MessageFactory
from watch.models import Author, WatchMessage
from watch.tests.factories import WatchSessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("atomic", [True, False], ids=["in-a-transaction", "one-insert"])
def test_it_keeps_one_line_when_the_same_client_id_arrives_twice_at_once(atomic: bool) -> None:
    conversation = ConversationFactory()

    def other_send(key: str | None) -> None:  # on a connection of its own, committed first
        MessageFactory(conversation=conversation, content="先に届いた方", client_id=key)
        connections.close_all()

    def create(key: str | None) -> Message:
        other = threading.Thread(target=other_send, args=(key,))
        other.start()
        other.join()
        return Message.objects.create(conversation=conversation, role=Role.USER, content="後の方", client_id=key)

    message, created = turns.turn_append_once(
        conversation.messages.all(), client_id=" c-1 ", create=create, atomic=atomic
    )

    assert created is False and message.content == "先に届いた方"
    assert list(conversation.messages.values_list("client_id", flat=True)) == ["c-1"]


def test_a_refused_single_insert_inside_a_transaction_leaves_the_transaction_usable() -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="保存済み", client_id="c-2")

    def create(key: str | None) -> Message:
        return Message.objects.create(conversation=conversation, role=Role.USER, content="二度目", client_id=key)

    # the test runs inside a transaction: the failed insert must not abort it
    message, created = turns.turn_append_once(conversation.messages.all(), client_id="c-2", create=create, atomic=False)
    assert created is False and message.content == "保存済み"
    assert conversation.messages.count() == 1


def test_it_stores_lines_without_a_client_id_each_time() -> None:
    conversation = ConversationFactory()

    def create(key: str | None) -> Message:
        return Message.objects.create(conversation=conversation, role=Role.USER, content="はい", client_id=key)

    for _ in range(2):
        _, created = turns.turn_append_once(conversation.messages.all(), client_id="", create=create)
        assert created is True
    assert conversation.messages.count() == 2


def test_it_interrupts_only_replies_begun_before_the_deadline_in_either_mode() -> None:
    session = WatchSessionFactory()
    old = turns.reply_begin(WatchMessage, session=session, persona=0, author=Author.AI, seq=1)
    WatchMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=20), content="途中")
    fresh = turns.reply_begin(WatchMessage, session=session, persona=1, author=Author.AI, seq=2)

    rows = turns.replies_interrupt_stale(session.messages.all(), before=timezone.now() - timedelta(minutes=10))

    assert [row.pk for row in rows] == [old.pk]
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.content, old.metadata["stale"]) == (Status.INTERRUPTED, "途中", True)
    assert fresh.status == Status.STREAMING


def test_it_builds_the_prompt_from_spoken_turns_only() -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="こんにちは")
    MessageFactory(conversation=conversation, role=Role.USER, content="")
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="失敗", status=Status.FAILED)
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="途中", status=Status.INTERRUPTED)
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="書き中", status=Status.STREAMING)

    rows = turns.spoken(conversation.messages.order_by("created_at", "id"))

    assert turns.prompt_history(rows, role_of=lambda message: message.role) == [
        {"role": "assistant", "content": "こんにちは"},
        {"role": "assistant", "content": "途中"},
    ]
