"""With no model configured, the offline judge writes a watched conversation's commentary."""

from typing import Any

import environ
import pytest

from llm import demo_mode, reset_gateway
from llm.config import llm_settings_from_env
from watch.models import State
from watch.runner import drive
from watch.tests.conftest import db
from watch.tests.factories import WatchSessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offline(settings: Any, monkeypatch: Any) -> Any:
    for name in ("GEMINI_API_KEY", "OPENAI_API_KEY", "OPENAI_API_BASE", "OLLAMA_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    settings.LLM = {**llm_settings_from_env(environ.Env()), "DEMO_PACING": 0.0}
    reset_gateway()
    yield settings
    reset_gateway()


async def test_it_stores_the_offline_commentary_with_each_speakers_own_lines(offline: Any) -> None:
    assert demo_mode()
    session = await db(WatchSessionFactory)()

    await drive(str(session.id))

    await db(session.refresh_from_db)()
    lines = await db(lambda: list(session.messages.order_by("seq").values_list("persona", "content")))()
    assert session.state == State.FINISHED
    assert session.metadata.get("commentary_error", "") == ""
    commentary = session.commentary
    assert commentary and commentary["overview"].startswith("オフライン判定")
    first = {content for persona, content in lines if persona == 0}
    second = {content for persona, content in lines if persona == 1}
    assert {note["quote"] for note in commentary["first"]["did_well"]} <= first
    assert {note["quote"] for note in commentary["second"]["did_well"]} <= second
