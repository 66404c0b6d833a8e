"""A practice with a time limit ends with feedback when it runs out, whichever client was open.

A play of a scenario with a time limit keeps its end in ``metadata["ends_at"]`` (ISO 8601); no
learner line is taken after it (``services.message_append_user``). The play page's countdown asks
for the feedback at that moment. For everyone else (the page was closed, or the mobile app, which
reads ``ends_at`` from the conversation) Celery beat runs ``conversations.end_timed_out_practices``
every minute (``manage.py end_timed_out_practices`` runs it once): each practice still open
``GRACE`` after its end is ended, with the judge's feedback when the learner said anything
(``judging.feedback_generate``: asked once, a stored feedback is kept), otherwise without. The
grace leaves the moment itself to the page, so the judge is not asked twice for one play.
"""

from datetime import datetime, timedelta

import structlog
from asgiref.sync import async_to_sync
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from conversations import services
from conversations.judging import NoLearnerLinesError, feedback_generate
from conversations.models import Conversation
from llm import LLMError

GRACE = timedelta(minutes=1)
log = structlog.get_logger(__name__)


def ends_at(conversation: Conversation) -> datetime | None:
    """When the practice runs out of time (``None``: it has no time limit)."""
    return parse_datetime(str((conversation.metadata or {}).get("ends_at") or ""))


def timed_out_practices(*, now: datetime | None = None) -> list[Conversation]:
    """Open practices whose time ran out more than ``GRACE`` ago."""
    cutoff = (now or timezone.now()) - GRACE
    candidates = Conversation.objects.filter(ended_at__isnull=True, metadata__has_key="ends_at").select_related("user")
    return [conversation for conversation in candidates if (end := ends_at(conversation)) and end <= cutoff]


def end_timed_out_practices(*, now: datetime | None = None) -> dict[str, int]:
    """End every timed-out practice; how many ended with feedback, without lines, or with the judge failing."""
    counts = {"with_feedback": 0, "without_lines": 0, "judge_failed": 0}
    for conversation in timed_out_practices(now=now):
        try:
            async_to_sync(feedback_generate)(conversation)
        except NoLearnerLinesError:
            services.conversation_end(conversation=conversation)
            counts["without_lines"] += 1
        except LLMError as error:  # ended all the same; the learner can ask for the feedback again
            log.warning("timed_out_feedback_failed", conversation_id=str(conversation.id), error_kind=error.kind)
            counts["judge_failed"] += 1
        else:
            counts["with_feedback"] += 1
    if any(counts.values()):
        log.info("timed_out_practices_ended", **counts)
    return counts
