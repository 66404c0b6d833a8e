"""The deployments built from ``settings.LLM``: one per purpose and provider, in fallback order,
and the health of each (failures and cool-downs). Rebuilt whenever ``settings.LLM`` changes.

Nothing here imports litellm: reading the configuration, labelling the models and deciding where
a call goes cost no more than a few dictionary look-ups.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from llm.base import LLMError, Purpose
from llm.config import parse_model_overrides

OPENAI_BASE = "https://api.openai.com/v1"
DEMO_MODEL = "demo/offline-partner"
LEAN_PROVIDERS = frozenset({"openai", "ollama", "openai_compatible"})
_DISPLAY = {"gemini": "Gemini", "openai": "OpenAI", "ollama": "Ollama", "openai_compatible": "OpenAI-compatible"}
DEMO_LABEL = "オフラインのデモ相手 (offline demo partner)"


@dataclass(frozen=True)
class Route:
    """One deployment: a provider model for one purpose (``group`` names it in the health records)."""

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


# Failures that move a call on to the next deployment at once, without a retry on the same one,
# and put the deployment to rest at once: a hang or a rate limit will not be over in a moment.
IMMEDIATE_COOL_DOWN = frozenset({"timeout", "rate_limited"})
# Failures that say nothing about the deployment (the request itself was refused).
NOT_THE_DEPLOYMENTS_FAULT = frozenset({"rejected"})
FAILURE_WINDOW_SECONDS = 60.0


class Health:
    """Failures and cool-downs per deployment.

    A deployment that timed out or rate-limited, or failed more than ``allowed_fails`` times in a
    minute, rests for ``cooldown`` seconds. With a single provider configured nothing ever rests:
    there is nowhere else to go, and a resting provider would turn a few failed calls into thirty
    seconds of failing them all.
    """

    def __init__(self, *, allowed_fails: int, cooldown: float, enabled: bool) -> None:
        self.allowed_fails = allowed_fails
        self.cooldown = cooldown
        self.enabled = enabled
        self._failures: dict[str, deque[float]] = {}
        self._resting_until: dict[str, float] = {}

    def available(self, group: str, now: float | None = None) -> bool:
        until = self._resting_until.get(group)
        if until is None:
            return True
        if (now if now is not None else time.monotonic()) >= until:
            self._resting_until.pop(group, None)
            return True
        return False

    def failed(self, group: str, kind: str, now: float | None = None) -> None:
        if not self.enabled or kind in NOT_THE_DEPLOYMENTS_FAULT:
            return
        now = now if now is not None else time.monotonic()
        recent = self._failures.setdefault(group, deque())
        recent.append(now)
        while recent and recent[0] <= now - FAILURE_WINDOW_SECONDS:
            recent.popleft()
        if kind in IMMEDIATE_COOL_DOWN or len(recent) > self.allowed_fails:
            self._resting_until[group] = now + self.cooldown
            recent.clear()


class GatewayState:
    """The fallback chain of each purpose and the deployments' health, for one ``settings.LLM``."""

    def __init__(self, llm: dict[str, Any]) -> None:
        self.snapshot = copy.deepcopy(llm)
        self.chains = _chains(llm)
        self.demo = all(route.demo for chain in self.chains.values() for route in chain)
        self.extra: dict[str, Route] = {}
        self.health = Health(
            allowed_fails=int(llm.get("ALLOWED_FAILS", 1)),
            cooldown=float(llm.get("COOLDOWN_SECONDS", 30.0)),
            enabled=len(providers_configured(llm)) > 1,
        )

    @property
    def retries(self) -> int:
        return max(int(self.snapshot.get("NUM_RETRIES", 1)), 0)

    def params(self, purpose: Purpose) -> dict[str, Any]:
        config = self.snapshot["PURPOSES"][purpose.value]
        return {key: config[key] for key in ("temperature", "max_tokens") if config.get(key) is not None}

    def chain(self, purpose: Purpose, model: str | None = None) -> tuple[Route, ...]:
        chain = self.chains[purpose]
        if not model or model in (chain[0].label, chain[0].model):
            return chain
        return (self._route_for(purpose, model), *[route for route in chain if route.label != model])

    def _route_for(self, purpose: Purpose, model: str) -> Route:
        """A deployment for a model named by the caller (kept, so its health is remembered)."""
        for route in self.chains[purpose]:
            if model in (route.label, route.model):
                return route
        provider, _, name = model.partition("/")
        configured = {item[0]: item for item in providers_configured(self.snapshot)}
        if provider not in configured or not parse_model_overrides(model):
            raise LLMError("config", detail=f"model {model!r} is not a configured provider/model")
        group = f"{purpose.value}:{model}"
        if group not in self.extra:
            self.extra[group] = Route(group, provider, name, configured[provider][1], configured[provider][2])
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
            _state = GatewayState(llm)
        return _state


def reset_gateway() -> None:
    """Forget the deployments' failures and cool-downs (tests; a new ``settings.LLM`` does this by itself)."""
    global _state
    with _lock:
        _state = None


__all__ = ["GatewayState", "Health", "Route", "current", "reset_gateway"]
