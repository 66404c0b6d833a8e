"""Events of the conversation socket as HTML fragments for the htmx WebSocket extension.

Every piece of text goes through Django's autoescaping templates; model output is never
concatenated into HTML.
"""

import uuid
from typing import Any

from django.template.loader import render_to_string

TEMPLATES = {
    "history": "conversations/partials/ws_history.html",
    "message.new": "conversations/partials/ws_message_new.html",
    "typing.start": "conversations/partials/ws_typing_start.html",
    "token": "conversations/partials/ws_token.html",
    "message.done": "conversations/partials/ws_message_done.html",
    "error": "conversations/partials/ws_error.html",
}


def render_event_html(event: dict[str, Any]) -> str | None:
    template = TEMPLATES.get(event["type"])
    if template is None:
        return None
    return render_to_string(template, {"event": event, "next_client_id": uuid.uuid4()})
