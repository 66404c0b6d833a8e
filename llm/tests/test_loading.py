"""litellm (some 250 MB resident) is loaded only by a call that needs it, never by a web process
starting, serving pages, the offline demo partner or an OpenAI-compatible server."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository


def _run(code: str, settings_module: str = "workplace_roleplay.settings.base") -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    for name in ("GEMINI_API_KEY", "OPENAI_API_KEY", "OPENAI_API_BASE", "OLLAMA_API_BASE"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603  # this interpreter running the code above
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_setting_up_django_and_the_asgi_app_does_not_load_litellm() -> None:
    code = """
        import sys
        import django
        django.setup()
        import workplace_roleplay.asgi
        from llm import demo_mode, model_label
        demo_mode(), model_label("judge")
        print("litellm" in sys.modules)
    """
    assert _run(code) == "False"


def test_the_demo_partner_and_an_openai_compatible_server_answer_without_litellm() -> None:
    code = """
        import asyncio, sys
        import django
        django.setup()
        from django.conf import settings
        from pydantic import BaseModel
        from llm import complete_json, stream_reply
        from testing.fake_llm import fake_settings, running

        class Verdict(BaseModel):
            summary: str

        async def ask():
            messages = [{"role": "user", "content": "こんにちは"}]
            texts = ["".join([c async for c in stream_reply(messages, purpose="chat_partner", mode="chat")])]
            result = await complete_json(messages, schema=Verdict, purpose="judge", mode="chat")
            return texts + [result.value.summary]

        with running() as server:
            server.reply(["は", "い"])
            server.reply_json({"summary": "ok"})
            settings.LLM = fake_settings(server.base_url)
            lean = asyncio.run(ask())
            settings.LLM = fake_settings(server.base_url, OPENAI_API_BASE="")
            offline = asyncio.run(ask())
        print(lean[0] == "はい" and lean[1] == "ok" and bool(offline[0] and offline[1]), "litellm" in sys.modules)
    """
    assert _run(code) == "True False"


def test_a_call_that_needs_litellm_loads_it_then() -> None:
    code = """
        import asyncio, sys
        import django
        django.setup()
        from django.conf import settings
        from llm import stream_reply
        from testing.fake_llm import fake_settings, running

        async def ask():
            stream = stream_reply([{"role": "user", "content": "hi"}], purpose="chat_partner", mode="chat")
            return "".join([c async for c in stream]), stream.stats.model

        with running() as server:
            server.reply(["ok"])
            settings.LLM = fake_settings(server.base_url, GEMINI_API_KEY="k", GEMINI_API_BASE=server.base_url)
            before = "litellm" in sys.modules
            text, model = asyncio.run(ask())
        print(before, "litellm" in sys.modules, text, model)
    """
    assert _run(code) == "False True ok openai_compatible/fake-primary"


def test_the_offline_partners_analyser_loads_on_its_first_use_only() -> None:
    code = """
        import sys
        import django
        django.setup()
        import workplace_roleplay.asgi
        from llm import demo
        before = "sudachipy" in sys.modules
        demo.reply_text([{"role": "user", "content": "お疲れさまです。"}])
        print(before, "sudachipy" in sys.modules)
    """
    assert _run(code) == "False True"
