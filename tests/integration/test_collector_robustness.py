"""Real-world and hostile feeds: each yields its entries or one clear error, the round never hangs,
memory stays bounded, and a permanent redirect updates the stored address."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import FeedConfig
from services.common.kafka import make_producer
from services.common.metrics import Metrics
from services.common.processes import free_port, port_answers, spawn, terminate
from services.common.settings import Settings
from services.common.setup import run_setup
from services.runner.sample_feeds import SampleFeedServer
from tests.integration.stack import Stack, wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
READABLE = ("rss2-cdata-media.xml", "atom-xhtml.xml", "rss1-rdf.xml", "rss091.xml", "bozo-unescaped.xml",
            "wrong-encoding.xml", "json-feed.json")
REFUSED = {
    "html-page.html": "HTML page", "empty.xml": "empty body", "not-xml.json": "not a json feed",
    "entity-bomb.xml": "entity", "lab-huge": "byte limit", "lab-gzip-bomb": "byte limit",
    "lab-slow": "timed out", "lab-500": "HTTP 500",
}


def rss_bytes() -> int:
    """Resident memory of this process now (not the high-water mark an earlier test may have raised)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def peak_growth() -> Iterator[list[float]]:
    """Sample resident memory every 10 ms inside the block; yields [MB grown at the peak] when done."""
    before, peak, stop = rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result: list[float] = [0.0]
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        result[0] = (max(peak[0], rss_bytes()) - before) / 1024 / 1024


def test_every_feed_yields_entries_or_one_clear_error_without_hanging_or_exhausting_memory(
    stack: Stack, servers: Settings
) -> None:
    settings = servers.model_copy(update={"fetch_timeout_s": 3.0, "max_feed_bytes": 5 * 1024 * 1024})
    run_setup(settings)
    static = SampleFeedServer(FIXTURES, "127.0.0.1", 0)
    static.start()
    lab_port = free_port()
    lab = spawn([sys.executable, "-m", "services.feedlab", "--feeds", "10", "--port", str(lab_port)],
                log_file=stack.root / "feedlab.log")
    lab_url = f"http://127.0.0.1:{lab_port}"
    feeds = [FeedConfig(name, f"{static.url}/{name}", name, 300.0) for name in sorted(p.name for p in
                                                                                      FIXTURES.iterdir())
             if name != "README.md"]
    feeds += [FeedConfig("lab-huge", f"{lab_url}/bad/huge", "huge", 300.0),
              FeedConfig("lab-gzip-bomb", f"{lab_url}/bad/gzip-bomb", "gzip bomb", 300.0),
              FeedConfig("lab-slow", f"{lab_url}/slow/1.xml?s=30", "slow", 300.0),
              FeedConfig("lab-500", f"{lab_url}/status/500", "error", 300.0),
              FeedConfig("lab-moved", f"{lab_url}/moved/3.xml", "moved", 300.0)]
    store = CollectorStore(stack.root / "collector.sqlite3")
    producer = make_producer(settings, "test-collector")  # the collector may replace it; closed below
    metrics = Metrics("collector")
    try:
        wait_for(lambda: port_answers("127.0.0.1", lab_port), 30, "the feed server")
        collector = Collector(settings, feeds, producer, store, metrics)
        started = time.monotonic()
        with peak_growth() as growth:
            asyncio.run(collector.poll_round())
        seconds = time.monotonic() - started
        memory_growth_mb = growth[0]
    finally:
        producer.close(10)
        static.stop()
        terminate(lab, 5)

    status = metrics.details["feeds"]
    assert set(status) == {f.id for f in feeds}
    for feed_id, info in status.items():
        ok = info["status"] == "ok"
        assert ok != bool(info["last_error"]), (feed_id, info)  # entries, or exactly one reason
    for name in READABLE:
        assert status[name]["status"] == "ok" and status[name]["published"] > 0, (name, status[name])
    for name, reason in REFUSED.items():
        assert status[name]["status"] == "failing", (name, status[name])
        assert reason.lower() in status[name]["last_error"].lower(), (name, status[name]["last_error"])
    assert status["lab-moved"]["published"] > 0
    assert store.feed("lab-moved", f"{lab_url}/moved/3.xml").url == f"{lab_url}/feeds/3.xml"
    assert seconds < 3.0 * 2 + 5, f"a round took {seconds:.1f}s with a 3 s fetch timeout"
    # the 5 MB cap holds: a gzip bomb or a huge body would otherwise take hundreds of MB
    assert memory_growth_mb < 100, f"peak memory grew by {memory_growth_mb:.0f} MB"
    print(f"peak resident memory grew by {memory_growth_mb:.1f} MB during the round")
    store.close()
