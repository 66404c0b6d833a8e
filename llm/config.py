"""LLM settings read from the environment: keys, models per purpose, timeouts, retries.

Providers, in fallback order, each used when its key or base URL is set:

- ``gemini``: Google Gemini (``GEMINI_API_KEY``; ``GEMINI_API_BASE`` for a proxy), the primary
- ``openai``: OpenAI (``OPENAI_API_KEY``; ``OPENAI_API_BASE`` points it elsewhere)
- ``ollama``: an Ollama server (``OLLAMA_API_BASE``, e.g. ``http://127.0.0.1:11434``)
- ``openai_compatible``: any OpenAI-compatible server (``OPENAI_API_BASE`` without ``OPENAI_API_KEY``)

With none of them set, every purpose is answered by the offline demo partner.

Models: ``LLM_<PROVIDER>_MODEL`` sets a provider's default model (e.g. ``LLM_GEMINI_MODEL``);
``LLM_<PURPOSE>_MODEL`` overrides it for one purpose with a comma-separated list of
``provider/model`` (e.g. ``LLM_JUDGE_MODEL=gemini/gemini-2.5-pro,openai/gpt-4o``).
"""

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

PROVIDERS: tuple[str, ...] = ("gemini", "openai", "ollama", "openai_compatible")
PURPOSES: tuple[str, ...] = ("chat_partner", "scenario_partner", "watch_persona", "judge")

DEFAULT_MODELS: dict[str, str] = {
    "gemini": "gemini-2.5-flash",
    "openai": "gpt-4o-mini",
    "ollama": "llama3.2",
    "openai_compatible": "default",
}

# Sampling parameters per purpose: partners are lively and brief, the judge is steady and long.
PURPOSE_PARAMS: dict[str, dict[str, float | int]] = {
    "chat_partner": {"temperature": 0.8, "max_tokens": 400},
    "scenario_partner": {"temperature": 0.7, "max_tokens": 500},
    "watch_persona": {"temperature": 0.9, "max_tokens": 300},
    "judge": {"temperature": 0.0, "max_tokens": 2000},  # the same transcript gets the same verdict
}


def parse_model_overrides(value: str, *, source: str = "") -> dict[str, str]:
    """``"gemini/gemini-2.5-pro,openai/gpt-4o"`` -> ``{"gemini": "gemini-2.5-pro", "openai": "gpt-4o"}``."""
    overrides: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        provider, _, model = item.partition("/")
        if provider not in PROVIDERS or not model:
            raise ImproperlyConfigured(
                f"{source or 'model'}: {item!r} is not provider/model with provider one of {', '.join(PROVIDERS)}"
            )
        overrides[provider] = model
    return overrides


def _purposes(env: environ.Env, models: dict[str, str]) -> dict[str, dict[str, Any]]:
    purposes: dict[str, dict[str, Any]] = {}
    for name in PURPOSES:
        variable = f"LLM_{name.upper()}_MODEL"
        overrides = parse_model_overrides(env.str(variable, default=""), source=variable)
        purposes[name] = {"models": {**models, **overrides}, **PURPOSE_PARAMS[name]}
    return purposes


def llm_settings_from_env(env: environ.Env) -> dict[str, Any]:
    models = {name: env.str(f"LLM_{name.upper()}_MODEL", default=default) for name, default in DEFAULT_MODELS.items()}
    return {
        "GEMINI_API_KEY": env.str("GEMINI_API_KEY", default=""),
        "GEMINI_API_BASE": env.str("GEMINI_API_BASE", default=""),
        "OPENAI_API_KEY": env.str("OPENAI_API_KEY", default=""),
        "OPENAI_API_BASE": env.str("OPENAI_API_BASE", default=""),
        "OLLAMA_API_BASE": env.str("OLLAMA_API_BASE", default=""),
        "FIRST_TOKEN_TIMEOUT": env.float("LLM_FIRST_TOKEN_TIMEOUT", default=15.0),
        "TOTAL_TIMEOUT": env.float("LLM_TOTAL_TIMEOUT", default=90.0),
        "NUM_RETRIES": env.int("LLM_NUM_RETRIES", default=1),
        "ALLOWED_FAILS": env.int("LLM_ALLOWED_FAILS", default=1),
        "COOLDOWN_SECONDS": env.float("LLM_COOLDOWN_SECONDS", default=30.0),
        "HISTORY_BUDGET_TOKENS": env.int("LLM_HISTORY_BUDGET_TOKENS", default=6000),
        "MAX_CONNECTIONS": env.int("LLM_MAX_CONNECTIONS", default=1000),
        "DEMO_PACING": env.float("LLM_DEMO_PACING", default=0.03),
        "PURPOSES": _purposes(env, models),
    }
