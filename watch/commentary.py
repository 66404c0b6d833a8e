"""The judge's commentary on a watched conversation, and the learner's feedback after step-in.

The commentary says what each persona did well in communication terms, in the vocabulary of
the six axes (``conversations.feedback``); it is validated against :class:`WatchCommentary`.
Feedback after step-in is the usual ``FeedbackReport`` on the learner's own lines only (asked
once per session: ``watch.feedback``). The judge's prompts are in ``conversations.judging``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, Field

from conversations.feedback import AXIS_NAMES, Axis, axis_label
from conversations.judging import commentary_task, feedback_report
from core.db import db_call
from llm import Purpose, complete_json
from llm.prompts import judge_messages
from watch import selectors
from watch.models import WatchSession

Text = Annotated[str, Field(max_length=400)]


class AxisNote(BaseModel):
    axis: Axis = Field(description="One of: " + ", ".join(AXIS_NAMES), json_schema_extra={"enum": list(AXIS_NAMES)})
    comment: Text = Field(description="What the persona did well, in that axis's terms")
    quote: Annotated[str, Field(max_length=300)] = Field(default="", description="The persona's own words")


class PersonaCommentary(BaseModel):
    summary: Text
    did_well: list[AxisNote] = Field(min_length=1, max_length=4)


class WatchCommentary(BaseModel):
    overview: Annotated[str, Field(max_length=600)]
    first: PersonaCommentary = Field(description='The speaker shown as "learner" in the transcript')
    second: PersonaCommentary = Field(description='The speaker shown as "partner" in the transcript')


def _task(session: WatchSession) -> str:
    return commentary_task(language=session.language, first=session.persona_label(0), second=session.persona_label(1))


async def commentary_generate(session: WatchSession) -> WatchCommentary:
    """Ask the judge about the whole conversation (seat 0 as "learner", seat 1 as "partner")."""
    lines = await db_call(selectors.transcript_lines)(session=session)
    transcript = [
        {"role": "user" if line["persona"] == 0 else "assistant", "content": line["content"]} for line in lines
    ]
    brief = (session.metadata or {}).get("brief") or {}
    prompt = judge_messages(
        _task(session), transcript, context=str(brief.get("situation", "")), language=session.language
    )
    result = await complete_json(prompt, schema=WatchCommentary, purpose=Purpose.JUDGE, mode="watch")
    return result.value


def commentary_view(commentary: dict[str, Any] | None, labels: list[str], language: str) -> dict[str, Any]:
    """The commentary for pages and files: the overview and, per persona, (heading, summary, notes)."""
    data: dict[str, Any] = commentary or {}
    sections = []
    for seat, key in enumerate(("first", "second")):
        part = data.get(key) or {}
        notes = [
            (axis_label(str(note.get("axis", "")), language), note.get("comment", ""), note.get("quote", ""))
            for note in part.get("did_well", [])
        ]
        heading = labels[seat] if seat < len(labels) else key
        sections.append((heading, part.get("summary", ""), notes))
    return {"overview": data.get("overview", ""), "commentary_sections": sections if data else []}


def _context(session: WatchSession, before: list[dict[str, Any]]) -> str:
    brief = (session.metadata or {}).get("brief") or {}
    seat = session.seat or 0
    lines = [str(brief.get("situation", ""))]
    if session.language == "en":
        lines.append(
            f"The learner plays {session.persona_label(seat)}; the partner is {session.persona_label(1 - seat)}."
        )
        heading = "Before the learner took the seat (context only, not to be scored):"
    else:
        lines.append(f"学習者は{session.persona_label(seat)}の役、相手は{session.persona_label(1 - seat)}です。")
        heading = "学習者が交代する前の会話（参考のみ。評価しないでください）:"
    if before:
        lines.append(heading)
        lines += [
            json.dumps({"speaker": line["speaker"], "text": line["content"]}, ensure_ascii=False)
            for line in before[-10:]
        ]
    return "\n".join(line for line in lines if line)


async def feedback_generate(session: WatchSession) -> dict[str, Any]:
    """Score the learner's own lines after step-in (raises NoLearnerLinesError without any)."""
    transcript, before = await db_call(selectors.feedback_transcript)(session=session)
    points = list((session.metadata or {}).get("points") or [])
    result = await feedback_report(
        transcript, language=session.language, mode="watch", points=points, context=_context(session, before)
    )
    return {"report": result.value.model_dump(mode="json"), "metadata": result.stats.as_metadata()}
