"""The learner's line sent to the API, answered on the event loop (a ``core.lanes`` lane).

``line_lane(mode)`` serves ``POST`` of a chat or scenario line the way ``api.turns.post_message``
does, for the plain case: a valid access token (``Authorization: Bearer``), a JSON body the
endpoint's serializer accepts, the caller's own open conversation, within the rate limits (the
API budget and ``chat_message``, counted as the throttle counts them), a new line the database
stored. It then answers 201 with the line and the whole reply (JSON) or the reply's event
stream, as the view would. Anything else is declined, and the view answers: another way of
signing in, a database other than PostgreSQL, a query string, an ``Accept`` it does not serve,
an invalid body or token, someone else's conversation, an ended one, a limit reached, a repeated
``client_id``, a database failure before the line was stored. (A declined request the lane had
counted is counted again by the view's throttle.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from conversations import live, services
from conversations.api import serializers as s
from conversations.api.sse import reply_stream_response
from conversations.models import Conversation
from conversations.personas import persona_for_async, persona_reads_database
from conversations.streaming import (
    LineTaken,
    ReplyNotStoredError,
    generate_reply,
    message_payload,
    prompt_of,
    store_failed_message,
    take_line,
)
from conversations.turns import client_id_clean
from core import inputs, ratelimits
from core.languages import language_of
from core.request_id import bind_user
from llm.prompts import UserTextError, clean_user_text

_JSON_ACCEPTS = ("", "*/*", "application/json")
_jwt = JWTAuthentication()


def line_lane(mode: str) -> Callable[[HttpRequest], Any]:
    async def lane(request: HttpRequest) -> HttpResponseBase | None:
        return await serve_line(request, mode=mode)

    return lane


def _bearer_user_id(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    try:
        token = _jwt.get_validated_token(header[7:].strip().encode())
        return token[api_settings.USER_ID_CLAIM]
    except Exception:  # noqa: BLE001 - any token the view would refuse: it explains why
        return None


def _body(request: HttpRequest) -> dict[str, Any] | None:
    if request.GET or request.content_type != "application/json":
        return None
    try:
        data = inputs.loads_json(request.body)
    except inputs.InputError:
        return None
    body = s.ChatMessageSerializer(data=data) if isinstance(data, dict) else None
    return dict(body.validated_data) if body is not None and body.is_valid() else None


async def serve_line(request: HttpRequest, *, mode: str) -> HttpResponseBase | None:
    if not live.available():  # another database than PostgreSQL: the view, through the ORM
        return None
    accept = request.headers.get("Accept", "")
    streams = "text/event-stream" in accept
    if not streams and accept not in _JSON_ACCEPTS:
        return None
    user_id = _bearer_user_id(request)
    data = _body(request) if user_id is not None else None
    if data is None:
        return None
    if persona_reads_database(mode):  # the partner is read before the line is stored
        taken = await _line_after_conversation(user_id, data, mode)
    else:  # the conversation is read by the statement that stores the line
        taken = await _line_with_conversation(user_id, data, mode)
    if taken is None:
        return None
    conversation = taken.message.conversation
    if streams or data["stream"]:
        response: HttpResponseBase = reply_stream_response(conversation, taken.message, taken.prepared)
        response.status_code = 201
    else:
        response = await _whole_reply(conversation, taken)
    patch_vary_headers(response, ("Accept", "Cookie"))
    response["Allow"] = "POST, OPTIONS"
    return response


async def _line_after_conversation(user_id: Any, data: dict[str, Any], mode: str) -> LineTaken | None:
    try:
        found = await live.conversation_of(user_id=user_id, conversation_id=data["conversation_id"], mode=mode)
    except DatabaseError:
        return None
    if found is None:
        return None
    conversation, user = found
    if not await _within_limits(user):
        return None
    _speak_as(user)
    persona = await persona_for_async(conversation)
    try:
        taken = await take_line(conversation, persona, text=data["text"], client_id=data.get("client_id"))
    except (UserTextError, services.ConversationClosedError, DatabaseError):
        return None  # nothing was stored: the view answers with the reason
    return taken if taken.created else None


async def _line_with_conversation(user_id: Any, data: dict[str, Any], mode: str) -> LineTaken | None:
    """The line stored in one statement that also reads the conversation (``live.line_store``)."""
    user = User(id=user_id)
    if not await _within_limits(user):
        return None
    try:
        content = clean_user_text(data["text"])
        conversation = Conversation(id=data["conversation_id"], user_id=user_id, mode=mode)
        stored = await live.line_store(conversation, content=content, client_id=client_id_clean(data.get("client_id")))
    except (UserTextError, live.ConversationEndedError, DatabaseError):
        return None  # nothing was stored: the view answers with the reason
    if not stored.created or stored.reply is None or stored.found is None:
        return None
    conversation, user = live.conversation_filled(conversation, stored.found)
    _speak_as(user)
    persona = await persona_for_async(conversation)
    return LineTaken(stored.message, created=True, prepared=(prompt_of(persona, stored.history or []), stored.reply))


async def _within_limits(user: User) -> bool:
    if await ratelimits.check((ratelimits.DEFAULT, ratelimits.CHAT_MESSAGE), user, budget=ratelimits.DEFAULT):
        await ratelimits.settle()  # the view's throttle counts from Redis: it must see this process's counts
        return False
    return True


def _speak_as(user: User) -> None:
    """As the view's authentication does: the answer, its events and Content-Language in the
    user's language (a lane runs in a task of its own: nothing outlives the request)."""
    bind_user(user)
    translation.activate(language_of(user))


async def _whole_reply(conversation: Any, taken: Any) -> HttpResponse:
    try:
        reply = await generate_reply(conversation=conversation, emit=_ignore, prepared=taken.prepared)
    except ReplyNotStoredError:
        response = _json({"detail": store_failed_message(), "retryable": True}, 503)
        response["Retry-After"] = "5"
        return response
    answer = {"message": message_payload(taken.message), "reply": message_payload(reply), "duplicate": False}
    return _json(answer, 201)


def _json(data: dict[str, Any], status: int) -> HttpResponse:
    """As DRF's renderer writes it: compact, not ASCII-escaped."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), status=status, content_type="application/json")


async def _ignore(event: dict[str, Any]) -> None:
    return None
