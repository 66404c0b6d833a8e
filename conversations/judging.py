"""Asking the judge model about a conversation: structured feedback, and hints for the next line."""

from pydantic import BaseModel, Field

from conversations import services
from conversations.feedback import FeedbackReport, feedback_task
from conversations.models import Conversation, Feedback
from conversations.personas import feedback_brief_for
from conversations.selectors import conversation_history
from core.db import db_call
from llm import JsonResult, Purpose, complete_json
from llm.prompts import judge_messages


class NoLearnerLinesError(Exception):
    """Feedback needs at least one line from the learner."""


class Hint(BaseModel):
    hint: str = Field(max_length=400, description="A suggestion for the learner's next line, not a full script")
    example: str = Field(max_length=300, description="One short example phrase")


def _language(conversation: Conversation) -> str:
    return "en" if (conversation.metadata or {}).get("language") == "en" else "ja"


async def feedback_report(
    transcript: list[dict[str, str]], *, language: str, mode: str, points: list[str] | None = None, context: str = ""
) -> JsonResult[FeedbackReport]:
    """Ask the judge to score the learner's (``user``) lines of ``transcript``; validated, not stored."""
    if not any(turn["role"] == "user" for turn in transcript):
        raise NoLearnerLinesError
    prompt = judge_messages(
        feedback_task(language=language, points=points or []), transcript, context=context, language=language
    )
    result = await complete_json(prompt, schema=FeedbackReport, purpose=Purpose.JUDGE, mode=mode)
    if not points:  # nothing was asked to be scored beyond the six axes
        result.value.point_scores = []
    return result


async def feedback_generate(
    conversation: Conversation, *, points: list[str] | None = None, context: str = ""
) -> Feedback:
    """End the conversation, then score the learner's lines (and the given feedback points) and store it.

    The conversation stays ended when the judge fails: asking again retries only the feedback.
    """
    transcript = await db_call(conversation_history)(conversation_id=conversation.id)
    if any(turn["role"] == "user" for turn in transcript):
        await db_call(services.conversation_end)(conversation=conversation)
    if points is None:
        points, context = await db_call(feedback_brief_for)(conversation)
    result = await feedback_report(
        transcript, language=_language(conversation), mode=conversation.mode, points=points, context=context
    )
    return await db_call(services.feedback_store)(
        conversation=conversation, report=result.value, metadata=result.stats.as_metadata()
    )


async def hint_generate(conversation: Conversation, *, context: str = "") -> Hint:
    language = _language(conversation)
    task = (
        "学習者が次に言うとよい発言の方向性を、ロールプレイのネタばらしをせずに短く助言してください。"
        if language == "ja"
        else "Briefly suggest a direction for the learner's next line without spoiling the role-play."
    )
    transcript = await db_call(conversation_history)(conversation_id=conversation.id)
    if not context:
        _, context = await db_call(feedback_brief_for)(conversation)
    prompt = judge_messages(task, transcript, context=context, language=language)
    result = await complete_json(prompt, schema=Hint, purpose=Purpose.JUDGE, mode=conversation.mode)
    return result.value
