"""File sink: one JSON line per alert, appended; receivers deduplicate on ``alert_id``.

The file is rotated when it would grow past ``max_bytes`` (``alerts.jsonl`` → ``alerts.jsonl.1`` …,
``keep`` old files kept), so a long run never fills the disk with alerts."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import orjson

ROTATIONS_KEPT = 5


class FileSink:
    def __init__(self, default_path: Path, max_bytes: int = 100 * 1024 * 1024, keep: int = ROTATIONS_KEPT) -> None:
        self.default_path = default_path
        self.max_bytes = max_bytes
        self.keep = keep
        self._lock = asyncio.Lock()  # one rotation at a time; deliveries run concurrently

    async def deliver(self, alert: dict[str, Any], channel: dict[str, Any]) -> None:
        async with self._lock:
            await asyncio.to_thread(self._append, channel.get("path"), orjson.dumps(alert) + b"\n")

    def _append(self, configured: str | None, line: bytes) -> None:
        path = Path(configured).expanduser() if configured else self.default_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_size + len(line) > self.max_bytes:
                self._rotate(path)
        with path.open("ab") as handle:
            handle.write(line)

    def _rotate(self, path: Path) -> None:
        for n in range(self.keep, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if n == self.keep:
                older.unlink(missing_ok=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    older.rename(path.with_name(f"{path.name}.{n + 1}"))
        path.rename(path.with_name(f"{path.name}.1"))
