"""Writes of watch mode. Each change of a session is stored, then told to the runner (control in
the bus) and to everyone watching (an event in the session's log) once it is committed."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from conversations import turns
from conversations.signals import practice_ended
from core.metrics import count_conversation
from llm.prompts import clean_user_text
from scenarios.models import Scenario
from scenarios.selectors import scenario_has_consent
from watch import broadcast, conf, selectors, themes
from watch.bus import get_bus
from watch.dispatch import dispatch
from watch.models import ACTIVE_STATES, Author, Pace, State, WatchMessage, WatchSession
from watch.transcripts import transcript_write


class WatchInputError(ValueError):
    """Input that cannot start or change a session; ``field`` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class StartLimitError(Exception):
    """Too many sessions in progress at once."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


class WatchStateError(Exception):
    """The session is not in a state that allows this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- starting ------------------------------------------------------------------------------------


class ConsentRequiredError(Exception):
    """A sensitive (harassment-prevention) scenario is a theme only after the learner's consent."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(f"consent required for scenario {scenario.pk}")
        self.scenario = scenario


def _theme_fields(theme: str, language: str, user: User | None = None) -> dict[str, Any]:
    if theme.startswith(themes.SCENARIO_PREFIX):
        number = theme.removeprefix(themes.SCENARIO_PREFIX)
        readable = number.isascii() and number.isdigit()  # "²".isdigit() is true, yet int("²") raises
        scenario = Scenario.objects.filter(pk=int(number), published=True).first() if readable else None
        if scenario is None:
            raise WatchInputError("theme", _("Choose a theme from the list."))
        if scenario.sensitive and not scenario_has_consent(user=user, scenario=scenario):
            raise ConsentRequiredError(scenario)
        persona = scenario.as_persona(language=language)
        return {
            "title": scenario.text("title", language),
            "scenario": scenario,
            "brief": {"situation": persona.situation, "instructions": persona.instructions},
            "points": scenario.feedback_point_texts(language=language),
        }
    preset = themes.theme_for(theme)
    if preset is None:
        raise WatchInputError("theme", _("Choose a theme from the list."))
    return {"title": preset.label(language), "scenario": None, "brief": preset.brief(language), "points": []}


def _personas(keys: list[str], models: list[str] | None) -> list[dict[str, Any]]:
    presets = [themes.persona_preset(key) for key in keys]
    if len(presets) != 2 or any(preset is None for preset in presets):
        raise WatchInputError("personas", _("Choose two personas."))
    configured = list(conf.get("WATCH_PERSONA_MODELS"))
    chosen = list(models or [])
    if any(model and model not in configured for model in chosen):
        raise WatchInputError("models", _("Choose a model from the list."))
    result = []
    for seat, preset in enumerate(presets):
        assert preset is not None
        default = configured[seat % len(configured)] if len(configured) > 1 else ""
        result.append(preset.as_dict(model=(chosen[seat] if seat < len(chosen) else "") or default))
    return result


def _check_running(user: User) -> None:
    """At most WATCH_MAX_RUNNING sessions in progress (starts per minute: the "watch_start" rate limit)."""
    running, most = selectors.running_count(user=user), int(conf.get("WATCH_MAX_RUNNING"))
    if running >= most:
        message = _("You already have %(n)s sessions in progress. Stop one before starting another.") % {"n": most}
        raise StartLimitError(message, retry_after=30)


def watch_start(
    *, user: User, theme: str, personas: list[str], pace: str = Pace.NORMAL, models: list[str] | None = None
) -> WatchSession:
    """Create a session and start its runner (two personas talk, seat 0 first).

    A sensitive scenario as the theme raises ``ConsentRequiredError`` until the learner consented."""
    if pace not in Pace.values:
        raise WatchInputError("pace", _("Choose a pace."))
    language = user.language
    with override(language):
        fields = _theme_fields(theme, language, user)
    ai_personas = _personas(personas, models)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        _check_running(user)
        session = WatchSession.objects.create(
            user=user,
            theme=theme,
            title=fields["title"][:200],
            scenario=fields["scenario"],
            ai_personas=ai_personas,
            language=language,
            pace=pace,
            metadata={"brief": fields["brief"], "points": fields["points"], "run_seconds": 0.0},
        )
    transaction.on_commit(lambda: _announce(session, run=True))
    transaction.on_commit(lambda: count_conversation(mode="watch", status="started"))
    return session


# --- telling the runner and the viewers ----------------------------------------------------------------


def control_of(session: WatchSession) -> dict[str, Any]:
    return {
        "state": session.state,
        "seat": session.seat,
        "pace": session.pace,
        "halt": int((session.metadata or {}).get("halt", 0)),
    }


def _announce(session: WatchSession, *, run: bool = False) -> None:
    """After a commit: the runner's control, the state event, and a runner if there is work."""
    session_id = str(session.id)
    get_bus().set_control(session_id, control_of(session))
    broadcast.publish_sync(session_id, {"type": broadcast.STATE, "session": selectors.session_payload(session)})
    if run:
        dispatch(session_id)


def _locked(session: WatchSession) -> WatchSession:
    return WatchSession.objects.select_for_update().get(pk=session.pk)


def _change(session: WatchSession, *, allowed: tuple[str, ...], run: bool = False, **changes: Any) -> WatchSession:
    with transaction.atomic():
        locked = _locked(session)
        if locked.state not in allowed:
            raise WatchStateError(
                _("This cannot be done now: the session is %(state)s.") % {"state": locked.get_state_display()}
            )
        metadata = changes.pop("metadata", None)
        for name, value in changes.items():
            setattr(locked, name, value)
        if metadata is not None:
            locked.metadata = {**(locked.metadata or {}), **metadata}
        locked.save()
    transaction.on_commit(lambda: _announce(locked, run=run))
    return locked


def _announce_end(session: WatchSession) -> None:
    count_conversation(mode="watch", status="ended")
    if session.seat is not None:
        practice_ended.send(sender=WatchSession, user=session.user, session_id=session.id, mode="watch")


def _end(
    session: WatchSession, *, allowed: tuple[str, ...], state: str, reason: str, notice: str = "", announce: bool = True
) -> WatchSession:
    ended = _change(
        session,
        allowed=allowed,
        run=True,
        state=state,
        ended_at=timezone.now(),
        metadata={"end_reason": reason, "notice": notice},
    )
    if announce:
        watch_announce_end(session=ended)
    return ended


def watch_announce_end(*, session: WatchSession) -> None:
    """Tell the listeners of ``practice_ended`` (after the commit) that the session ended."""
    transaction.on_commit(lambda: _announce_end(session))


# --- the owner's controls ------------------------------------------------------------------------------


def watch_pause(*, session: WatchSession) -> WatchSession:
    return _change(session, allowed=(State.RUNNING,), state=State.PAUSED)


def watch_resume(*, session: WatchSession) -> WatchSession:
    return _change(session, allowed=(State.PAUSED,), run=True, state=State.RUNNING, metadata={"notice": ""})


def watch_set_pace(*, session: WatchSession, pace: str) -> WatchSession:
    if pace not in Pace.values:
        raise WatchInputError("pace", _("Choose a pace."))
    return _change(session, allowed=ACTIVE_STATES, pace=pace)


def watch_stop(*, session: WatchSession) -> WatchSession:
    """End the session (idempotent): generation stops within one chunk; the wrap-up follows."""
    if session.is_ended:
        return session
    return _end(session, allowed=ACTIVE_STATES, state=State.STOPPED, reason="stopped")


def watch_finish(*, session: WatchSession, reason: str, notice: str) -> WatchSession:
    """The runner reached a limit."""
    return _end(session, allowed=(State.RUNNING,), state=State.FINISHED, reason=reason, notice=notice)


def watch_pause_for_failure(*, session: WatchSession, notice: str) -> WatchSession:
    return _change(session, allowed=(State.RUNNING,), state=State.PAUSED, metadata={"notice": notice})


def watch_step_in(*, session: WatchSession, seat: int) -> WatchSession:
    """The learner takes ``seat``: that persona's turn in flight is interrupted, the learner speaks next."""
    if seat not in (0, 1):
        raise WatchInputError("seat", _("Choose which persona to replace."))
    last = session.messages.aggregate(last=Max("seq"))["last"] or 0
    return _change(
        session,
        allowed=(State.RUNNING, State.PAUSED),
        state=State.STEPPED_IN,
        seat=seat,
        stepped_in_after=last,
        metadata={"notice": ""},
    )


def watch_halt(*, session: WatchSession) -> WatchSession:
    """Stop the reply being written (after step-in); the partial reply is kept."""
    halt = int((session.metadata or {}).get("halt", 0)) + 1
    return _change(session, allowed=(State.STEPPED_IN,), metadata={"halt": halt})


def watch_end(*, session: WatchSession, announce: bool = True) -> WatchSession:
    """End a stepped-in session to get feedback (nothing to do when it has already ended).

    With ``announce=False`` the caller announces the end (``watch_announce_end``) once the
    feedback is stored, so the strength analysis copies it instead of asking the judge again.
    """
    if session.is_ended:
        return session
    return _end(session, allowed=(State.STEPPED_IN,), state=State.FINISHED, reason="feedback", announce=announce)


def watch_share(*, session: WatchSession, enabled: bool) -> WatchSession:
    """Turn the share link on (a fresh link each time) or off (viewers are disconnected)."""
    if enabled == session.share_enabled:
        return session
    token = secrets.token_urlsafe(18) if enabled else session.share_token
    return _change(
        session,
        allowed=(*ACTIVE_STATES, State.STOPPED, State.FINISHED),
        share_enabled=enabled,
        share_token=token,
    )


# --- turns -----------------------------------------------------------------------------------------


def _next_seq(session: WatchSession) -> int:
    return (session.messages.aggregate(last=Max("seq"))["last"] or 0) + 1


def watch_say(*, session: WatchSession, text: object, client_id: str | None = None) -> tuple[WatchMessage, bool]:
    """Store the learner's line (once per ``client_id``) and have the other persona answer it."""
    cleaned = clean_user_text(text)

    def create(key: str | None) -> WatchMessage:
        locked = _locked(session)
        if locked.state != State.STEPPED_IN or locked.seat is None:
            raise WatchStateError(_("Step in first to say something."))
        if selectors.busy(session=locked):
            raise WatchStateError(_("The other persona is still replying. Wait for the reply or press Stop."))
        return WatchMessage.objects.create(
            session=locked, persona=locked.seat, author=Author.LEARNER, content=cleaned, client_id=key,
            seq=_next_seq(locked),
        )  # fmt: skip

    try:
        message, created = turns.turn_append_once(session.messages.all(), client_id=client_id, create=create)
    except IntegrityError as error:
        raise WatchStateError(_("This message was already sent.")) from error
    if created:
        payload = selectors.message_payload(message, message.session)
        transaction.on_commit(lambda: _said(message.session, payload))
    return message, created


def _said(session: WatchSession, payload: dict[str, Any]) -> None:
    broadcast.publish_sync(str(session.id), {"type": broadcast.LEARNER_MESSAGE, "message": payload})
    dispatch(str(session.id))


def reply_begin(*, session: WatchSession, persona: int) -> WatchMessage:
    with transaction.atomic():
        locked = _locked(session)
        return turns.reply_begin(WatchMessage, session=locked, persona=persona, author=Author.AI, seq=_next_seq(locked))


def reply_finish(*, message: WatchMessage, text: str, status: str, metadata: dict[str, Any]) -> WatchMessage:
    return turns.reply_finish(turn=message, text=text, status=status, metadata={**metadata, "status": status})


def interrupt_stale_turns(*, session: WatchSession) -> list[WatchMessage]:
    """Turns left "streaming" by a runner that died: kept as interrupted (call holding the lease)."""
    return turns.replies_interrupt_stale(session.messages.all(), metadata={"error": ""}, finish=_finish_turn)


def _finish_turn(*, turn: WatchMessage, **result: Any) -> WatchMessage:
    return reply_finish(message=turn, **result)


def turns_interrupt_stale(before: datetime) -> int:
    """Turns begun before ``before`` and still streaming (their runner died): kept as interrupted,
    and the session's viewers told."""
    streaming = WatchMessage.objects.select_related("session")
    stale = turns.replies_interrupt_stale(streaming, before=before, metadata={"error": ""}, finish=_finish_turn)
    for row in stale:
        event = {"type": broadcast.AI_MESSAGE, "kind": "done", "message": selectors.message_payload(row, row.session)}
        broadcast.publish_sync(str(row.session_id), event)
    return len(stale)


def add_run_seconds(*, session: WatchSession, seconds: float) -> WatchSession:
    with transaction.atomic():
        locked = _locked(session)
        locked.metadata = {
            **(locked.metadata or {}),
            "run_seconds": float(locked.metadata.get("run_seconds", 0)) + seconds,
        }
        locked.save(update_fields=["metadata"])
    return locked


def watch_recover(*, session: WatchSession) -> None:
    """Someone looked at the session: if it has work but no runner (e.g. a worker died), start one."""
    if selectors.next_action(session=session) is None or selectors.runner_active(session.id):
        return
    if cache.add(f"watch:dispatched:{session.id}", 1, timeout=10):
        transaction.on_commit(lambda: dispatch(str(session.id)))


# --- after the session ---------------------------------------------------------------------------------


def commentary_store(*, session: WatchSession, commentary: dict[str, Any] | None, error: str = "") -> WatchSession:
    with transaction.atomic():
        locked = _locked(session)
        locked.commentary = commentary
        locked.metadata = {**(locked.metadata or {}), "commentary_error": error, "finalized": True}
        locked.save(update_fields=["commentary", "metadata"])
    transcript_write(locked)
    event = {"type": broadcast.COMMENTARY, "session": selectors.session_payload(locked)}
    transaction.on_commit(lambda: broadcast.publish_sync(str(locked.id), event))
    return locked


def commentary_retry(*, session: WatchSession) -> WatchSession:
    """Ask the judge again after the commentary failed."""
    if not session.is_ended or session.commentary is not None:
        return session
    with transaction.atomic():
        locked = _locked(session)
        locked.metadata = {**(locked.metadata or {}), "commentary_error": "", "finalized": False}
        locked.save(update_fields=["metadata"])
    transaction.on_commit(lambda: dispatch(str(locked.id)))
    return locked


def feedback_store(*, session: WatchSession, report: dict[str, Any], metadata: dict[str, Any]) -> WatchSession:
    """Store the feedback; the first stored is kept, so the learner and My progress see the same one."""
    with transaction.atomic():
        locked = _locked(session)
        if locked.feedback:
            return locked
        locked.feedback = report
        locked.metadata = {**(locked.metadata or {}), "feedback_call": metadata}
        locked.save(update_fields=["feedback", "metadata"])
    return locked
