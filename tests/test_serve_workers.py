"""`faktura serve --workers N`: a listening socket per process, a dead one replaced, all stopped at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.machine import spawned_children
from tests.live import free_port, wait_until_ready

FAKTURA = [sys.executable, "-m", "faktura.cli"]
PROC = Path("/proc")
CONNECTIONS = 24

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT (Linux)")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path)}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    return env


def _sockets(pid: int) -> set[int]:
    inodes = set()
    for fd in (PROC / str(pid) / "fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _on_port(port: int, state: str) -> set[int]:
    """Inodes of the server's sockets on `port` in a state of /proc/net/tcp (0A listening, 01 open)."""
    inodes = set()
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def _wait_for(condition: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_each_process_listens_itself_and_a_dead_one_is_replaced(env: dict[str, str]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*FAKTURA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base)
        _wait_for(lambda: len(spawned_children(server.pid)) == 2)
        first, second = spawned_children(server.pid)
        listening = _on_port(port, "0A")
        assert len(listening) == 2
        # A process holds its socket once it has started; the first to answer may be alone so far.
        _wait_for(lambda: all(_sockets(pid) & listening for pid in (first, second)))
        assert len(_sockets(first) & listening) == 1
        assert len(_sockets(second) & listening) == 1
        assert _sockets(first) & listening != _sockets(second) & listening

        # The kernel spreads new connections over both sockets.
        clients = [httpx.Client(base_url=base) for _ in range(CONNECTIONS)]
        try:
            for client in clients:
                assert client.get("/api/v1/Currencies").status_code in (200, 401)
            accepted = _on_port(port, "01")
            held = [len(_sockets(pid) & accepted) for pid in (first, second)]
            assert sum(held) == CONNECTIONS
            assert all(count > 0 for count in held), held
        finally:
            for client in clients:
                client.close()

        os.kill(first, signal.SIGKILL)
        _wait_for(
            lambda: first not in spawned_children(server.pid) and len(spawned_children(server.pid)) == 2
        )
        replacement = next(pid for pid in spawned_children(server.pid) if pid != second)
        _wait_for(lambda: bool(_sockets(replacement) & listening))
        for _ in range(CONNECTIONS):
            with httpx.Client(base_url=base) as client:
                assert client.get("/api/v1/Currencies").status_code in (200, 401)
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "starting another" in output
    assert output.count("Finished server process") >= 2
    assert spawned_children(server.pid) == []


def test_a_port_in_use_is_a_clear_error(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*FAKTURA, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr
