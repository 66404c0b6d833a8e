"""Structured JSON logging (structlog) for the web process, sockets and Celery tasks.

Every line carries the bound context (``request_id``, ``user_id``; see ``request_id.py``) and
never message content, passwords or tokens: callers log ids and sizes, not text. As a safety
net, ``redact_sensitive`` masks the values of keys such as ``password``, ``token`` or ``text``
wherever they appear in a line. litellm's loggers, Celery's own (``celery_signals.py``) and
Python warnings write through the same JSON handler.
"""

import logging
import logging.config
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {
        "password", "password1", "password2", "new_password", "old_password", "token", "access", "refresh",
        "text", "content", "authorization", "cookie", "secret", "api_key", "messages", "prompt", "reply",
    }
)  # fmt: skip
SENSITIVE_SUFFIXES = ("password", "_token", "secret", "api_key")
LIBRARY_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")


def _sensitive(key: object) -> bool:
    name = str(key).lower()
    return name in SENSITIVE_KEYS or name.endswith(SENSITIVE_SUFFIXES)


def _redacted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _masked(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def _masked(key: object, value: Any) -> Any:
    return REDACTED if _sensitive(key) and _carries_text(value) else _redacted(value)


def _carries_text(value: Any) -> bool:
    """Counts and flags (``tokens_in=12``, ``content=None``) are safe to keep."""
    return not (value is None or isinstance(value, bool | int | float))


def redact_sensitive(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask the values of sensitive keys, nested ones included."""
    for key in list(event_dict):
        if key == "event":
            continue
        event_dict[key] = _masked(key, event_dict[key])
    return event_dict


class _RootOnlyLogger(logging.Logger):
    """A library logger that keeps no handler of its own: its records reach the root's JSON handler."""

    def addHandler(self, hdlr: logging.Handler) -> None:  # noqa: N802 - logging's API
        return None


def _route_library_loggers_to_root() -> None:
    """litellm adds a plain-text handler to its loggers on import; theirs must be JSON lines too."""
    manager = logging.Logger.manager
    for name in LIBRARY_LOGGERS:
        existing = manager.loggerDict.get(name)
        if isinstance(existing, logging.Logger):
            for handler in list(existing.handlers):
                existing.removeHandler(handler)
            continue
        previous = manager.loggerClass
        manager.setLoggerClass(_RootOnlyLogger)
        try:
            logging.getLogger(name)
        finally:
            manager.loggerClass = previous


def configure_logging(level: str = "INFO") -> None:
    _route_library_loggers_to_root()
    logging.captureWarnings(True)  # Python warnings are log lines too (logger "py.warnings")
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_sensitive,
    ]
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "json": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processor": structlog.processors.JSONRenderer(ensure_ascii=False),
                    "foreign_pre_chain": shared,
                }
            },
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                "django.db.backends": {"level": "WARNING"},
                "LiteLLM": {"level": "WARNING"},
                "LiteLLM Router": {"level": "WARNING"},
                "LiteLLM Proxy": {"level": "WARNING"},
                "httpx": {"level": "WARNING"},
            },
        }
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,  # a line below the logger's level goes no further
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
