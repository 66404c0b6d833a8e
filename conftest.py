"""Fixtures shared by every app's tests."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Each test starts with an empty cache (Redis database of the test settings) and in the
    default language: a request leaves its language active in the thread, as Django does."""
    cache.clear()
    translation.deactivate()
    yield


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate-limit windows are fixed (django-ratelimit): a test whose requests straddle the end of
    a window would see its counter start again. Each test reads the limiter's clock at one instant."""
    import django_ratelimit.core

    instant = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: instant))


# --- Browser tests: the real ASGI app under daphne, driven by headless Chromium ------------


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>
    ws_url: str  # ws://127.0.0.1:<port>

    def __str__(self) -> str:
        return self.url


def _fresh_thread_executors() -> None:
    """A forked child has none of its parent's threads: asgiref's executor for thread-sensitive
    work (made once the parent ran any) would queue the server's database calls forever."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


def _forget_content_types(**kwargs: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _use_test_database() -> None:
    """In the server process: use the test database (a forked child already names it).

    The server outlives many tests, and each flush recreates content types (and their ids), so
    it forgets the ones it cached at every request."""
    from channels.testing.live import set_database_connection
    from django.core.signals import request_started

    _fresh_thread_executors()
    request_started.connect(_forget_content_types)
    from django.conf import settings
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    if not str(settings.DATABASES["default"]["NAME"]).startswith(TEST_DATABASE_PREFIX):
        set_database_connection()


def _wait_for_server_sessions_to_end(timeout: float = 5.0) -> None:
    """PostgreSQL ends a killed client's session a moment later; the test database is dropped after."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone() == (0,):
                break
        time.sleep(0.05)
    connection.close()


@contextmanager
def live_asgi_process(django_db_blocker: Any, setup: Callable[[], None] | None = None) -> Iterator[LiveServer]:
    """The product's ASGI application served by daphne in a forked process on the test database;
    ``setup`` runs in that process before it serves (e.g. to plant a failure)."""
    from channels.testing.live import DaphneProcess, make_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections
    from django.test.utils import modify_settings

    def child_setup() -> None:
        _use_test_database()
        if setup is not None:
            setup()

    host = "127.0.0.1"
    allowed_hosts = modify_settings(ALLOWED_HOSTS={"append": host})
    allowed_hosts.enable()
    connections.close_all()  # the server process must not inherit this process's database sockets
    for connection in connections.all():
        if hasattr(connection, "close_pool"):
            connection.close_pool()  # nor its pooled ones
    application = partial(make_application, static_wrapper=ASGIStaticFilesHandler)
    server = DaphneProcess(host, application, setup=child_setup)
    with django_db_blocker.unblock():  # the forked server keeps database access
        server.start()
    try:
        while not server.ready.wait(timeout=1):
            if not server.is_alive():
                raise RuntimeError("The live ASGI server stopped while starting")
        port = server.port.value
        yield LiveServer(url=f"http://{host}:{port}", ws_url=f"ws://{host}:{port}")
    finally:
        server.terminate()
        server.join()
        allowed_hosts.disable()
        with django_db_blocker.unblock():
            _wait_for_server_sessions_to_end()


@pytest.fixture(scope="session")
def _live_asgi_process(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    with live_asgi_process(django_db_blocker) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def _live_server_forked_first(request: pytest.FixtureRequest, _fake_llm_server: Any) -> None:
    """litellm's native runtime does not survive fork(): when the session has browser tests,
    the live server is forked before any test has made a model call."""
    if any(item.get_closest_marker("browser") for item in request.session.items):
        request.getfixturevalue("_live_asgi_process")


@pytest.fixture
def live_asgi_server(_live_asgi_process: LiveServer, transactional_db: None) -> LiveServer:
    """The whole product (HTTP, WebSockets, static files) served by daphne on the test database.

    The server runs in another process, so it only sees committed data: this fixture brings
    ``transactional_db`` with it. Use ``live_asgi_server.url`` / ``.ws_url``.
    """
    return _live_asgi_process


@pytest.fixture
def browser_page(live_asgi_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Playwright (sync API) page in headless Chromium, Japanese locale, on the live server.

    Relative URLs work: ``browser_page.goto("/accounts/signup/")``. Mark the test
    ``@pytest.mark.browser``.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_asgi_server.url, locale="ja-JP")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
            # Database connections opened while Playwright ran belong to its event loop's context.
            connections.close_all()


# --- LLM: a fake OpenAI-compatible model server on 127.0.0.1 ----------------------------------


@pytest.fixture(scope="session", autouse=True)
def _fake_llm_server() -> Iterator[Any]:
    """Tests never reach a real model: for the whole session settings.LLM points at the fake
    server (a live server process forked later inherits that too). Its default reply is short."""
    from django.conf import settings

    from testing.fake_llm import fake_settings, running

    with running() as server:
        original = settings.LLM
        settings.LLM = fake_settings(server.base_url)
        yield server
        settings.LLM = original


@pytest.fixture
def fake_llm(_fake_llm_server: Any, settings: Any) -> Iterator[Any]:
    """The fake model server, scripted per test (``testing/fake_llm.py``)::

        fake_llm.reply(tokens=["こん", "にちは"], delay=0.0)   # next request(s) stream these tokens
        fake_llm.reply_json({...})                            # next request answers this JSON text
        fake_llm.fail(status=500) / fake_llm.fail(status=429) / fake_llm.hang() / fake_llm.cut_after(2)
        fake_llm.requests                                     # request bodies received (dicts)
        fake_llm.add_fallback(); fake_llm.fail(500, model=fake_llm.SECONDARY)   # first fails, PRIMARY answers

    Each test starts with no scripts, fresh deployments' health and settings.LLM pointing at the server.
    """
    from testing.fake_llm import FakeLLM

    fake = FakeLLM(_fake_llm_server, settings)
    yield fake
    fake.close()
