"""File channel: one JSON line per alert, appended; readers deduplicate on ``alert_id``.

Target: ``{"kind": "file"}`` (the deployment's alerts file) or ``{"kind": "file", "path": "team-a.jsonl"}``,
a path *inside the alerts directory*. Whoever writes a subscription must not choose where the alerter
writes on its machine (``../collector/state.json``, ``/etc/cron.d/x``): a path with a ``..`` part, an
absolute path outside the directory, or one that leads outside through a symlink is refused, and the
file is opened without following a symlink swapped in after the check."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

import orjson

from services.alerter.channels.base import DeliveryResult, Destination, TargetError

ROTATIONS_KEPT = 5
# errors that the same write will meet again; anything else (disk full, I/O error) may pass
_FINAL_ERRNOS = {errno.EACCES, errno.EPERM, errno.ELOOP, errno.EISDIR, errno.ENOTDIR, errno.EROFS, errno.ENAMETOOLONG}


class FileChannel:
    """Appends to ``default_file`` or to a file under ``directory``."""

    kind = "file"

    def __init__(self, directory: Path, default_file: Path | None = None, max_bytes: int = 100 * 1024 * 1024,
                 keep: int = ROTATIONS_KEPT) -> None:
        self.directory = directory.expanduser().resolve()
        self.default_file = (default_file or self.directory / "alerts.jsonl").expanduser().resolve()
        self.max_bytes, self.keep = max_bytes, keep
        self._lock = asyncio.Lock()  # one rotation at a time

    def path_for(self, target: Mapping[str, Any]) -> Path:
        """The file a target appends to; ``TargetError`` for a path outside the alerts directory."""
        wanted = target.get("path")
        if wanted is None:
            return self.default_file
        if not isinstance(wanted, str) or not wanted.strip() or "\x00" in wanted:
            raise TargetError("'path' must be a file name inside the alerts directory", "file (bad path)")
        shown = f"file {wanted[:100]!r}"
        if ".." in PurePath(wanted).parts:
            raise TargetError(f"{wanted[:100]!r}: '..' is not allowed in a file channel's path", shown)
        candidate = Path(wanted)  # no ~ expansion: a home directory is outside by definition
        if not candidate.is_absolute():
            candidate = self.directory / candidate
        resolved = candidate.resolve()  # follows symlinks: where the bytes would really go
        if resolved == self.directory:
            raise TargetError(f"{wanted[:100]!r} is the alerts directory itself, not a file in it", shown)
        if not resolved.is_relative_to(self.directory):
            why = "leads outside it through a symlink" if candidate.absolute().is_relative_to(self.directory) \
                else "is outside it"
            raise TargetError(f"{wanted[:100]!r} {why}: file channels write only inside the alerts directory "
                              f"{self.directory}", shown)
        return resolved

    def destination(self, target: Mapping[str, Any]) -> Destination:
        path = self.path_for(target)
        shown = path.relative_to(self.directory) if path.is_relative_to(self.directory) else path
        return Destination(key=f"file {path}", shown=f"file {shown}")

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        try:
            path = self.path_for(target)
        except TargetError as exc:
            return DeliveryResult.failed(str(exc))
        line = orjson.dumps(alert) + b"\n"
        try:
            async with self._lock:
                await asyncio.to_thread(_rotate_if_full, path, len(line), self.max_bytes, self.keep)
                await asyncio.to_thread(_append, path, line)
        except OSError as exc:
            said = f"cannot append ({os.strerror(exc.errno) if exc.errno else type(exc).__name__})"
            return DeliveryResult.failed(said) if exc.errno in _FINAL_ERRNOS else DeliveryResult.retry(said)
        return DeliveryResult.delivered()

    async def close(self) -> None:
        """Nothing held: the file is opened per alert."""


def _rotate_if_full(path: Path, adding: int, max_bytes: int, keep: int) -> None:
    """A long run never fills the disk with alerts: ``alerts.jsonl`` → ``alerts.jsonl.1`` … (``keep`` kept)
    when the next line would take the file past ``max_bytes``."""
    try:
        if path.stat().st_size + adding <= max_bytes:
            return
    except FileNotFoundError:
        return
    for n in range(keep, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if n == keep:
            older.unlink(missing_ok=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                older.rename(path.with_name(f"{path.name}.{n + 1}"))
    path.rename(path.with_name(f"{path.name}.1"))


def _append(path: Path, line: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a symlink put in place after path_for checked the path is not followed
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
    try:
        written = os.write(fd, line)  # one write to an O_APPEND file: concurrent writers' lines do not interleave
        while written < len(line):
            written += os.write(fd, line[written:])
    finally:
        os.close(fd)
