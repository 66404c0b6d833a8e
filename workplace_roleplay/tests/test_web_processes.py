"""``scripts/web.py``: the web tier as one daphne process per core on one port, its metrics added up."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_until_served(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def web_tier(tmp_path: Path) -> Any:
    port = _free_port()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base",
        "DJANGO_SECRET_KEY": "web-tier-test-key-" + "x" * 40,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "WEB_CONCURRENCY": "2",
        "RATE_LIMIT_PAGE": "100000/m",  # every request below comes from one address
    }
    process = subprocess.Popen(  # noqa: S603 - this interpreter with the repository's own script
        [sys.executable, "scripts/web.py", "--port", str(port)], cwd=ROOT, env=env
    )
    try:
        _wait_until_served(f"http://127.0.0.1:{port}/healthz")
        yield process, f"http://127.0.0.1:{port}", tmp_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def test_every_process_serves_the_metrics_add_up_and_stopping_stops_them_all(web_tier: Any) -> None:
    process, url, metrics_dir = web_tier
    workers = _children(process.pid)
    assert len(workers) == 2

    def get(_: int) -> int:
        with httpx.Client(timeout=10) as client:  # a new connection each time: any process may take it
            return client.get(f"{url}/accounts/login/").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(get, range(200)))
    assert statuses == [200] * 200

    served_by = {int(match) for name in os.listdir(metrics_dir) for match in re.findall(r"_(\d+)\.db$", name)}
    assert set(workers) <= served_by  # each daphne process answered some of them

    body = httpx.get(f"{url}/metrics", timeout=10).text
    counted = re.search(r'^django_http_requests_total_by_method_total\{method="GET"\} (\d+(?:\.\d+)?)$', body, re.M)
    assert counted is not None and float(counted.group(1)) >= 200  # one figure for the whole tier

    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_when_one_process_dies_the_tier_stops_and_says_so(web_tier: Any) -> None:
    process, _url, _ = web_tier
    first, second = _children(process.pid)
    os.kill(first, signal.SIGKILL)
    assert process.wait(30) != 0
    assert not Path(f"/proc/{second}").exists() or "zombie" in Path(f"/proc/{second}/status").read_text()


def _connections_held(pid: int, port: int) -> int:
    """How many accepted TCP connections on ``port`` process ``pid`` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    held = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        held += local_port == port and state == "01" and inode in inodes  # 01: established
    return held


def test_a_burst_of_connections_is_shared_out_among_the_processes(web_tier: Any) -> None:
    process, url, _ = web_tier
    workers = _children(process.pid)
    port = int(url.rsplit(":", 1)[1])
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]  # all at once, held open
    try:
        deadline = time.monotonic() + 10
        while (held := [_connections_held(pid, port) for pid in workers]) and sum(held) < 200:
            assert time.monotonic() < deadline, held
            time.sleep(0.1)
        assert min(held) >= 60, held  # an even share is 100 each
    finally:
        for client in clients:
            client.close()


def test_a_second_tier_on_a_port_already_served_does_not_start(web_tier: Any) -> None:
    _process, url, _ = web_tier
    port = url.rsplit(":", 1)[1]
    second = subprocess.run(  # noqa: S603 - this interpreter with the repository's own script
        [sys.executable, "scripts/web.py", "--port", port, "--processes", "1"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    assert "Address already in use" in second.stderr
