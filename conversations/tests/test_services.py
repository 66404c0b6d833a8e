import pytest
from django.core.cache import cache
from django.http import Http404

from accounts.tests.factories import UserFactory
from conversations import selectors, services
from conversations.models import Conversation, Message, Status
from conversations.tests.factories import ConversationFactory, MessageFactory
from llm.prompts import MAX_USER_CHARS, UserTextError

pytestmark = pytest.mark.django_db


def test_it_stores_the_learners_line() -> None:
    conversation = ConversationFactory()
    message, created = services.message_append_user(
        conversation=conversation, text="  お疲れさまです  ", client_id="c1"
    )
    assert created
    assert message.content == "お疲れさまです"
    assert list(conversation.messages.values_list("content", flat=True)) == ["お疲れさまです"]


def test_it_never_stores_a_resend_twice() -> None:
    conversation = ConversationFactory()
    first, _ = services.message_append_user(conversation=conversation, text="こんにちは", client_id="same")
    again, created = services.message_append_user(conversation=conversation, text="こんにちは", client_id="same")
    assert not created
    assert again.id == first.id
    assert conversation.messages.count() == 1


@pytest.mark.parametrize("text", ["", "   \n\t", "x" * (MAX_USER_CHARS + 1), None, 42, ["a"]])
def test_it_rejects_bad_text_and_stores_nothing(text: object) -> None:
    conversation = ConversationFactory()
    with pytest.raises(UserTextError):
        services.message_append_user(conversation=conversation, text=text)
    assert not Message.objects.exists()


def test_it_refuses_lines_after_the_end() -> None:
    conversation = services.conversation_end(conversation=ConversationFactory())
    with pytest.raises(services.ConversationClosedError):
        services.message_append_user(conversation=conversation, text="まだ話したい")
    assert not Message.objects.exists()


def test_the_history_follows_every_write_without_a_round_trip_to_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_cache(*args: object, **kwargs: object) -> None:
        raise AssertionError("the live path asked the cache")

    for name in ("get", "set", "delete"):
        monkeypatch.setattr(cache, name, no_cache)
    conversation = ConversationFactory()
    services.message_append_user(conversation=conversation, text="一つ目")
    assert selectors.conversation_history(conversation_id=conversation.id) == [{"role": "user", "content": "一つ目"}]

    reply = services.reply_begin(conversation=conversation)  # a streaming row is no part of the history
    assert selectors.conversation_history(conversation_id=conversation.id) == [{"role": "user", "content": "一つ目"}]
    services.reply_finish(message=reply, text="はい", status=Status.COMPLETE, metadata={})
    assert selectors.conversation_history(conversation_id=conversation.id)[-1] == {
        "role": "assistant",
        "content": "はい",
    }


def test_it_leaves_failed_replies_out_of_the_prompt_but_keeps_interrupted_text() -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="質問です")
    MessageFactory(conversation=conversation, role="assistant", content="", status=Status.FAILED)
    MessageFactory(conversation=conversation, role="assistant", content="途中まで", status=Status.INTERRUPTED)
    history = selectors.conversation_history(conversation_id=conversation.id)
    assert [turn["content"] for turn in history] == ["質問です", "途中まで"]


def test_it_finds_japanese_text_in_the_users_own_conversations_only() -> None:
    mine = ConversationFactory(title="先輩・ランチ")
    MessageFactory(conversation=mine, content="進捗を報告します")
    ConversationFactory(user=mine.user, title="同僚・休憩中")
    theirs = ConversationFactory()
    MessageFactory(conversation=theirs, content="報告があります")

    found = list(selectors.conversations_for_user(user=mine.user, query="報告"))
    assert found == [mine]
    assert list(selectors.conversations_for_user(user=mine.user, query="ランチ")) == [mine]


def test_it_deletes_only_the_owners_conversation() -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation)
    with pytest.raises(Http404):
        services.conversation_delete(user=UserFactory(), conversation_id=conversation.id)
    services.conversation_delete(user=conversation.user, conversation_id=conversation.id)
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_it_answers_404_for_malformed_ids() -> None:
    with pytest.raises(Http404):
        selectors.conversation_get(user=UserFactory(), conversation_id="not-a-uuid")
