"""The LLM gateway: the only place that talks to language models, and the only importer of litellm.

``stream_reply`` and ``complete_json`` for calls, ``demo_mode`` and ``model_label`` for the UI,
prompt assembly in ``prompts``. Importing the package is cheap: litellm loads only for a call that
needs it (Gemini), in ``providers``.
"""

from __future__ import annotations

import os

# The product never reaches out on its own: litellm reads its model cost map from disk.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

from llm.base import CallStats, JsonResult, LLMError, Purpose  # noqa: E402
from llm.deployments import reset_gateway  # noqa: E402
from llm.gateway import ReplyStream, complete_json, demo_mode, model_label, stream_reply  # noqa: E402

__all__ = [
    "CallStats",
    "JsonResult",
    "LLMError",
    "Purpose",
    "ReplyStream",
    "complete_json",
    "demo_mode",
    "model_label",
    "reset_gateway",
    "stream_reply",
]
