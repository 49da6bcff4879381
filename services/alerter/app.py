"""The alerter as a faust stream processor: ``events`` → stories → ``alerts`` → delivery channels.

Two agents in one worker:

* ``stories`` reads ``events`` (keyed by story bucket, so every report of one happening reaches the same
  partition), folds each report into its story (a faust Table changelogged in ``stories.table``, so the
  stories survive a restart), publishes the story to ``stories`` (indexed), and for every subscription
  whose query matches the report — looked up in a :class:`SubscriptionIndex`, not a loop over all —
  decides whether it hears of the story now (first match, or a material change). Alerts go to
  ``alerts``; only once Kafka confirmed them is the story table updated and the report acknowledged.
* ``deliver`` reads ``alerts`` and hands each to the :class:`Dispatcher`: one queue per channel target,
  so a slow or dead webhook delays only itself; retries with backoff, then the dead-letter topic. How
  each channel fared goes to ``alerts.deliveries`` (indexed with the alert). An alert is acknowledged
  (its offset committed) only when it and every alert before it has finished, so a crash re-delivers
  rather than loses (receivers deduplicate on the alert id, the ``webhook-id``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import Mapping
from typing import Any

import faust
import mode
import orjson

from services.alerter.alerts import build_alert, decide, is_fresh
from services.alerter.channels import (
    Dispatcher,
    EmailChannel,
    FileChannel,
    LogChannel,
    RetryPolicy,
    SlackChannel,
    SmtpConfig,
    WebhookChannel,
)
from services.alerter.channels.delivery import RateLimit
from services.common.kafka import dead_letter, dead_letter_key, size_problem
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.netguard import AddressPolicy
from services.common.query import SubscriptionIndex
from services.common.redact import redact_text
from services.common.schemas import BadMessage, decode_message, topics
from services.common.secrets import SecretStore, WebhookSecrets
from services.common.settings import Settings
from services.common.stories import Bucket, StoryRules, apply, bucket_key, parse_thresholds
from services.common.streams import attach_health, deliver_or_die, make_app, raw_topic
from services.common.subscriptions import SubscriptionRegistry, is_active, webhook_secret_version

log = get_logger(__name__)


def story_rules(settings: Settings) -> StoryRules:
    return StoryRules(settings.story_window_days, settings.story_date_tolerance_days,
                      parse_thresholds(settings.story_sources_thresholds))


class Subscriptions:
    """The live subscriptions and an index over the active ones' queries, kept in step with the topic."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.index: SubscriptionIndex[str] = SubscriptionIndex()
        self.metrics = metrics
        self.registry = SubscriptionRegistry(settings, on_change=self._changed)

    def _changed(self, sub_id: str, subscription: dict[str, Any] | None) -> None:
        self.index.discard(sub_id)
        if subscription is not None and is_active(subscription):
            self.index.add(sub_id, subscription["query"])  # canonical: it parsed when it was written
        self.metrics.set("subscriptions_active", len(self.index))

    def matching(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = []
        for sub_id in self.index.match(event):
            subscription = self.registry.subscriptions.get(sub_id)
            if subscription is not None and is_active(subscription):
                found.append(subscription)
        return found


def build_dispatcher(settings: Settings, metrics: Metrics) -> Dispatcher:
    policy = AddressPolicy.parse(settings.allow_private_addresses)
    store = SecretStore(settings.secrets_dir)
    key = settings.webhook_signing_key.get_secret_value() or None
    channels: list[Any] = [
        LogChannel(),
        FileChannel(settings.resolved_alerts_dir, settings.resolved_alerts_file, settings.alerts_file_max_bytes),
        WebhookChannel(WebhookSecrets(store, key), policy, timeout_s=settings.delivery_timeout_s),
        SlackChannel(store, policy, timeout_s=settings.delivery_timeout_s),
        EmailChannel(SmtpConfig(host=settings.smtp_host or "localhost", port=settings.smtp_port,
                                username=settings.smtp_username or None,
                                password=settings.smtp_password.get_secret_value() or None,
                                sender=settings.smtp_from, security=settings.smtp_security,
                                timeout_s=settings.smtp_timeout_s)),
    ]
    retry = RetryPolicy(base_s=settings.delivery_retry_base_s, cap_s=settings.delivery_retry_cap_s,
                        budget_s=settings.delivery_retry_budget_s,
                        max_retry_after_s=settings.delivery_max_retry_after_s)
    return Dispatcher(channels, retry=retry, queue_size=settings.delivery_queue_size, metrics=metrics)


def build_app(settings: Settings, metrics: Metrics | None = None) -> faust.App:
    metrics = metrics or Metrics("alerter")
    app = make_app(settings, "alerter")
    events_topic = raw_topic(app, settings.topic("events"))
    alerts_topic = raw_topic(app, settings.topic("alerts"))
    stories_topic = raw_topic(app, settings.topic("stories"))
    deliveries_topic = raw_topic(app, settings.topic("alerts.deliveries"))
    deadletter_topic = raw_topic(app, settings.topic("deadletter"))
    table = app.Table("stories", default=None, key_type=bytes, value_type=bytes,
                      partitions=int(topics()["events"]["partitions"]),
                      changelog_topic=raw_topic(app, settings.topic("stories.table")))
    subscriptions = Subscriptions(settings, metrics)
    dispatcher = build_dispatcher(settings, metrics)
    rules = story_rules(settings)
    max_age = dt.timedelta(hours=settings.alert_max_age_h)
    progressed = attach_health(app, settings, metrics, "alerter")
    registry = subscriptions.registry
    metrics.checks["subscriptions"] = lambda: (registry.loaded.is_set(), f"{len(registry.subscriptions)} "
                                               f"subscriptions, {len(subscriptions.index)} active"
                                               + (f", {len(registry.invalid)} invalid updates"
                                                  if registry.invalid else ""))
    metrics.checks["deliveries"] = lambda: (True, f"{dispatcher.queued} alerts queued for delivery")

    class SubscriptionsService(mode.Service):
        async def on_start(self) -> None:
            await registry.start()

        async def on_stop(self) -> None:
            await registry.stop()
            unfinished = await dispatcher.close()
            if unfinished:  # not acknowledged: delivered again after the restart
                log.warning("deliveries unfinished at shutdown; they resume after the restart",
                            count=len(unfinished))

    app.service(SubscriptionsService)

    async def dead_letter_message(message: Any, exc: BadMessage) -> Any:
        record = dead_letter(settings, service="alerter", topic=message.topic, partition=message.partition,
                             offset=message.offset, key=message.key, reason=exc.reason, error=str(exc),
                             payload=message.value)
        metrics.inc("deadlettered")
        return await deadletter_topic.send(key=dead_letter_key(message.topic, message.partition,
                                                               message.offset).encode(), value=orjson.dumps(record))

    @app.agent(events_topic, name="stories")
    async def judge(stream: Any) -> Any:
        # one report at a time: a table write goes to the changelog partition of the event being handled
        async for item in stream.events():
            await registry.loaded.wait()  # never judge a report against a half-read subscription list
            message = item.message
            try:
                if (problem := size_problem(message.value, settings, "event")) is not None:
                    raise BadMessage("too_large", problem)
                event = decode_message(message.value, "event")
            except BadMessage as exc:
                await deliver_or_die([await dead_letter_message(message, exc)], "alerter")
                progressed()
                continue
            metrics.inc("events_checked")
            key = bucket_key(event)
            raw = table.get(key.encode())
            bucket = Bucket.from_dict(orjson.loads(raw)) if raw else Bucket(key)
            story, change = apply(bucket, event, rules)
            matched = subscriptions.matching(event)
            fresh = is_fresh(event, dt.datetime.now(dt.UTC), max_age)
            decisions = decide(story, change, matched, fresh=fresh)
            if matched and not fresh:
                metrics.inc("alerts_skipped_old")
            now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            sends = [await stories_topic.send(key=story.story_id.encode(),
                                              value=orjson.dumps(story.to_document()))]
            for decision in decisions:
                alert = build_alert(decision, story, change, event, now)
                value = orjson.dumps(alert)
                if (problem := size_problem(value, settings, "alert")) is not None:
                    # an output never on a topic (partition -1): kept for a person, not for replay
                    record = dead_letter(settings, service="alerter", topic=settings.topic("alerts"),
                                         partition=-1, offset=-1, key=alert["alert_id"], reason="too_large",
                                         error=problem, payload=value)
                    sends.append(await deadletter_topic.send(key=alert["alert_id"].encode(),
                                                             value=orjson.dumps(record)))
                    metrics.inc("deadlettered")
                    continue
                sends.append(await alerts_topic.send(key=alert["alert_id"].encode(), value=value))
                metrics.inc("alerts_sent")
                metrics.recent.appendleft({"subscription": alert["subscription_id"], "type": story.type,
                                           "modality": story.modality, "countries": story.countries,
                                           "title": story.title[:90], "kind": alert["kind"]})
            await deliver_or_die(sends, "alerter")  # alerts on the topic before the story remembers them
            table[key.encode()] = orjson.dumps(bucket.to_dict())
            progressed()

    pending: deque[list[Any]] = deque()  # [event, finished] in offset order
    reporting: set[asyncio.Future[None]] = set()  # a reference, so a running report is not collected

    async def finished(entry: list[Any], stream: Any) -> None:
        entry[1] = True
        while pending and pending[0][1]:  # acknowledge in order: an offset is committed only past done work
            await stream.ack(pending.popleft()[0])

    @app.agent(alerts_topic, name="deliver")
    async def deliver(stream: Any) -> Any:
        manual = stream.noack()
        async for item in manual.events():
            await registry.loaded.wait()
            entry: list[Any] = [item, False]
            pending.append(entry)
            message = item.message
            try:
                alert = decode_message(message.value, "alert")
            except BadMessage as exc:
                await deliver_or_die([await dead_letter_message(message, exc)], "alerter")
                await finished(entry, manual)
                continue
            subscription = registry.subscriptions.get(alert["subscription_id"])
            # a webhook signs with the secret version the API shows (the channel's, else the subscription's)
            channels = [{**c, "secret_version": webhook_secret_version(subscription or {}, c)}
                        if c.get("kind") == "webhook" and "secret_ref" not in c else c
                        for c in (subscription or {}).get("channels", [])]
            if not channels:  # deleted since, or only the alerts topic (SSE, index): nothing to deliver
                await finished(entry, manual)
                continue
            limit = subscription.get("throttle") if subscription else None
            future = dispatcher.submit(alert, channels, rate_limit=RateLimit(
                limit["per_minute"], limit.get("burst", 10)) if limit else None)
            reporting.add(task := asyncio.ensure_future(_report(alert, future, entry, manual)))
            task.add_done_callback(reporting.discard)

    async def _report(alert: dict[str, Any], future: Any, entry: list[Any], stream: Any) -> None:
        """When every channel of an alert has finished: record how, dead-letter what failed, acknowledge."""
        try:
            records = await future
        except asyncio.CancelledError:
            return  # shutting down: not acknowledged, delivered again after the restart
        statuses = {r["status"] for r in records}
        status = "delivered" if statuses == {"delivered"} else "failed" if statuses == {"failed"} else "partial"
        outcome = {"alert_id": alert["alert_id"], "subscription_id": alert["subscription_id"],
                   "deliveries": records, "delivery_status": status,
                   "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        sends = [await deliveries_topic.send(key=alert["alert_id"].encode(), value=orjson.dumps(outcome))]
        for record in records:
            if record["status"] == "failed":  # not lost: the alert and why, for `attache deadletter replay`
                error = redact_text(f"{record['channel']} to {record['target']} failed after "
                                    f"{record['attempts']} attempts: {record['last_error']}")
                dead = dead_letter(settings, service="alerter", topic=settings.topic("alerts"),
                                   partition=entry[0].message.partition, offset=entry[0].message.offset,
                                   key=alert["alert_id"], reason="delivery_failed", error=error,
                                   payload=orjson.dumps(alert))
                sends.append(await deadletter_topic.send(
                    key=dead_letter_key(settings.topic("alerts"), entry[0].message.partition,
                                        entry[0].message.offset).encode(), value=orjson.dumps(dead)))
                metrics.inc("deadlettered")
        await deliver_or_die(sends, "alerter")
        await finished(entry, stream)

    return app
