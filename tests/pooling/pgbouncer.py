"""PgBouncer in transaction pooling mode in front of the local PostgreSQL, as production runs it.

Debian's `pgbouncer` (1.18 here: no prepared-statement support of its own), started in the foreground on
a free loopback port with its configuration in a directory of its own, and stopped when done. Every
database of the server is reachable under its own name (`* =`), so the databases the tests and benches
make for themselves need no configuring. Trust authentication, as the local PostgreSQL has it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 10.0
HOW_TO_INSTALL = "pgbouncer is not installed: apt-get install -y pgbouncer"


def executable() -> str | None:
    return shutil.which("pgbouncer") or next(
        (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(path, os.X_OK)), None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class PgBouncer:
    """One pgbouncer process; `url_of` turns a direct PostgreSQL URL into the same database through it."""

    def __init__(
        self,
        server_host: str = HOST,
        server_port: int = 5432,
        *,
        pool_size: int = 20,
        max_client_connections: int = 1000,
        user: str = "postgres",
    ) -> None:
        self.server_host, self.server_port = server_host, server_port
        self.pool_size, self.max_client_connections, self.user = pool_size, max_client_connections, user
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path | None:
        return self.directory / "pgbouncer.log" if self.directory else None

    def url_of(self, direct_url: str) -> str:
        parts = urlsplit(direct_url)
        netloc = parts.netloc.rsplit("@", 1)
        credentials = netloc[0] + "@" if len(netloc) == 2 else ""
        return urlunsplit(parts._replace(netloc=f"{credentials}{HOST}:{self.port}"))

    def start(self) -> PgBouncer:
        program = executable()
        if program is None:
            raise FileNotFoundError(HOW_TO_INSTALL)
        # Readable by the user pgbouncer drops to when started as root (it refuses to run as root).
        self.directory = Path(tempfile.mkdtemp(prefix="faktura-pgbouncer-"))
        self.directory.chmod(0o755)
        self.port = _free_port()
        userlist = self.directory / "userlist.txt"
        userlist.write_text(f'"{self.user}" ""\n')
        config = self.directory / "pgbouncer.ini"
        config.write_text(self._config(userlist))
        for path in (userlist, config):
            path.chmod(0o644)
        command = [program, str(config)]
        if os.geteuid() == 0:
            command += ["-u", self.user]
        assert self.log_path is not None
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _config(self, userlist: Path) -> str:
        return "\n".join(
            [
                "[databases]",
                f"* = host={self.server_host} port={self.server_port}",
                "[pgbouncer]",
                f"listen_addr = {HOST}",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {userlist}",
                "pool_mode = transaction",
                f"default_pool_size = {self.pool_size}",
                f"max_client_conn = {self.max_client_connections}",
                # psycopg and pg_dump may send these at connect; PgBouncer refuses unknown ones.
                "ignore_startup_parameters = extra_float_digits,options",
                f"admin_users = {self.user}",
                "",
            ]
        )

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
                return
            time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not start; its log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            assert self.log_path is not None
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (AssertionError, OSError):
            return "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # immediate shutdown: clients are done by now
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
