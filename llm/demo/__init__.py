"""The offline demo partner: in-character replies and schema-valid JSON with no model at all.

It reads only what a real model would: the persona lines of the system prompt (see
``prompts.PERSONA_LABELS``), the learner's lines, and for structured answers the JSON schema from
``response_format``, which it fills generically, deriving scores and quotes from the transcript.
Deterministic (the same conversation gives the same answer) and total: any input gives an answer.
"""

from llm.demo.judge import Assessment, assess, fill_schema, json_answer
from llm.demo.partner import reply_text, tokens
from llm.demo.reading import AXES, DemoPersona, Transcript, _text, language_of, read_persona, read_transcript

__all__ = [
    "AXES",
    "Assessment",
    "DemoPersona",
    "Transcript",
    "_text",
    "assess",
    "fill_schema",
    "json_answer",
    "language_of",
    "read_persona",
    "read_transcript",
    "reply_text",
    "tokens",
]
