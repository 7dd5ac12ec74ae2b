"""The local outboxes: files under the data directory that another program picks up.

A file appears whole or not at all: it is written under a hidden temporary name in the same folder,
flushed to disk, then renamed (a rename within one file system is atomic), so a pickup agent that
ignores dot files never reads half a document.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from faktura.config import Settings
from faktura.invoices.delivery.channel import ChannelFailed


def outbox(settings: Settings, name: str) -> Path:
    """`<data_dir>/outbox/<name>`: ehf, email or print."""
    return settings.data_dir / "outbox" / name


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


async def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` in one piece (replacing an earlier run's file of the same name)."""
    try:
        await asyncio.to_thread(_write, path, content)
    except OSError as exc:
        raise ChannelFailed("outbox_unwritable", f"Could not write {path}: {exc.strerror or exc}") from exc
