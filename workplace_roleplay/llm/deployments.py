"""The Router built from ``settings.LLM``: one model group per purpose and provider, fallbacks in
provider order, retries and cool-downs per error type. Rebuilt whenever ``settings.LLM`` changes."""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from litellm import Router
from litellm.router_api import ChangeSet
from litellm.types.router import AllowedFailsPolicy, Deployment, RetryPolicy

from workplace_roleplay.llm.base import LLMError, Purpose
from workplace_roleplay.llm.config import parse_model_overrides
from workplace_roleplay.llm.providers import DEMO_MODEL, GATEWAY_PROVIDER, LEAN_PROVIDERS, register

OPENAI_BASE = "https://api.openai.com/v1"
_DISPLAY = {"gemini": "Gemini", "openai": "OpenAI", "ollama": "Ollama", "openai_compatible": "OpenAI-compatible"}
DEMO_LABEL = "オフラインのデモ相手 (offline demo partner)"


@dataclass(frozen=True)
class Route:
    """One deployment: a Router model group with a single provider model behind it."""

    group: str
    provider: str
    model: str
    api_base: str | None = None
    api_key: str | None = None

    @property
    def demo(self) -> bool:
        return self.provider == "demo"

    @property
    def lean(self) -> bool:
        return self.provider in LEAN_PROVIDERS

    @property
    def label(self) -> str:
        return DEMO_MODEL if self.demo else f"{self.provider}/{self.model}"

    @property
    def display(self) -> str:
        return DEMO_LABEL if self.demo else f"{_DISPLAY.get(self.provider, self.provider)} ({self.model})"

    def deployment(self) -> dict[str, Any]:
        model = DEMO_MODEL if self.demo else f"{GATEWAY_PROVIDER}/{self.provider}/{self.model}"
        params = {"model": model, "api_base": self.api_base, "api_key": self.api_key}
        return {
            "model_name": self.group,
            "litellm_params": {key: value for key, value in params.items() if value},
            "model_info": {"id": self.group},
        }


def providers_configured(llm: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(provider, api base, api key) for each provider with a key or base, in fallback order."""
    found: list[tuple[str, str | None, str | None]] = []
    if llm.get("GEMINI_API_KEY"):
        found.append(("gemini", llm.get("GEMINI_API_BASE") or None, llm["GEMINI_API_KEY"]))
    if llm.get("OPENAI_API_KEY"):
        found.append(("openai", llm.get("OPENAI_API_BASE") or OPENAI_BASE, llm["OPENAI_API_KEY"]))
    if llm.get("OLLAMA_API_BASE"):
        base = str(llm["OLLAMA_API_BASE"]).rstrip("/")
        found.append(("ollama", base if base.endswith("/v1") else f"{base}/v1", "ollama"))
    if llm.get("OPENAI_API_BASE") and not llm.get("OPENAI_API_KEY"):
        found.append(("openai_compatible", llm["OPENAI_API_BASE"], None))
    return found


def _chains(llm: dict[str, Any]) -> dict[Purpose, tuple[Route, ...]]:
    configured = providers_configured(llm)
    chains: dict[Purpose, tuple[Route, ...]] = {}
    for purpose in Purpose:
        models = llm["PURPOSES"][purpose.value]["models"]
        routes = [
            Route(f"{purpose.value}:{provider}", provider, models[provider], base, key)
            for provider, base, key in configured
        ]
        chains[purpose] = tuple(routes) or (Route(f"{purpose.value}:demo", "demo", "offline-partner"),)
    return chains


NEVER_COOL_DOWN = 1_000_000


def _policies(llm: dict[str, Any], *, has_fallbacks: bool) -> dict[str, Any]:
    """A hang or a rate limit moves on to the next provider at once; a server error is retried.

    Cool-downs only make sense with somewhere else to go: with a single provider configured, a
    cooled-down provider would turn a few failed calls into thirty seconds of failing them all.
    """
    retries = int(llm.get("NUM_RETRIES", 1))
    allowed = int(llm.get("ALLOWED_FAILS", 1)) if has_fallbacks else NEVER_COOL_DOWN
    return {
        "num_retries": retries,
        "allowed_fails": allowed,
        "cooldown_time": float(llm.get("COOLDOWN_SECONDS", 30.0)),
        "retry_after": 0,
        "retry_policy": RetryPolicy(
            TimeoutErrorRetries=0,
            RateLimitErrorRetries=0,
            AuthenticationErrorRetries=0,
            BadRequestErrorRetries=0,
            NotFoundErrorRetries=0,
            ContentPolicyViolationErrorRetries=0,
            InternalServerErrorRetries=retries,
            ServiceUnavailableErrorRetries=retries,
            DefaultRetries=retries,
        ),
        "allowed_fails_policy": AllowedFailsPolicy(
            TimeoutErrorAllowedFails=0 if has_fallbacks else NEVER_COOL_DOWN,
            RateLimitErrorAllowedFails=0 if has_fallbacks else NEVER_COOL_DOWN,
            InternalServerErrorAllowedFails=allowed,
            ServiceUnavailableErrorAllowedFails=allowed,
            BadGatewayErrorAllowedFails=allowed,
        ),
    }


PICK_SECONDS = 10.0


class GatewayState:
    """The Router and the fallback chain of each purpose, for one version of ``settings.LLM``."""

    def __init__(self, llm: dict[str, Any]) -> None:
        register()
        self._picks: dict[str, tuple[str, float]] = {}
        self.snapshot = copy.deepcopy(llm)
        self.chains = _chains(llm)
        self.demo = all(route.demo for chain in self.chains.values() for route in chain)
        self.extra: dict[str, Route] = {}
        routes = [route for chain in self.chains.values() for route in chain]
        fallbacks = [
            {chain[0].group: [route.group for route in chain[1:]]} for chain in self.chains.values() if len(chain) > 1
        ]
        self.router: Any = Router(
            model_list=[route.deployment() for route in routes],
            fallbacks=fallbacks,
            timeout=float(llm.get("TOTAL_TIMEOUT", 90.0)),
            **_policies(llm, has_fallbacks=bool(fallbacks)),
        )

    async def pick(self, group: str) -> str | None:
        """The deployment the Router picks for ``group`` (None: all cooling down).

        ``Router.select`` costs a few tenths of a millisecond, so its answer is kept for up to ten
        seconds. Every group has one deployment and only a failure can cool it down, and every
        failure drops the kept answers (``forget_picks``), so a kept pick is what select would say.
        """
        now = time.monotonic()
        kept = self._picks.get(group)
        if kept is not None and kept[1] > now:
            return kept[0]
        try:
            deployment = await self.router.select(group)
        except Exception:  # noqa: BLE001  # nothing selectable: the Router's own call decides what follows
            self._picks.pop(group, None)
            return None
        picked = str(deployment["model_info"]["id"])
        self._picks[group] = (picked, now + PICK_SECONDS)
        return picked

    def forget_picks(self) -> None:
        self._picks.clear()

    def params(self, purpose: Purpose) -> dict[str, Any]:
        config = self.snapshot["PURPOSES"][purpose.value]
        return {key: config[key] for key in ("temperature", "max_tokens") if config.get(key) is not None}

    def chain(self, purpose: Purpose, model: str | None = None) -> tuple[Route, ...]:
        chain = self.chains[purpose]
        if not model or model in (chain[0].label, chain[0].model):
            return chain
        return (self._route_for(purpose, model), *[route for route in chain if route.label != model])

    def _route_for(self, purpose: Purpose, model: str) -> Route:
        """A deployment for a model named by the caller, added to the Router on first use."""
        for route in self.chains[purpose]:
            if model in (route.label, route.model):
                return route
        provider, _, name = model.partition("/")
        configured = {item[0]: item for item in providers_configured(self.snapshot)}
        if provider not in configured or not parse_model_overrides(model):
            raise LLMError("config", detail=f"model {model!r} is not a configured provider/model")
        group = f"{purpose.value}:{model}"
        if group not in self.extra:
            route = Route(group, provider, name, configured[provider][1], configured[provider][2])
            self.router.apply(ChangeSet(upsert=[Deployment(**route.deployment())]))
            self.extra[group] = route
        return self.extra[group]


_lock = threading.Lock()
_state: GatewayState | None = None


def current() -> GatewayState:
    """The gateway state for the current ``settings.LLM`` (rebuilt when the settings change)."""
    global _state
    llm = settings.LLM
    state = _state
    if state is not None and state.snapshot == llm:
        return state
    with _lock:
        if _state is None or _state.snapshot != llm:
            _replace(GatewayState(llm))
        return _state  # type: ignore[return-value]


def _replace(state: GatewayState | None) -> None:
    global _state
    if _state is not None:
        _state.router.retire()
    _state = state


def reset_gateway() -> None:
    """Forget the Router and its cool-downs (tests; a new ``settings.LLM`` does this by itself)."""
    with _lock:
        _replace(None)


def quiet_litellm_router_logs() -> None:
    """The Router logs every fallback as an error with a traceback; the gateway logs each failed
    attempt itself as one structured line, so only the Router's critical messages are kept."""
    logging.getLogger("LiteLLM Router").setLevel(logging.CRITICAL)


__all__ = ["GatewayState", "Route", "current", "reset_gateway"]
