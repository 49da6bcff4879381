"""A webhook endpoint that is down for a minute receives every alert afterwards, each once, signed."""

from __future__ import annotations

import time
from collections import Counter

from fixtures.articles import rss

from services.common.secrets import derive_webhook_secret
from tests.integration.stack import Pipeline, Stack, es_sources, wait_for
from tests.integration.webhooks import WebhookReceiver

OUTAGE_S = 60
# five meetings of Kim Jong Un and Vladimir Putin, months apart: five happenings, five stories, five alerts
DATES = ("2023-01-10", "2023-03-10", "2023-05-10", "2023-07-10", "2023-09-10")
ARTICLES = [{
    "id": f"kim-putin-{day}", "published": f"{day}T08:00:00Z",
    "title": f"Kim Jong Un and Vladimir Putin meet in Vladivostok, report {n}",
    "text": "North Korean leader Kim Jong Un and Russian President Vladimir Putin held talks in Vladivostok "
            "on Monday, state media reported.",
} for n, day in enumerate(DATES, start=1)]


def test_a_webhook_down_for_a_minute_receives_every_alert_afterwards_and_none_twice(
        stack: Stack, pipeline: Pipeline) -> None:
    receiver = WebhookReceiver()  # not up: connections are refused, as by a dead endpoint
    stack.write_subscriptions([{
        "id": "kp-ru", "name": "Kim and Putin", "query": "type:leader_meeting AND countries:KP AND countries:RU",
        "channels": [{"kind": "webhook", "url": receiver.url}],
    }])
    stack.extra_env.update({"ATTACHE_DELIVERY_RETRY_CAP_S": "5",  # a returning endpoint is retried soon
                            "ATTACHE_WEBHOOK_SIGNING_KEY": "outage-test-signing-key-0123456789"})
    stack.serve_feed("world.xml", rss(ARTICLES), interval_s=1)
    pipeline.start()
    settings = stack.settings
    try:
        alerts = wait_for(lambda: len(found := es_sources(settings, "alerts")) >= len(DATES) and found,
                          120, "the five alerts made")
        down_since = time.monotonic()
        assert receiver.messages() == []
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_since)))
        assert all(not a.get("delivery_status") for a in es_sources(settings, "alerts"))  # still trying
        receiver.up()
        wait_for(lambda: len(receiver.messages()) >= len(DATES), 60, "every alert after the outage")
        time.sleep(5)  # anything sent twice would arrive now
    finally:
        receiver.down()
    payloads = receiver.verified(derive_webhook_secret("outage-test-signing-key-0123456789", "kp-ru"))
    ids = Counter(m.headers["webhook-id"] for m in receiver.messages())
    assert sorted(ids) == sorted(a["alert_id"] for a in alerts) and set(ids.values()) == {1}, ids
    assert len({p["data"]["story"]["story_id"] for p in payloads}) == len(DATES)
    assert {p["type"] for p in payloads} == {"alert.new"}
    indexed = wait_for(lambda: [a for a in es_sources(settings, "alerts") if a.get("delivery_status")]
                       if all(a.get("delivery_status") for a in es_sources(settings, "alerts")) else [],
                       30, "delivery outcomes indexed with the alerts")
    assert {a["delivery_status"] for a in indexed} == {"delivered"}
    # the alert at the head of the endpoint's queue was retried through the outage; the rest waited behind it
    assert max(a["deliveries"][0]["attempts"] for a in indexed) > 1
