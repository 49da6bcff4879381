"""File sink: one JSON line per alert, appended; receivers deduplicate on ``alert_id``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson


class FileSink:
    def __init__(self, default_path: Path) -> None:
        self.default_path = default_path

    async def deliver(self, alert: dict[str, Any], channel: dict[str, Any]) -> None:
        await asyncio.to_thread(self._append, channel.get("path"), orjson.dumps(alert) + b"\n")

    def _append(self, configured: str | None, line: bytes) -> None:
        path = Path(configured).expanduser() if configured else self.default_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            handle.write(line)
