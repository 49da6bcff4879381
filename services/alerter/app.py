"""The alerter as a faust stream processor: ``events`` → ``alerts`` + delivery channels."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import mode
import orjson

from services.alerter.matching import build_alert, matches
from services.alerter.sinks.file import FileSink
from services.alerter.sinks.log import LogSink
from services.alerter.sinks.webhook import WebhookSink
from services.alerter.subscriptions import SubscriptionRegistry
from services.common.kafka import aiokafka_consumer_options, dead_letter, dead_letter_key, size_problem
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.netguard import AddressPolicy
from services.common.schemas import BadMessage, decode_message
from services.common.settings import Settings
from services.common.streams import attach_health, deliver_or_die, make_app, raw_topic

log = get_logger(__name__)
MAX_CONCURRENT_DELIVERIES = 20


def build_app(settings: Settings, metrics: Metrics | None = None) -> faust.App:
    metrics = metrics or Metrics("alerter")
    app = make_app(settings, "alerter")
    events_topic = raw_topic(app, settings.topic("events"))
    alerts_topic = raw_topic(app, settings.topic("alerts"))
    deadletter_topic = raw_topic(app, settings.topic("deadletter"))
    registry = SubscriptionRegistry(aiokafka_consumer_options(settings), settings.topic("subscriptions"))
    webhook = WebhookSink(policy=AddressPolicy.parse(settings.allow_private_addresses))
    file_sink = FileSink(settings.resolved_alerts_file, settings.alerts_file_max_bytes)
    sinks: dict[str, Any] = {"log": LogSink(), "file": file_sink, "webhook": webhook}
    progressed = attach_health(app, settings, metrics, "alerter")
    metrics.checks["subscriptions"] = lambda: (registry.loaded.is_set(),
                                               f"{len(registry.subscriptions)} subscriptions")

    class Subscriptions(mode.Service):
        async def on_start(self) -> None:
            await registry.start()

        async def on_stop(self) -> None:
            await registry.stop()
            await webhook.close()

    app.service(Subscriptions)

    limit = asyncio.Semaphore(MAX_CONCURRENT_DELIVERIES)

    @app.agent(events_topic, name="match-events")
    async def match_events(stream: Any) -> Any:
        async for batch in stream.take_events(100, within=0.5):
            await registry.loaded.wait()  # never judge events against a half-read subscription list
            sends = []
            deliveries = []  # delivered together below: one slow webhook does not hold up every other alert
            for item in batch:
                message = item.message
                try:
                    if (problem := size_problem(message.value, settings, "event")) is not None:
                        raise BadMessage("too_large", problem)
                    event = decode_message(message.value, "event")
                except BadMessage as exc:
                    record = dead_letter(settings, service="alerter", topic=message.topic, partition=message.partition,
                                         offset=message.offset, key=message.key, reason=exc.reason, error=str(exc),
                                         payload=message.value)
                    sends.append(await deadletter_topic.send(
                        key=dead_letter_key(message.topic, message.partition, message.offset).encode(),
                        value=orjson.dumps(record)))
                    metrics.inc("deadlettered")
                    continue
                metrics.inc("events_checked")
                for subscription in list(registry.subscriptions.values()):
                    if not matches(subscription, event):
                        continue
                    alert = build_alert(subscription, event)
                    alert_value = orjson.dumps(alert)
                    if (problem := size_problem(alert_value, settings, "alert")) is not None:
                        # an event just under the limit plus the subscription: delivered, and kept (cut) in
                        # the dead-letter topic instead of the alerts topic
                        record = dead_letter(settings, service="alerter", topic=settings.topic("alerts"), partition=-1,
                                             offset=-1, key=alert["alert_id"], reason="too_large", error=problem,
                                             payload=alert_value)
                        sends.append(await deadletter_topic.send(key=alert["alert_id"].encode(),
                                                                 value=orjson.dumps(record)))
                        metrics.inc("deadlettered")
                    else:
                        sends.append(await alerts_topic.send(key=alert["alert_id"].encode(), value=alert_value))
                    deliveries.append((alert, _deliver(sinks, subscription, alert, metrics, limit)))
                    metrics.inc("alerts_sent")
                    metrics.recent.appendleft({"subscription": subscription["id"], "type": event["type"],
                                               "modality": event["modality"], "countries": event["countries"],
                                               "title": event["article"]["title"][:90]})
            results = await asyncio.gather(*(delivery for _, delivery in deliveries))
            for (alert, _), failures in zip(deliveries, results, strict=True):
                for failure in failures:  # not lost: the alert and why it did not arrive, for replay
                    record = dead_letter(settings, service="alerter", topic=settings.topic("alerts"), partition=-1,
                                         offset=-1, key=alert["alert_id"], reason="processing_error",
                                         error=failure, payload=orjson.dumps(alert))
                    sends.append(await deadletter_topic.send(key=alert["alert_id"].encode(),
                                                             value=orjson.dumps(record)))
            await deliver_or_die(sends, "alerter")  # only then are the input events acknowledged
            progressed()

    return app


async def _deliver(sinks: dict[str, Any], subscription: dict[str, Any], alert: dict[str, Any],
                   metrics: Metrics, limit: asyncio.Semaphore) -> list[str]:
    """Deliver to every channel; return what failed (a failing channel never blocks the others)."""
    failures = []
    for channel in subscription["deliver"]:
        try:
            async with limit:
                await sinks[channel["kind"]].deliver(alert, channel)
            metrics.inc(f"delivered_{channel['kind']}")
        except Exception as exc:
            metrics.inc("delivery_failures")
            log.error("alert delivery failed", subscription=subscription["id"], channel=channel["kind"],
                      alert_id=alert["alert_id"], error=str(exc))
            failures.append(f"delivery to {channel['kind']} failed for subscription {subscription['id']}: {exc}")
    return failures
