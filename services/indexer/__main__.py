"""Entry point: ``python -m services.indexer``."""

from __future__ import annotations

import asyncio
import signal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.common.elastic import make_async_es
from services.common.kafka import aiokafka_consumer_options, aiokafka_producer_options
from services.common.logging import configure_logging, get_logger
from services.common.metrics import HealthServer, Metrics
from services.common.redact import redact_text
from services.common.settings import Settings, get_settings
from services.indexer.documents import routes
from services.indexer.service import Indexer


async def run_indexer(settings: Settings) -> None:
    log = get_logger("indexer")
    metrics = Metrics("indexer")
    consumer = AIOKafkaConsumer(
        *routes(settings), group_id=f"{settings.topic_prefix}-indexer", enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=settings.indexer_batch_size,
        **aiokafka_consumer_options(settings),
    )
    producer = AIOKafkaProducer(**aiokafka_producer_options(settings))
    es = make_async_es(settings)
    metrics.checks["kafka"] = lambda: (bool(consumer.assignment()), f"{len(consumer.assignment())} partitions")
    health = HealthServer(metrics, settings.health_host, settings.health_port, settings.health_details)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await health.start()
    await consumer.start()
    await producer.start()
    log.info("indexer started", topics=sorted(routes(settings)), elasticsearch=redact_text(settings.es_url))
    try:
        await Indexer(settings, consumer, producer, es, metrics).run(stop)
    finally:
        await consumer.stop()
        await producer.stop()
        await es.close()
        await health.stop()
        log.info("indexer stopped")


def main() -> None:
    settings = get_settings()
    configure_logging(settings, "indexer")
    asyncio.run(run_indexer(settings))


if __name__ == "__main__":
    main()
