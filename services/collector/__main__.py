"""Entry point: ``python -m services.collector`` (or ``attache collector``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from services.collector.reconcile import reconcile_pending
from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import load_feeds
from services.common.kafka import make_producer
from services.common.logging import configure_logging, get_logger
from services.common.metrics import HealthServer, Metrics
from services.common.settings import Settings, get_settings


async def run_collector(settings: Settings) -> None:
    log = get_logger("collector")
    feeds = load_feeds(settings.feeds_file)
    metrics = Metrics("collector")
    async with contextlib.AsyncExitStack() as cleanup:  # whatever started is closed, even if start-up fails
        store = CollectorStore(settings.resolved_data_dir / "collector" / "state.sqlite3")
        cleanup.callback(store.close)
        producer = await asyncio.to_thread(make_producer, settings, "attache-collector")
        collector = Collector(settings, feeds, producer, store, metrics)
        # the collector replaces its producer after unconfirmed sends: close whichever it holds at the end
        cleanup.push_async_callback(asyncio.to_thread, collector.close_producer, 10)
        await reconcile_pending(settings, store)  # sends a crash interrupted: in Kafka already, or to redo
        health = HealthServer(metrics, settings.health_host, settings.health_port, settings.health_details)
        await health.start()
        cleanup.push_async_callback(health.stop)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        enabled = sum(1 for feed in feeds if feed.enabled)
        if not enabled:
            log.warning("no enabled feed in the feeds file: nothing to poll", feeds_file=str(settings.feeds_file))
        log.info("collector started", feeds=enabled, disabled=len(feeds) - enabled, topic=settings.topic("articles"))
        await collector.run(stop)
    log.info("collector stopped")


def main() -> None:
    settings = get_settings()
    configure_logging(settings, "collector")
    asyncio.run(run_collector(settings))


if __name__ == "__main__":
    main()
