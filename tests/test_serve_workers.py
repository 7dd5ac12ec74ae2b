"""`faktura serve --workers N`: the parent listens and passes connections to the processes in turn; a dead
process is replaced and the connections waiting for it are served; all stop at once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from bench.machine import spawned_children
from faktura.server import SERVING, _Server
from tests.live import free_port, wait_until_ready

FAKTURA = [sys.executable, "-m", "faktura.cli"]
PROC = Path("/proc")
CONNECTIONS = 24

pytestmark = pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="needs SCM_RIGHTS (Unix)")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path)}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    return env


def _sockets(pid: int) -> set[int]:
    inodes = set()
    for fd in (PROC / str(pid) / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue  # closed meanwhile
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


def _serve(env: dict[str, str], port: int, *, output: bool = True) -> subprocess.Popen[bytes]:
    """`faktura serve --workers 2`, its output kept (stdout and stderr together) or dropped."""
    kept = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen(
        [*FAKTURA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=kept,
        stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
    )


def _kill_left(pids: list[int]) -> None:
    for pid in pids:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def _held(pids: tuple[int, ...], port: int) -> list[int]:
    return [len(connections) for connections in _connections(pids, port)]


def _connections(pids: tuple[int, ...], port: int) -> list[set[int]]:
    """The accepted connections each process holds, by socket."""
    accepted = _on_port(port, "01")
    return [_sockets(pid) & accepted for pid in pids]


def test_connections_are_passed_in_turn_and_a_dead_process_is_replaced(env: dict[str, str]) -> None:
    port = free_port()
    server = _serve(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base)
        _wait_for(lambda: len(spawned_children(server.pid)) == 2)
        first, second = spawned_children(server.pid)
        # The parent alone listens; the processes hold no listening socket of their own.
        listening = _on_port(port, "0A")
        assert len(listening) == 1
        assert listening <= _sockets(server.pid)
        assert not (_sockets(first) | _sockets(second)) & listening

        # Keep-alive connections are spread evenly, whatever their addresses.
        clients = [httpx.Client(base_url=base) for _ in range(CONNECTIONS)]
        try:
            for client in clients:
                assert client.get("/api/v1/Currencies").status_code in (200, 401)
            held = _held((first, second), port)
            # The readiness probe's connection may still be open in one of them.
            assert sorted(held) in ([CONNECTIONS // 2] * 2, [CONNECTIONS // 2, CONNECTIONS // 2 + 1]), held
            assert not _sockets(server.pid) & _on_port(port, "01"), "the parent keeps no connection"

            os.kill(first, signal.SIGKILL)
            _wait_for(
                lambda: first not in spawned_children(server.pid) and len(spawned_children(server.pid)) == 2
            )
            replacement = next(pid for pid in spawned_children(server.pid) if pid != second)
            # The survivor's connections go on; new ones are served, by both once the replacement is up.
            for client in clients:
                try:
                    client.get("/healthz")
                except httpx.TransportError:
                    continue  # one that the killed process held
            # New connections go to the survivor until the replacement is up, then to both in turn.
            fresh: list[httpx.Client] = []
            try:

                def replacement_serves() -> bool:
                    fresh.append(httpx.Client(base_url=base))
                    assert fresh[-1].get("/healthz").status_code == 200
                    return _held((replacement,), port) != [0]

                _wait_for(replacement_serves)
                before = _connections((second, replacement), port)
                for _ in range(4):
                    fresh.append(httpx.Client(base_url=base))
                    assert fresh[-1].get("/healthz").status_code == 200
                after = _connections((second, replacement), port)
                # Counted by socket: an idle connection the server closes meanwhile (keep-alive timeout)
                # is no new one.
                new = [len(now - then) for then, now in zip(before, after, strict=True)]
                assert new == [2, 2], (before, after)
            finally:
                for client in fresh:
                    client.close()
        finally:
            for client in clients:
                client.close()
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "starting another" in output
    assert output.count("Finished server process") >= 2
    assert spawned_children(server.pid) == []


@pytest.mark.parametrize("when", ["serving", "starting"])
def test_a_process_outlives_no_parent(env: dict[str, str], when: str) -> None:
    """A killed parent leaves no process behind: each finds its channel closed and stops, whether it was
    serving or still starting (the parent may die with a process's first message unread)."""
    port = free_port()
    server = _serve(env, port, output=False)
    children: list[int] = []
    try:
        if when == "serving":
            wait_until_ready(f"http://127.0.0.1:{port}")
        _wait_for(lambda: len(spawned_children(server.pid)) == 2)
        children = spawned_children(server.pid)
        if when == "serving":
            time.sleep(1.0)  # both up, not only the first to answer
        server.kill()
        server.wait(timeout=30)
        _wait_for(lambda: not any(_running(pid) for pid in children))
    finally:
        _kill_left(children)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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


@pytest.mark.parametrize("unread", [False, True])
async def test_a_closed_channel_stops_the_process(unread: bool) -> None:
    """The parent's end closing, with nothing in it or with our SERVING still unread, stops taking."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server = _Server(uvicorn.Config("faktura.app:serving_app", factory=True), child_end)
    child_end.setblocking(False)
    if unread:
        child_end.send(SERVING)
    parent_end.close()
    loop = asyncio.get_running_loop()
    loop.add_reader(child_end.fileno(), server._take_connections)
    try:
        for _ in range(100):
            if server.should_exit:
                break
            await asyncio.sleep(0.01)
        assert server.should_exit
        await asyncio.sleep(0.05)
        assert not loop.remove_reader(child_end.fileno()), "the channel is no longer read"
    finally:
        loop.remove_reader(child_end.fileno())
        child_end.close()


def test_a_process_that_ends_before_it_serves_stops_the_server(env: dict[str, str]) -> None:
    """Another process would fail alike (a broken install, say): no endless restarts, exit code 3."""
    port = free_port()
    server = _serve(env, port)
    children: list[int] = []
    try:
        _wait_for(lambda: len(spawned_children(server.pid)) == 2, seconds=30)
        children = spawned_children(server.pid)
        os.kill(children[0], signal.SIGKILL)  # still importing: it has not served
        output = server.communicate(timeout=60)[0].decode()
    finally:
        if server.poll() is None:
            server.kill()
        _kill_left(children)
    assert server.returncode == 3, output
    assert f"Server process [{children[0]}] ended (exit code -9) before it served; stopping" in output
    assert "starting another" not in output
    assert not any(_running(pid) for pid in children)
