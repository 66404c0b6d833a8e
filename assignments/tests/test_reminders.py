"""Reminder e-mails: on start, two days before the due date, once overdue; each once (the job run
twice sends nothing more), in the learner's language, never to who opted out or completed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assignments.models import AssignmentReminder, AssignmentState, Recurrence
from assignments.reminders import run_reminders
from assignments.tasks import send_reminders
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, play, team_with

pytestmark = pytest.mark.django_db


def _setup(**fields):  # type: ignore[no-untyped-def]
    trainer = UserFactory.create(trainer=True, display_name="佐藤")
    learner = UserFactory.create()
    english = UserFactory.create(preferences={"language": "en", "default_partner": "同僚"})
    scenario = ScenarioFactory.create()
    team = team_with(trainer, [learner, english])
    assignment = assignment_for(trainer, scenarios=[scenario], teams=[team], **fields)
    return assignment, learner, english, scenario


def test_it_sends_each_reminder_once_across_runs() -> None:
    now = timezone.now()
    assignment, learner, english, _ = _setup(starts_at=now - timedelta(hours=1), due_at=now + timedelta(days=5))
    assert run_reminders(now=now).sent == 2
    assert run_reminders(now=now).sent == 0  # the beat job again, or after a restart
    assert send_reminders() == {"assignments": 1, "sent": 0}
    assert len(mail.outbox) == 2
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[learner.email].endswith(f"新しい課題: {assignment.title}")
    assert subjects[english.email].endswith(f"New assignment: {assignment.title}")
    assert "佐藤" in mail.outbox[0].body

    soon = assignment.due_at - timedelta(days=1)
    assert run_reminders(now=soon).sent == 2
    assert run_reminders(now=soon).sent == 0
    late = assignment.due_at + timedelta(minutes=1)
    assert run_reminders(now=late).sent == 2
    assert run_reminders(now=late + timedelta(days=3)).sent == 0
    kinds = sorted(AssignmentReminder.objects.filter(user=learner).values_list("kind", flat=True))
    assert kinds == ["due_soon", "overdue", "start"]
    assert len(mail.outbox) == 6


def test_it_sends_nothing_to_who_completed_or_opted_out() -> None:
    now = timezone.now()
    assignment, learner, english, scenario = _setup(starts_at=now - timedelta(hours=1), due_at=now + timedelta(days=1))
    play(learner, scenario, feedback_at=now - timedelta(minutes=5))
    english.assignment_reminders = False
    english.save()
    assert run_reminders(now=now).sent == 0
    assert mail.outbox == []


def test_it_sends_nothing_for_paused_closed_or_future_assignments() -> None:
    now = timezone.now()
    paused, *_ = _setup(starts_at=now - timedelta(hours=1), state=AssignmentState.PAUSED)
    closed, *_ = _setup(starts_at=now - timedelta(hours=1), state=AssignmentState.CLOSED)
    future, *_ = _setup(starts_at=now + timedelta(days=1))
    assert run_reminders(now=now).sent == 0
    assert mail.outbox == []


def test_it_reminds_again_in_each_new_round() -> None:
    start = timezone.now() - timedelta(hours=1)
    assignment, *_ = _setup(starts_at=start, due_at=start + timedelta(days=6), recurrence=Recurrence.WEEKLY)
    assert run_reminders(now=timezone.now()).sent == 2
    next_round = start + timedelta(weeks=1, hours=1)
    assert run_reminders(now=next_round).sent == 2
    assert run_reminders(now=next_round).sent == 0
    assert sorted(set(AssignmentReminder.objects.values_list("round", flat=True))) == [0, 1]


def test_it_greets_each_learner_by_their_own_name() -> None:
    now = timezone.now()
    _assignment, learner, english, _ = _setup(starts_at=now - timedelta(hours=1), due_at=now + timedelta(days=5))
    run_reminders(now=now)
    first_lines = {message.to[0]: message.body.splitlines()[0] for message in mail.outbox}
    assert first_lines[learner.email] == f"{learner.display_name} さん"
    assert first_lines[english.email] == f"Hello {english.display_name},"
