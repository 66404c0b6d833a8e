"""A finished session's transcript as files (Markdown and JSON) in Django's default storage.

The file system under ``MEDIA_ROOT`` by default, an S3-compatible bucket when ``STORAGES`` says
so. Files are served only through the download view, which checks who may see the session.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from watch import selectors
from watch.commentary import commentary_view
from watch.models import Author, WatchSession

FORMATS = {"md": "text/markdown; charset=utf-8", "json": "application/json; charset=utf-8"}


def transcript_name(session: WatchSession, fmt: str) -> str:
    # "v2": files written before the Markdown was escaped are never served; they are written anew.
    return f"watch/transcripts/v2/{session.id}.{fmt}"


def transcript_data(session: WatchSession) -> dict[str, Any]:
    return {
        "session": {
            "id": str(session.id),
            "title": session.title,
            "theme": session.theme,
            "language": session.language,
            "personas": session.persona_summaries(),
            "state": session.state,
            "stepped_in_seat": session.seat,
            "started_at": session.started_at.isoformat(),
            "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        },
        "messages": selectors.transcript_lines(session=session),
        "commentary": session.commentary,
    }


# Text as it reads, never as markup: no raw HTML and no link of any kind (``javascript:`` included).
_MARKDOWN_ESCAPES = str.maketrans({"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"})


def _md(text: object) -> str:
    return str(text).translate(_MARKDOWN_ESCAPES)


def _speaker(line: dict[str, Any], session: WatchSession) -> str:
    you = " (あなた)" if session.language == "ja" else " (you)"
    return _md(line["speaker"]) + (you if line["author"] == Author.LEARNER else "")


def _started(session: WatchSession) -> str:
    """When the session started, in the learner's time zone (as the pages show it)."""
    local = timezone.localtime(session.started_at)
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def transcript_markdown(session: WatchSession) -> str:
    data = transcript_data(session)
    personas = " / ".join(_md(p["label"]) for p in data["session"]["personas"])
    lines = [f"# {_md(session.title)}", "", f"- {personas}", f"- {_started(session)}", ""]
    for line in data["messages"]:
        note = " *(interrupted)*" if line["status"] == "interrupted" else ""
        text = _md(line["content"]).replace("\n", "  \n")
        lines.append(f"**{_speaker(line, session)}**: {text}{note}")
        lines.append("")
    view = commentary_view(session.commentary, [p["label"] for p in data["session"]["personas"]], session.language)
    if view["commentary_sections"]:
        lines += ["## Commentary", "", _md(view["overview"]), ""]
        for heading, summary, notes in view["commentary_sections"]:
            lines += [f"### {_md(heading)}", "", _md(summary), ""]
            lines += [_commentary_note(axis, comment, quote) for axis, comment, quote in notes]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _commentary_note(axis: str, comment: str, quote: str) -> str:
    return f"- **{_md(axis)}**: {_md(comment)}" + (f" 「{_md(quote)}」" if quote else "")


def transcript_write(session: WatchSession) -> None:
    """(Re)write both files of the session."""
    contents = {
        "md": transcript_markdown(session),
        "json": json.dumps(transcript_data(session), ensure_ascii=False, indent=2),
    }
    for fmt, text in contents.items():
        name = transcript_name(session, fmt)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(text.encode("utf-8")))


def transcript_read(session: WatchSession, fmt: str) -> bytes:
    name = transcript_name(session, fmt)
    if not default_storage.exists(name):
        transcript_write(session)
    with default_storage.open(name, "rb") as handle:
        return bytes(handle.read())
