"""Watch mode's settings, with their defaults (``settings.WATCH_*`` overrides each one)."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "WATCH_MAX_TURNS": 20,
    "WATCH_MAX_SECONDS": 600,
    "WATCH_PACE_SECONDS": {"slow": 4.0, "normal": 2.0, "fast": 0.5},
    "WATCH_PERSONA_MODELS": [],
    "WATCH_MAX_RUNNING": 2,
    # Token chunks are published at most this often per turn (the runner joins what comes in between).
    "WATCH_COALESCE_SECONDS": 0.1,
    # "redis" or "memory"; empty: Redis when settings.REDIS_URL is set.
    "WATCH_BUS": "",
    "WATCH_STREAM_MAXLEN": 5000,
    "WATCH_STREAM_TTL_SECONDS": 24 * 3600,
    "WATCH_LEASE_SECONDS": 30.0,
    # How often a Stop/step-in is looked for while the model has not sent its first token.
    "WATCH_CONTROL_POLL_SECONDS": 0.25,
    # Turns that fail in a row before the session pauses itself.
    "WATCH_MAX_FAILURES": 2,
    # A stopped session counts as watched (e.g. for an assignment's "watch first") after this many lines.
    "WATCH_WATCHED_MIN_LINES": 4,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def pace_seconds(pace: str) -> float:
    paces = get("WATCH_PACE_SECONDS")
    return float(paces.get(pace, paces.get("normal", 2.0)))


def redis_prefix() -> str:
    """Keys of watch mode in Redis share the cache's prefix (tests get their own)."""
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX") or "wr"
    return f"{prefix}:watch"
