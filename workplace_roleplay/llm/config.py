"""LLM settings read from the environment: keys, models per purpose, timeouts."""

from typing import Any

import environ


def llm_settings_from_env(env: environ.Env) -> dict[str, Any]:
    return {
        "GEMINI_API_KEY": env.str("GEMINI_API_KEY", default=""),
        "OPENAI_API_KEY": env.str("OPENAI_API_KEY", default=""),
        "OPENAI_API_BASE": env.str("OPENAI_API_BASE", default=""),
        "OLLAMA_API_BASE": env.str("OLLAMA_API_BASE", default=""),
        "FIRST_TOKEN_TIMEOUT": env.float("LLM_FIRST_TOKEN_TIMEOUT", default=15.0),
        "TOTAL_TIMEOUT": env.float("LLM_TOTAL_TIMEOUT", default=90.0),
    }
