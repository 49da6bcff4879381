"""Faust wiring shared by the stream processors (tagger, alerter).

Topics are created by ``attache setup`` from ``schemas/topics.yaml``, never declared by faust;
values travel as raw JSON bytes so every service validates them against ``schemas/`` itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import faust
import mode
from faust.transport.drivers.aiokafka import Producer as AIOKafkaProducerDriver

from services.common.kafka import CONSUMER_FETCH_BYTES, kafka_ssl_context
from services.common.logging import configure_logging, get_logger
from services.common.metrics import HealthServer, Metrics
from services.common.settings import Settings

log = get_logger(__name__)
EXIT_OUTPUT_LOST = 75  # EX_TEMPFAIL: try again


def make_app(settings: Settings, app_id: str) -> faust.App:
    datadir = settings.resolved_data_dir / "faust" / app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)  # faust creates only the last level
    return _App(
        settings,
        f"{settings.topic_prefix}-{app_id}",
        broker=[f"kafka://{host}" for host in settings.kafka_hosts],
        web_enabled=False,
        topic_allow_declare=False,
        topic_disable_leader=True,
        store="memory://",
        datadir=str(datadir),
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=settings.kafka_max_message_bytes,
        consumer_max_fetch_size=CONSUMER_FETCH_BYTES,
        broker_credentials=faust_credentials(settings),
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        key_serializer="raw",
        value_serializer="raw",
        stream_wait_empty=True,
    )


class _IdempotentProducer(AIOKafkaProducerDriver):
    """faust's aiokafka producer asks for idempotence only inside transactions (which Attaché does not
    use); this one asks for it whenever ``ATTACHE_KAFKA_IDEMPOTENCE`` is on, so a send that aiokafka
    retries after a lost acknowledgement is not written twice."""

    idempotence: bool = True

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": self.idempotence}


class _App(faust.App):
    """A faust app whose producer follows Attaché's settings (idempotence)."""

    def __init__(self, settings: Settings, *args: Any, **kwargs: Any) -> None:
        self._idempotence = settings.kafka_idempotence
        super().__init__(*args, **kwargs)

    def _new_producer(self) -> Any:
        producer = _IdempotentProducer(self.transport, loop=self.loop, beacon=self.beacon)
        producer.idempotence = self._idempotence
        return producer


def faust_credentials(settings: Settings) -> Any:
    """ATTACHE_KAFKA_SECURITY_PROTOCOL and friends as faust credentials (None for plaintext)."""
    context = kafka_ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL"):
        return faust.SASLCredentials(username=settings.kafka_sasl_username,
                                     password=settings.kafka_sasl_password.get_secret_value(),
                                     ssl_context=context, mechanism=settings.kafka_sasl_mechanism)
    return faust.SSLCredentials(context) if context is not None else None


def raw_topic(app: faust.App, name: str) -> Any:
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


PROBE_INTERVAL_S = 5.0
PROBE_TIMEOUT_S = 10.0
STALL_S = 120.0


class ConsumerHealth:
    """What the ``consumer`` check reports, from a probe that asks the broker for the input partitions'
    end offsets every few seconds and from the agent's own progress marks. It fails when nothing can be
    consumed: no partition assigned, the broker not answering, or new input arriving while the agent
    has processed nothing for ``STALL_S`` (a hung handler)."""

    def __init__(self, now: float) -> None:
        self.last_progress = now
        self.assigned = 0
        self.answered_at: float | None = None
        self.error: str | None = None
        self.highwater_at_progress: int | None = None
        self.highwater: int | None = None

    def progressed(self, now: float) -> None:
        """The agent finished a batch (its outputs confirmed)."""
        self.last_progress = now
        self.highwater_at_progress = self.highwater

    def probed(self, now: float, assigned: int, highwater: int | None, error: str | None) -> None:
        self.assigned, self.error = assigned, error
        if error is None:
            self.answered_at = now
            self.highwater = highwater
            if self.highwater_at_progress is None:
                self.highwater_at_progress = highwater

    def status(self, now: float) -> tuple[bool, str]:
        if self.error is not None:
            return False, f"Kafka did not answer the consumer: {self.error}"
        if not self.assigned:
            return False, "no partitions assigned (group not joined yet, or its topics missing)"
        idle = now - self.last_progress
        arrived = (self.highwater or 0) - (self.highwater_at_progress or 0)
        if arrived > 0 and idle > STALL_S:
            return False, f"{arrived} new messages since the last batch, none processed for {idle:.0f}s"
        return True, f"{self.assigned} partitions assigned"


def attach_health(app: faust.App, settings: Settings, metrics: Metrics, service: str) -> Callable[[], None]:
    """Structured logging, /health and the consumer probe for a faust app, started and stopped with the
    worker. Returns the function the agent calls after each batch it completed."""
    state = ConsumerHealth(time.monotonic())

    class HealthService(mode.Service):
        server: HealthServer

        async def on_start(self) -> None:
            configure_logging(settings, service)  # faust's worker reconfigures logging when it boots
            self.server = HealthServer(metrics, settings.health_host, settings.health_port,
                                       settings.health_details)
            await self.server.start()
            log.info(f"{service} started", group=app.conf.id)

        async def on_stop(self) -> None:
            await self.server.stop()

        @mode.Service.task
        async def _probe(self) -> None:
            while not self.should_stop:
                consumer = getattr(app, "_consumer", None)
                assigned = sorted(consumer.assignment()) if consumer is not None else []
                highwater, error = None, None
                if assigned and consumer is not None:
                    try:
                        ends = await asyncio.wait_for(consumer.highwaters(*assigned), PROBE_TIMEOUT_S)
                        highwater = sum(int(v or 0) for v in ends.values())
                    except Exception as exc:  # a timeout or a connection error: the broker is away
                        error = f"{type(exc).__name__} {exc}".strip() if str(exc) else type(exc).__name__
                state.probed(time.monotonic(), len(assigned), highwater, error)
                await self.sleep(PROBE_INTERVAL_S)

    def consuming() -> tuple[bool, str]:
        if getattr(app, "_consumer", None) is None:
            return False, "consumer not started"
        return state.status(time.monotonic())

    metrics.checks["consumer"] = consuming
    app.service(HealthService)
    return lambda: state.progressed(time.monotonic())


async def wait_delivered(futures: Iterable[Awaitable[Any]]) -> None:
    """Wait until Kafka acknowledged every send, so the input offsets are acked only afterwards."""
    pending = list(futures)
    if pending:
        await asyncio.gather(*pending)


async def deliver_or_die(sends: Iterable[Awaitable[Any]], service: str) -> None:
    """Wait for Kafka to confirm every output; if it cannot, exit at once, before faust acks the input
    batch, so the supervisor restarts the service and the uncommitted batch is processed again."""
    try:
        await wait_delivered(sends)
    except Exception as exc:
        log.critical("output not confirmed by Kafka; exiting so the input is processed again",
                     service=service, error=repr(exc))
        logging.shutdown()
        os._exit(EXIT_OUTPUT_LOST)


def run_worker(app: faust.App, settings: Settings) -> None:
    worker = faust.Worker(app, loglevel=settings.log_level.upper(),
                          quiet=True, redirect_stdouts=False, override_logging=False)
    worker.execute_from_commandline()
