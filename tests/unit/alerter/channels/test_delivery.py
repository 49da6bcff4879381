"""The dispatcher: one queue per target, so a slow or dead endpoint delays nothing else; retries with
backoff, Retry-After and a budget; order kept per target; records without secrets. Real servers on
127.0.0.1, small backoff parameters; no test asserts how long anything took."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook
from structlog.testing import capture_logs

from services.alerter.channels.delivery import DeliveryRecord, Dispatcher, RateLimit, RetryPolicy, TokenBucket
from services.alerter.channels.file import FileChannel
from services.alerter.channels.slack import SlackChannel
from services.alerter.channels.webhook import WebhookChannel
from services.common.metrics import Metrics
from services.common.secrets import SecretStore, WebhookSecrets, derive_webhook_secret
from tests.unit.alerter.channels.helpers import LOOPBACK, SIGNING_KEY, Receiver, free_port, make_alert, until

FAST = RetryPolicy(base_s=0.02, cap_s=0.1, budget_s=30.0)


def dispatcher(environ: dict[str, str] | None = None, retry: RetryPolicy = FAST, metrics: Metrics | None = None,
               **options: Any) -> Dispatcher:
    store = SecretStore(None, environ or {})
    channels = [WebhookChannel(WebhookSecrets(store, SIGNING_KEY), policy=LOOPBACK),
                SlackChannel(store, policy=LOOPBACK)]
    return Dispatcher(channels, retry=retry, metrics=metrics, rng=random.Random(7), **options)


class Records:
    """An ``on_done`` that keeps every record, with the alert id it was for."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, DeliveryRecord]] = []

    async def __call__(self, alert: Mapping[str, Any], record: DeliveryRecord) -> None:
        self.seen.append((alert["alert_id"], record))


async def test_an_endpoint_down_for_a_while_then_up_receives_every_alert_once_in_order() -> None:
    port = free_port()  # nothing listens yet: every connection is refused
    metrics = Metrics("alerter")
    deliveries = dispatcher(metrics=metrics)
    records = Records()
    target = {"kind": "webhook", "url": f"http://127.0.0.1:{port}/hook"}
    alerts = [make_alert(n) for n in range(1, 8)]
    futures = [deliveries.submit(alert, [target], records) for alert in alerts]
    await until(lambda: metrics.counters["delivery_retries_webhook"] >= 4)  # down for several attempts
    assert records.seen == []  # nothing given up, nothing overtaken
    async with Receiver(port=port) as receiver:
        results = await asyncio.wait_for(asyncio.gather(*futures), 20)
        await deliveries.close()
    assert [body["data"]["alert_id"] for body in receiver.bodies()] == [a["alert_id"] for a in alerts]
    secret = derive_webhook_secret(SIGNING_KEY, "kp-ru-leaders", 1)
    for headers, body in receiver.requests:
        Webhook(secret).verify(body, headers)  # signed afresh at the attempt that got through
    assert [alert_id for alert_id, _ in records.seen] == [a["alert_id"] for a in alerts]
    first = results[0][0]
    assert first["status"] == "delivered" and first["attempts"] >= 5
    assert first["last_error"].startswith("cannot connect")  # the last failure before it got through
    assert first["first_attempt_at"] <= first["delivered_at"]
    assert first["target"] == f"webhook http://127.0.0.1:{port}/***" and first["channel"] == "webhook"
    assert all(r[0]["status"] == "delivered" and r[0]["attempts"] == 1 for r in results[1:])
    assert metrics.counters["delivered_webhook"] == 7 and metrics.gauges["delivery_queued"] == 0


async def test_an_alert_submitted_again_for_the_same_target_is_sent_once_and_reported_each_time() -> None:
    port = free_port()  # down: the first submission is still queued when the redelivery comes
    metrics = Metrics("alerter")
    deliveries = dispatcher(metrics=metrics)
    records = Records()
    target = {"kind": "webhook", "url": f"http://127.0.0.1:{port}/hook"}
    first = deliveries.submit(make_alert(1), [target], records)
    await until(lambda: metrics.counters["delivery_retries_webhook"] >= 1)
    again = deliveries.submit(make_alert(1), [target], records)  # e.g. Kafka redelivered it after a rebalance
    other_version = deliveries.submit(make_alert(1), [{**target, "secret_version": 2}], records)  # another channel
    async with Receiver(port=port) as receiver:
        await asyncio.wait_for(asyncio.gather(first, again, other_version), 20)
        [later] = await asyncio.wait_for(deliveries.submit(make_alert(1), [target], records), 20)  # after delivery
        await deliveries.close()
    assert [h["webhook-id"] for h, _ in receiver.requests] == ["alert-0001", "alert-0001"]  # one per channel entry
    assert len(records.seen) == 4 and all(r["status"] == "delivered" for _, r in records.seen)
    assert later["delivered_at"] == (await first)[0]["delivered_at"]  # the earlier delivery, reported again
    assert metrics.counters["delivery_duplicates"] == 2


async def test_a_429_with_retry_after_delays_the_retry_by_what_the_server_asked() -> None:
    arrivals: list[float] = []

    async def limited(request: web.Request, body: bytes) -> web.Response:
        arrivals.append(asyncio.get_running_loop().time())
        if len(arrivals) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response()

    deliveries = dispatcher()
    async with Receiver(limited) as receiver:
        with capture_logs() as logs:
            [record] = await asyncio.wait_for(
                deliveries.submit(make_alert(), [{"kind": "webhook", "url": receiver.url()}]), 20)
        await deliveries.close()
    assert (record["status"], record["attempts"], record["last_error"]) == ("delivered", 2, "HTTP 429")
    [retry] = [line for line in logs if line["event"] == "alert delivery will be retried"]
    assert retry["server_asked_s"] == 1.0 and retry["retry_in_s"] >= 1.0
    assert arrivals[1] - arrivals[0] >= 0.95  # the second attempt waited at least what the server asked


async def test_a_slow_endpoint_does_not_delay_another_targets_deliveries() -> None:
    release = asyncio.Event()

    async def stuck(request: web.Request, body: bytes) -> web.Response:
        await release.wait()
        return web.Response()

    deliveries = dispatcher()
    async with Receiver(stuck) as slow, Receiver() as fast:
        slow_futures = [deliveries.submit(make_alert(n), [{"kind": "webhook", "url": slow.url()}]) for n in (1, 2)]
        fast_futures = [deliveries.submit(make_alert(n), [{"kind": "webhook", "url": fast.url()}])
                        for n in range(3, 13)]
        fast_results = await asyncio.wait_for(asyncio.gather(*fast_futures), 20)
        assert all(r[0]["status"] == "delivered" for r in fast_results)
        assert len(fast.requests) == 10
        assert len(slow.requests) == 1 and not any(f.done() for f in slow_futures)  # still stuck on its first
        release.set()
        slow_results = await asyncio.wait_for(asyncio.gather(*slow_futures), 20)
        await deliveries.close()
    assert [r[0]["status"] for r in slow_results] == ["delivered", "delivered"]


async def test_a_400_is_final_and_the_next_alert_still_goes_out() -> None:
    async def picky(request: web.Request, body: bytes) -> web.Response:
        return web.Response(status=400 if b"alert-0001" in body else 200)

    deliveries = dispatcher()
    async with Receiver(picky) as receiver:
        target = {"kind": "webhook", "url": receiver.url()}
        first, second = deliveries.submit(make_alert(1), [target]), deliveries.submit(make_alert(2), [target])
        [refused], [accepted] = await asyncio.wait_for(asyncio.gather(first, second), 20)
        await deliveries.close()
    assert (refused["status"], refused["attempts"], refused["last_error"], refused["delivered_at"]) == (
        "failed", 1, "HTTP 400", None)
    assert (accepted["status"], accepted["attempts"]) == ("delivered", 1)
    assert len(receiver.requests) == 2


async def test_a_target_down_past_the_retry_budget_fails_its_queue_in_order_without_retrying_each() -> None:
    deliveries = dispatcher(retry=RetryPolicy(base_s=0.05, cap_s=0.1, budget_s=0.3))
    records = Records()
    target = {"kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook"}
    futures = [deliveries.submit(make_alert(n), [target], records) for n in range(1, 6)]
    results = [r[0] for r in await asyncio.wait_for(asyncio.gather(*futures), 20)]
    await deliveries.close()
    assert [alert_id for alert_id, _ in records.seen] == [f"alert-{n:04d}" for n in range(1, 6)]
    assert all(r["status"] == "failed" and "retry budget of 0.3 s" in r["last_error"] for r in results)
    assert "cannot connect" in results[0]["last_error"] and results[0]["attempts"] >= 2
    assert sum(r["attempts"] for r in results[1:]) <= 2  # the alerts behind it did not each start over


async def test_a_full_queue_fails_the_alert_at_once_and_other_targets_are_untouched() -> None:
    release = asyncio.Event()

    async def stuck(request: web.Request, body: bytes) -> web.Response:
        await release.wait()
        return web.Response()

    deliveries = dispatcher(queue_size=2)
    async with Receiver(stuck) as slow, Receiver() as fast:
        waiting = [deliveries.submit(make_alert(n), [{"kind": "webhook", "url": slow.url()}]) for n in (1, 2)]
        [overflow] = await asyncio.wait_for(deliveries.submit(make_alert(3), [{"kind": "webhook", "url": slow.url()}]),
                                            5)
        [other] = await asyncio.wait_for(deliveries.submit(make_alert(4), [{"kind": "webhook", "url": fast.url()}]), 20)
        release.set()
        await asyncio.wait_for(asyncio.gather(*waiting), 20)
        await deliveries.close()
    assert overflow["status"] == "failed" and overflow["attempts"] == 0
    assert overflow["last_error"].startswith("queue full: 2 alerts already wait")
    assert other["status"] == "delivered"


async def test_one_alert_goes_to_every_channel_and_the_future_lists_their_records_in_order(tmp_path: Path) -> None:
    store = SecretStore(None, {})
    deliveries = Dispatcher({"webhook": WebhookChannel(WebhookSecrets(store, SIGNING_KEY), policy=LOOPBACK),
                             "file": FileChannel(tmp_path)}, retry=FAST)
    async with Receiver() as receiver:
        records = await asyncio.wait_for(deliveries.submit(make_alert(), [
            {"kind": "webhook", "url": receiver.url()}, {"kind": "pager"}, {"kind": "file", "path": "../x"},
            {"kind": "file"}]), 20)
        await deliveries.close()
    assert [(r["channel"], r["status"]) for r in records] == [
        ("webhook", "delivered"), ("pager", "failed"), ("file", "failed"), ("file", "delivered")]
    assert records[1]["last_error"] == "no 'pager' channel is configured here"
    assert "'..' is not allowed" in records[2]["last_error"] and records[2]["attempts"] == 0
    assert (tmp_path / "alerts.jsonl").exists() and not (tmp_path.parent / "x").exists()


async def test_secrets_and_url_tokens_never_appear_in_records_or_log_lines() -> None:
    async def failing(request: web.Request, body: bytes) -> web.Response:
        # the server echoes the request path: an error text naming the URL must not leak it either
        return web.Response(status=500 if request.headers.get("webhook-id", "").endswith("1") else 400,
                            text=f"cannot handle {request.path_qs}")

    async with Receiver(failing) as receiver:
        environ = {"ATTACHE_SECRET_SLACK_OPS": receiver.url("/services/T0/B0/slackTOKEN123")}
        deliveries = dispatcher(environ, retry=RetryPolicy(base_s=0.01, cap_s=0.02, budget_s=0.2))
        with capture_logs() as logs:
            tokened = receiver.url("/h/pathTOKEN456?k=qTOKEN789")
            results = await asyncio.wait_for(asyncio.gather(
                deliveries.submit(make_alert(1), [{"kind": "webhook", "url": tokened},
                                                  {"kind": "slack", "url_ref": "slack-ops"}]),
                deliveries.submit(make_alert(2), [{"kind": "slack", "url": "http://u:pwTOKEN000@127.0.0.1:1/x"},
                                                  {"kind": "slack", "url_ref": "missing-secret"}])), 20)
            await deliveries.close()
    assert [r["status"] for batch in results for r in batch] == ["failed"] * 4
    text = repr(results) + repr(logs)
    assert "will be retried" in text and "HTTP 500" in text and "missing-secret" in text  # the logs say things
    for secret in ("pathTOKEN456", "qTOKEN789", "slackTOKEN123", "pwTOKEN000", SIGNING_KEY,
                   derive_webhook_secret(SIGNING_KEY, "kp-ru-leaders", 1)):
        assert secret not in text


async def test_close_returns_the_unfinished_deliveries_instead_of_reporting_them_failed() -> None:
    release = asyncio.Event()

    async def stuck(request: web.Request, body: bytes) -> web.Response:
        await release.wait()
        return web.Response()

    deliveries = dispatcher()
    records = Records()
    async with Receiver(stuck) as slow, Receiver() as fast:
        for n in (1, 2):
            deliveries.submit(make_alert(n), [{"kind": "webhook", "url": slow.url()}], records)
        done = deliveries.submit(make_alert(3), [{"kind": "webhook", "url": fast.url()}], records)
        await asyncio.wait_for(done, 20)
        await until(lambda: len(slow.requests) == 1)
        unfinished = await deliveries.close(timeout_s=0.1)
        release.set()
    assert [u.alert["alert_id"] for u in unfinished] == ["alert-0001", "alert-0002"]
    assert [u.attempts for u in unfinished] == [1, 0]
    assert unfinished[0].target == f"webhook http://127.0.0.1:{slow.port}/***"
    assert [alert_id for alert_id, _ in records.seen] == ["alert-0003"]


async def test_a_subscription_over_its_rate_waits_its_turn() -> None:
    deliveries = dispatcher(rate_limit=RateLimit(per_minute=6, burst=2))  # a third alert waits ten seconds
    async with Receiver() as receiver:
        target = {"kind": "webhook", "url": receiver.url()}
        futures = [deliveries.submit(make_alert(n), [target]) for n in (1, 2, 3)]
        other = deliveries.submit(make_alert(4, subscription_id="another"), [target])
        await asyncio.wait_for(asyncio.gather(futures[0], futures[1]), 20)
        await asyncio.sleep(0.2)
        assert not futures[2].done() and not other.done()  # behind the held alert: order per target is kept
        unfinished = await deliveries.close(timeout_s=0)
    assert [u.alert["alert_id"] for u in unfinished] == ["alert-0003", "alert-0004"]
    assert [b["data"]["alert_id"] for b in receiver.bodies()] == ["alert-0001", "alert-0002"]


def test_backoff_is_full_jitter_under_a_doubling_cap_and_a_longer_retry_after_wins() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=8.0, budget_s=60.0, max_retry_after_s=30.0)
    rng = random.Random(1)
    for failures, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0), (500, 8.0)):
        delays = [policy.delay_s(failures, None, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays) and max(delays) > ceiling * 0.8
    assert policy.delay_s(1, 20.0, rng) == 20.0
    assert policy.delay_s(1, 3600.0, rng) == 30.0  # capped
    assert 0.0 <= policy.delay_s(4, 0.0, rng) <= 8.0  # 'Retry-After: 0' does not undo the backoff


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate_per_s=0.5, burst=2, now=100.0)
    assert [bucket.take(100.0), bucket.take(100.0)] == [0.0, 0.0]
    assert bucket.take(100.0) == 2.0
    assert bucket.take(101.0) == 1.0
    assert bucket.take(102.0) == 0.0
