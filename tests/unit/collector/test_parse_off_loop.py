"""A big feed is parsed off the event loop: other feeds' fetches and /health keep being served."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from services.collector.parse import parse_feed
from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import FeedConfig
from services.common.metrics import Metrics
from services.common.settings import Settings
from services.runner.sample_feeds import SampleFeedServer


def big_feed(items: int) -> str:
    # entries without a link give no article, so nothing is published: the test needs no Kafka
    entry = "<item><title>Entry {n}</title><description>{text}</description></item>"
    text = "Words of a long description. " * 20
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
            + "".join(entry.format(n=n, text=text) for n in range(items)) + "</channel></rss>")


async def longest_stall_while(task: asyncio.Task[None]) -> float:
    """The longest the event loop went without running this coroutine while ``task`` ran."""
    longest, last = 0.0, time.perf_counter()
    while not task.done():
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    await task
    return longest


def test_parsing_a_big_feed_does_not_stall_the_event_loop(tmp_path: Path) -> None:
    body = big_feed(6000)  # ~4 MB
    (tmp_path / "big.xml").write_text(body)
    started = time.perf_counter()
    parse_feed(body.encode())
    parse_seconds = time.perf_counter() - started
    server = SampleFeedServer(tmp_path, "127.0.0.1", 0)
    server.start()
    try:
        settings = Settings(allow_private_addresses="127.0.0.1")
        store = CollectorStore(tmp_path / "state.sqlite3")
        metrics = Metrics("collector")
        collector = Collector(settings, [FeedConfig("big", f"{server.url}/big.xml", "big", 300.0)],
                              None, store, metrics)  # type: ignore[arg-type]

        async def run() -> float:
            return await longest_stall_while(asyncio.create_task(collector.poll_round()))

        stall = asyncio.run(run())
        store.close()
    finally:
        server.stop()
    assert metrics.details["feeds"]["big"]["status"] == "ok", metrics.details["feeds"]["big"]
    # relative, not a wall-time budget: parsed on the loop, the stall is the whole parse
    assert stall < parse_seconds / 2, f"event loop stalled {stall:.2f}s; parsing takes {parse_seconds:.2f}s"
