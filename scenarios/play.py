"""Playing a scenario on the shared conversation machinery.

A play is a ``Conversation`` in mode "scenario" plus a ``ScenarioPlay`` row. This module tells
``conversations`` who the partner is (the scenario's character) and what the judge scores (the
scenario's own feedback points), and tells the catalog how often each scenario was practised.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from conversations import services as conversation_services
from conversations.judging import judged_in_role
from conversations.models import Conversation, Feedback, Mode
from conversations.personas import (
    register_feedback_brief,
    register_feedback_extra,
    register_persona_resolver,
    register_rubric,
)
from conversations.signals import feedback_stored
from llm import Purpose, demo_mode, model_label
from llm.prompts import Persona
from scenarios.models import Scenario, ScenarioPlay
from scenarios.practice import register_practised_counter
from scenarios.rubric import RubricResult, concerns_of, graded_warning, rubric_lines, rubric_result
from scenarios.selectors import scenario_has_consent


class ConsentRequiredError(Exception):
    """A sensitive scenario starts only after the learner has consented."""


def scenario_play_start(*, user: Any, scenario: Scenario) -> Conversation:
    """A new play: the conversation, the link to the scenario, and the character's opening line."""
    if scenario.sensitive and not scenario_has_consent(user=user, scenario=scenario):
        raise ConsentRequiredError
    metadata = {
        "scenario_id": scenario.pk,
        "language": user.language,
        "model": model_label(Purpose.SCENARIO_PARTNER),
        "demo": demo_mode(),
        "learner_opens": scenario.learner_speaks_first,
    }
    if (deadline := scenario.deadline_for(timezone.now())) is not None:
        metadata["ends_at"] = deadline.isoformat()  # no learner line is taken after it
    title = scenario.text("title", user.language)
    with transaction.atomic():
        conversation = conversation_services.conversation_start(
            user=user, mode=Mode.SCENARIO, title=title, metadata=metadata
        )
        ScenarioPlay.objects.create(user=user, scenario=scenario, conversation=conversation)
        opening = "" if scenario.learner_speaks_first else scenario.opening_line_for(user.language)
        if opening:
            conversation_services.message_append_assistant(
                conversation=conversation, text=opening, metadata={"scripted": True}
            )
    return conversation


def scenario_for(conversation: Conversation) -> Scenario:
    """The scenario being played; 404 when the play is gone (its conversation was just deleted)."""
    play = ScenarioPlay.objects.select_related("scenario").filter(conversation=conversation).first()
    if play is None:
        raise Http404()
    return play.scenario


def scenario_persona(conversation: Conversation) -> Persona:
    language = (conversation.metadata or {}).get("language", "ja")
    return scenario_for(conversation).as_persona(language=language)


_BRIEF_LABELS = {
    "ja": ("シナリオ", "相手の役", "学習者の役", "学習者の目標"),
    "en": ("Scenario", "The partner plays", "The learner plays", "The learner's goals"),
}


def scenario_feedback_brief(conversation: Conversation) -> tuple[list[str], str]:
    scenario = scenario_for(conversation)
    lang = "en" if (conversation.metadata or {}).get("language") == "en" else "ja"
    title, partner, learner, goals = _BRIEF_LABELS[lang]
    learning = scenario.learning_point_texts(language=lang)
    context = "\n".join(
        part
        for part in (
            f"{title}: {scenario.text('title', lang)}",
            scenario.text("description", lang),
            f"{partner}: {scenario.text('ai_role', lang)}",
            f"{learner}: {scenario.text('learner_role', lang)}",
            f"{goals}: " + " / ".join(learning) if learning else "",
            judged_in_role(scenario.text("learner_role", lang), language=lang),
        )
        if part
    )
    return scenario.feedback_point_texts(language=lang), context


def plays_per_scenario(user: Any, scenario_ids: list[int]) -> Mapping[int, int]:
    rows = (
        ScenarioPlay.objects.filter(user=user, scenario_id__in=scenario_ids)
        .values("scenario_id")
        .annotate(n=Count("id"))
        .values_list("scenario_id", "n")
    )
    return dict(rows)


def _language_of(conversation: Conversation) -> str:
    return "en" if (conversation.metadata or {}).get("language") == "en" else "ja"


def scenario_rubric(conversation: Conversation) -> list[dict[str, str]]:
    """The criteria the judge scores this play against (the scenario's rubric, in the play's language)."""
    return rubric_lines(scenario_for(conversation), language=_language_of(conversation))


def play_rubric_result(*, conversation: Conversation, feedback: Feedback) -> RubricResult | None:
    """The scenario rubric's verdict on the play's stored feedback (``None`` when it has no rubric)."""
    scenario = scenario_for(conversation)
    scores = (feedback.content or {}).get("criterion_scores") or []
    concerns = concerns_of(feedback.content)
    return rubric_result(scenario, scores, language=_language_of(conversation), concerns=concerns)


def play_warning(*, conversation: Conversation, feedback: Feedback) -> str:
    """The scenario's warning message when the judge found a line that may be harassment ("" otherwise)."""
    return graded_warning(scenario_for(conversation), concerns_of(feedback.content))


def play_record_feedback(*, conversation: Conversation, feedback: Feedback) -> None:
    """Mark the conversation's play as an attempt with feedback, with the rubric's total and verdict
    (both empty when the scenario has no rubric); a chat has no play: nothing to do."""
    play = ScenarioPlay.objects.filter(conversation_id=conversation.pk).select_related("scenario").first()
    if play is None:
        return
    result = play_rubric_result(conversation=conversation, feedback=feedback)
    ScenarioPlay.objects.filter(pk=play.pk, feedback_at__isnull=True).update(
        feedback_at=feedback.created_at or timezone.now(),
        rubric_total=result.total if result else None,
        passed=result.passed if result else None,
    )


def _play_feedback(user: Any, conversation_id: str) -> tuple[Conversation | None, Feedback | None]:
    conversation = Conversation.objects.filter(user=user, pk=conversation_id).select_related("feedback").first()
    return conversation, getattr(conversation, "feedback", None) if conversation is not None else None


def warning_payload(*, user: Any, conversation_id: str) -> str:
    """The scenario's warning message for the learner's play ("" without a concern or a message)."""
    conversation, feedback = _play_feedback(user, conversation_id)
    return play_warning(conversation=conversation, feedback=feedback) if conversation and feedback else ""


def rubric_payload(*, user: Any, conversation_id: str) -> dict[str, Any] | None:
    """The rubric verdict of the learner's play as JSON (``None`` without feedback or rubric)."""
    conversation, feedback = _play_feedback(user, conversation_id)
    result = play_rubric_result(conversation=conversation, feedback=feedback) if conversation and feedback else None
    if result is None:
        return None
    return {
        "total": result.total,
        "threshold": result.threshold,
        "passed": result.passed,
        "band": result.band,
        "message": result.message,
        "warning": result.warning,
        "missing": [criterion.name for criterion in result.missing] if not result.passed else [],
        "criteria": [
            {"criterion": c.name, "weight": c.weight, "score": c.score, "evidence": c.evidence, "comment": c.comment}
            for c in result.criteria
        ],
    }


def scenario_feedback_extra(conversation: Conversation, feedback: Feedback) -> dict[str, Any]:
    """What the feedback panel adds for a play: the scenario's warning message when the judge found
    a line that may be harassment, and the rubric verdict (template and its context)."""
    result = play_rubric_result(conversation=conversation, feedback=feedback)
    warning = result.warning if result else play_warning(conversation=conversation, feedback=feedback)
    if not (result or warning):
        return {}
    return {"template": "scenarios/_rubric_result.html", "rubric": result, "warning": warning}


def _on_feedback_stored(sender: Any, *, conversation: Conversation, feedback: Feedback, **kwargs: Any) -> None:
    if conversation.mode == Mode.SCENARIO:
        play_record_feedback(conversation=conversation, feedback=feedback)


def connect() -> None:
    feedback_stored.connect(_on_feedback_stored, dispatch_uid="scenarios-play-feedback")
    register_persona_resolver(Mode.SCENARIO, scenario_persona)
    register_feedback_brief(Mode.SCENARIO, scenario_feedback_brief)
    register_rubric(Mode.SCENARIO, scenario_rubric)
    register_feedback_extra(Mode.SCENARIO, scenario_feedback_extra)
    register_practised_counter(plays_per_scenario)
