"""Signals other apps listen to (higher apps react to the shared machinery without it importing them).

``practice_ended`` is sent once a practice session has ended and its data is committed:
``sender`` is the model class of the session, with keyword arguments ``user`` (the learner),
``session_id`` (UUID of the Conversation or WatchSession), ``mode`` ("chat", "scenario", "watch").

``feedback_stored`` is sent once a conversation's feedback is first stored and committed:
``sender`` is ``Feedback``, with keyword arguments ``conversation`` and ``feedback``.
"""

from django.dispatch import Signal

practice_ended = Signal()
feedback_stored = Signal()
