"""The learner's feedback after step-in: asked of the judge once per session and stored on it.

The feedback panel shows the stored answer and the strength analysis (My progress) copies it.
"""

from __future__ import annotations

from conversations.judging import NoLearnerLinesError
from core.db import db_call
from watch import selectors, services
from watch.commentary import feedback_generate
from watch.models import WatchSession


async def feedback_ask(session: WatchSession) -> WatchSession:
    """The learner asks for feedback: end the stepped-in session and store the judge's one answer.

    Stored feedback is returned as it is. The end is announced (the strength analysis) once the
    feedback is stored, or when the judge failed. Raises ``WatchStateError`` (not stepped in),
    ``NoLearnerLinesError`` and ``LLMError``.
    """
    if session.feedback:
        return session
    transcript, _ = await db_call(selectors.feedback_transcript)(session=session)
    if not any(turn["role"] == "user" for turn in transcript):
        if not session.is_ended:
            await db_call(services.watch_end)(session=session)
        raise NoLearnerLinesError
    ending = not session.is_ended
    session = await db_call(services.watch_end)(session=session, announce=False)
    try:
        return await feedback_ensure(session)
    finally:
        if ending:
            await db_call(services.watch_announce_end)(session=session)


async def feedback_ensure(session: WatchSession) -> WatchSession:
    """The session's stored feedback, or the judge's answer stored now (one call)."""
    if session.feedback:
        return session
    result = await feedback_generate(session)
    return await db_call(services.feedback_store)(session=session, report=result["report"], metadata=result["metadata"])
