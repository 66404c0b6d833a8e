#!/usr/bin/env python3
"""Start the web tier: ``WEB_CONCURRENCY`` daphne processes (default: one per core) on one port.

Each daphne process gets a listening socket of its own on the port (``daphne --fd``), opened here
with ``SO_REUSEPORT``, so the kernel shares new connections out evenly among the processes:
pages, the API, SSE and sockets are served by all of them. (One socket shared by all, where the
system has no ``SO_REUSEPORT``, gives each connection to whichever process accepts first, and a
process woken by a burst accepts most of it at once.) A port already in use is refused. With more
than one process the Prometheus metrics are kept in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
temporary folder unless set), so ``/metrics`` on any process adds up all of them. SIGINT/SIGTERM
stop every process; if one process dies, the others are stopped too and the exit status says so
(a supervisor, the container runtime or ``scripts/run.sh`` restarts the tier).

Usage: ``python scripts/web.py [--bind 127.0.0.1] [--port 8000] [--processes N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APPLICATION = "workplace_roleplay.asgi:application"


def process_count(value: str | None) -> int:
    """``WEB_CONCURRENCY`` as a positive number, or one process per core."""
    try:
        count = int(value) if value else 0
    except ValueError:
        count = 0
    return count if count > 0 else (os.cpu_count() or 1)


def listen(host: str, port: int, count: int = 1) -> list[socket.socket]:
    """``count`` listening sockets on one port (the port the first one got, for port 0), or one
    shared socket where the system cannot spread connections over several.

    A port something already listens on is refused (``OSError``, address in use), as with one
    socket: ``SO_REUSEPORT`` alone would let a second tier share it with the first."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    spread = hasattr(socket, "SO_REUSEPORT")
    if spread and port:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))  # without SO_REUSEPORT: refused where anyone listens
    sockets: list[socket.socket] = []
    for _ in range(count if spread else 1):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if spread:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, sockets[0].getsockname()[1] if sockets else port))
        sock.listen(2048)
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def metrics_folder(processes: int) -> str | None:
    """The shared metrics folder, emptied for this start (a folder we made is removed at the end)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for entry in path.glob("*.db"):
            entry.unlink()
        return None
    if processes == 1:
        return None
    made = tempfile.mkdtemp(prefix="wr-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--processes", type=int, default=process_count(os.environ.get("WEB_CONCURRENCY")))
    parser.add_argument("daphne_args", nargs="*", help="passed on to daphne (after --)")
    args = parser.parse_args()
    processes = max(1, args.processes)
    made = metrics_folder(processes)
    sockets = listen(args.bind, args.port, processes)
    children = []
    for number in range(processes):
        sock = sockets[number % len(sockets)]
        command = [sys.executable, "-m", "daphne", "--fd", str(sock.fileno()), *args.daphne_args, APPLICATION]
        children.append(subprocess.Popen(command, pass_fds=(sock.fileno(),)))  # noqa: S603
    for sock in sockets:
        sock.close()  # the children hold them

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while not stopping:
            ended = [child for child in children if child.poll() is not None]
            if ended:
                status = ended[0].returncode or 1
                stop(signal.SIGTERM, None)
                break
            time.sleep(0.5)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)
    return 0 if stopping and not status else status


if __name__ == "__main__":
    sys.exit(main())
