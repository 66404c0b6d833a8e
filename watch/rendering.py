"""Watch events as HTML fragments for the htmx WebSocket extension (each top-level element is
swapped in by its id). All text goes through autoescaping templates."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from watch.broadcast import AI_MESSAGE, COMMENTARY, JOIN, LEARNER_MESSAGE, LEAVE, REVOKED, SNAPSHOT, STATE, Frame
from watch.commentary import commentary_view
from watch.models import Pace, State

TEMPLATES = {
    SNAPSHOT: "watch/ws/snapshot.html",
    STATE: "watch/ws/state.html",
    LEARNER_MESSAGE: "watch/ws/message_new.html",
    COMMENTARY: "watch/ws/commentary.html",
    JOIN: "watch/ws/viewers.html",
    LEAVE: "watch/ws/viewers.html",
    "watch.error": "watch/ws/error.html",
    REVOKED: "watch/ws/revoked.html",
}
AI_TEMPLATES = {
    "start": "watch/ws/message_new.html",
    "token": "watch/ws/token.html",
    "done": "watch/ws/message_done.html",
}


def _template(data: dict[str, Any]) -> str | None:
    if data["type"] == AI_MESSAGE:
        return AI_TEMPLATES.get(str(data.get("kind")))
    return TEMPLATES.get(data["type"])


def _state_label(state: str, *, owner: bool) -> str:
    """The state as the one looking at it reads it: a viewer is told the owner stepped in, not "you"."""
    if state == State.STEPPED_IN and not owner:
        return gettext("The owner is in the conversation")
    return str(State(state).label) if state in State.values else state


def live_context(session: dict[str, Any], *, owner: bool, language: str) -> dict[str, Any]:
    """What the state panel, the controls, the composer and the commentary are drawn from."""
    state, seat = session.get("state", ""), session.get("seat")
    labels = [str(persona.get("label", "")) for persona in session.get("personas", [])]
    return {
        "session": session,
        "session_id": session.get("id", ""),
        "owner": owner,
        "state_label": _state_label(state, owner=owner),
        "pace_label": Pace(session["pace"]).label if session.get("pace") in Pace.values else "",
        "seat_label": labels[seat] if isinstance(seat, int) and 0 <= seat < len(labels) else "",
        "paces": Pace.choices,
        "can_control": owner and state in (State.RUNNING, State.PAUSED),
        "composer": owner and state == State.STEPPED_IN,
        "ended": bool(session.get("ended")),
        "commentary_error": session.get("commentary_error", ""),
        **commentary_view(session.get("commentary"), labels, language),
    }


def render_frame_html(frame: Frame, owner: bool, language: str) -> str | None:
    data = frame.data
    template = _template(data)
    if template is None:
        return None
    context: dict[str, Any] = {"event": data, "owner": owner}
    with translation.override(language):
        if "session" in data:
            context.update(live_context(data["session"], owner=owner, language=language))
        return render_to_string(template, context)
