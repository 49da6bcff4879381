"""Alert channels: the file sink appends JSON lines, the webhook retries server errors only."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from services.alerter.sinks.file import FileSink
from services.alerter.sinks.webhook import WebhookError, WebhookSink
from services.common.netguard import AddressPolicy

ALERT: dict[str, Any] = {"alert_id": "a" * 24, "subscription_id": "s1"}
LOOPBACK = AddressPolicy.parse("127.0.0.1")  # the test receivers; the guard refuses loopback otherwise


async def test_the_file_sink_appends_one_json_line_per_alert(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "default.jsonl")
    await sink.deliver(ALERT, {"kind": "file"})
    await sink.deliver(ALERT, {"kind": "file", "path": str(tmp_path / "other" / "mine.jsonl")})
    assert [orjson.loads(x) for x in (tmp_path / "default.jsonl").read_bytes().splitlines()] == [ALERT]
    assert (tmp_path / "other" / "mine.jsonl").exists()


async def serve(statuses: list[int]) -> tuple[web.AppRunner, str, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"body": await request.json(), "id": request.headers.get("X-Attache-Alert-Id")})
        return web.Response(status=statuses[min(len(received), len(statuses)) - 1])

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hook", received


async def test_the_webhook_retries_a_server_error_then_delivers() -> None:
    runner, url, received = await serve([503, 200])
    sink = WebhookSink(attempts=3, policy=LOOPBACK)
    try:
        await sink.deliver(ALERT, {"kind": "webhook", "url": url})
    finally:
        await sink.close()
        await runner.cleanup()
    assert len(received) == 2 and received[-1] == {"body": ALERT, "id": ALERT["alert_id"]}


async def test_the_webhook_does_not_retry_a_client_error_and_says_why() -> None:
    runner, url, received = await serve([404])
    sink = WebhookSink(attempts=3, policy=LOOPBACK)
    try:
        with pytest.raises(WebhookError, match="HTTP 404"):
            await sink.deliver(ALERT, {"kind": "webhook", "url": url})
    finally:
        await sink.close()
        await runner.cleanup()
    assert len(received) == 1


def test_the_alerts_file_is_rotated_and_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    sink = FileSink(path, max_bytes=200, keep=2)

    async def deliver_all() -> None:
        for n in range(20):
            await sink.deliver({**ALERT, "alert_id": f"{n:024d}"}, {"kind": "file"})

    asyncio.run(deliver_all())
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["alerts.jsonl", "alerts.jsonl.1", "alerts.jsonl.2"]
    assert all(p.stat().st_size <= 200 for p in tmp_path.iterdir())
    newest = [orjson.loads(line)["alert_id"] for line in path.read_bytes().splitlines()]
    assert newest[-1] == f"{19:024d}"  # the latest alert is in the current file
