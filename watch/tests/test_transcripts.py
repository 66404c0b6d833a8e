"""The transcript files: the model's text reads as text in any Markdown viewer; UTF-8; local time."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from markdown_it import MarkdownIt

from watch.models import State, WatchSession
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    "[続きはこちら](javascript:alert(document.cookie))",
    '<img src=x onerror="alert(1)">',
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "\\[escaped](javascript:alert(1))",
]
COMMENTARY = {
    "overview": "<b onmouseover=alert(1)>全体</b>",
    "first": {
        "summary": "[詳しく](javascript:alert(1))",
        "did_well": [{"axis": "empathy", "comment": "<script>x()</script>", "quote": "<a href='javascript:x'>q</a>"}],
    },
    "second": {"summary": "ok", "did_well": []},
}


def _ended_session(**fields: Any) -> WatchSession:
    session = WatchSessionFactory(state=State.STOPPED, commentary=COMMENTARY, **fields)
    for seq, text in enumerate(HOSTILE, start=1):
        WatchMessageFactory(session=session, persona=seq % 2, content=text, seq=seq)
    return session


def _download(client: Any, session: WatchSession, fmt: str) -> bytes:
    client.force_login(session.user)
    response = client.get(reverse("watch:download", args=[session.id, fmt]))
    assert response.status_code == 200
    return bytes(response.content)


def test_it_never_lets_the_markdown_carry_html_or_links(client: Any) -> None:
    markdown = _download(client, _ended_session(), "md").decode()
    viewer = MarkdownIt("commonmark")  # a viewer that renders raw HTML and follows any link
    viewer.validateLink = lambda url: True
    html = viewer.render(markdown)
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert "<a " not in html  # no link at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the text itself is kept, readable
    assert "続きはこちら" in html and "全体" in html


def test_it_writes_the_json_transcript_as_utf8(client: Any) -> None:
    session = _ended_session(title="雑談の練習")
    WatchMessageFactory(session=session, persona=0, content="おはようございます", seq=99)
    body = _download(client, session, "json")
    assert "おはようございます".encode() in body and "雑談の練習".encode() in body
    assert b"\\u" not in body


def test_it_dates_the_markdown_in_the_learners_time_zone(client: Any) -> None:
    session = _ended_session()
    WatchSession.objects.filter(pk=session.pk).update(started_at=dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC))
    session.refresh_from_db()
    markdown = _download(client, session, "md").decode()
    assert "- 2026-01-05 10:30 (JST)" in markdown
    assert "01:30" not in markdown


def test_it_never_serves_a_file_written_before_the_markdown_was_escaped(client: Any) -> None:
    session = _ended_session()
    default_storage.save(f"watch/transcripts/{session.id}.md", ContentFile(b"<script>alert(1)</script>"))
    markdown = _download(client, session, "md").decode()
    assert "<script" not in markdown and "&lt;script&gt;" in markdown
