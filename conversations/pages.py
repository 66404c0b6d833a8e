"""What a live conversation page shows, for every mode built on the chat engine (scenarios add
their own parts to it)."""

from typing import Any

from conversations import selectors
from conversations.feedback import AXES
from conversations.models import Conversation
from conversations.personas import feedback_extra_for
from conversations.streaming import message_payload


def conversation_page_context(conversation: Conversation) -> dict[str, Any]:
    """What the live conversation page shows; modes built on it (scenarios) add their own parts."""
    rows = [message_payload(message) for message in selectors.conversation_messages(conversation=conversation)]
    return {
        "conversation": conversation,
        "messages_list": rows,
        "feedback": selectors.feedback_for(conversation=conversation),
        "feedback_extra": feedback_extra_for(conversation, getattr(conversation, "feedback", None)),
        "axes": AXES,
        "demo": bool(conversation.metadata.get("demo")),
    }
