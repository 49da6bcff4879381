"""Elasticsearch in trouble under the indexer: refusals of a whole request pause indexing (nothing is
dead-lettered, nothing committed), a document that always fails is dead-lettered after a few tries with
its full payload, and ``attache deadletter`` lists and replays it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from services.common.ids import stable_id
from services.common.processes import free_port, terminate
from services.common.schemas import SCHEMA_DIR, validate
from services.common.settings import Settings
from services.common.setup import run_setup
from tests.integration.faults import EsFaultProxy
from tests.integration.stack import ATTACHE, Stack, es_sources, read_json_topic, wait_for

EXAMPLE = orjson.loads((SCHEMA_DIR / "examples" / "event.json").read_bytes())


def event(title: str, **extra: Any) -> dict[str, Any]:
    message = {**EXAMPLE, "event_id": stable_id("test-event", title), "article_id": stable_id("article", title),
               "article": {**EXAMPLE["article"], "title": title}, **extra}
    validate("event", message)
    return message


def produce(settings: Settings, events: list[dict[str, Any]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_hosts)
    for message in events:
        producer.send(settings.topic("events"), key=message["event_id"].encode(), value=orjson.dumps(message))
    producer.flush(10)
    producer.close()


def health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Indexer:
    def __init__(self, stack: Stack, proxy: EsFaultProxy) -> None:
        self.health_port = free_port()
        self.log = stack.root / "indexer.log"
        env = {**os.environ, **stack.env, "ATTACHE_ES_URL": proxy.url, "ATTACHE_HEALTH_PORT": str(self.health_port),
               "ATTACHE_INDEXER_FLUSH_S": "0.2", "ATTACHE_INDEXER_MAX_ITEM_RETRIES": "3"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "services.indexer"], env=env, stdout=out,
                                            stderr=subprocess.STDOUT)

    def stop(self) -> None:
        terminate(self.process, 10)
        print(self.log.read_text(errors="replace")[-3000:])


@pytest.fixture
def proxy(stack: Stack, servers: Settings) -> Iterator[EsFaultProxy]:
    run_setup(servers)
    proxy = EsFaultProxy(stack.es_port).start()
    yield proxy
    proxy.stop()


def test_requests_refused_as_a_whole_pause_indexing_and_nothing_is_dead_lettered(
    stack: Stack, servers: Settings, proxy: EsFaultProxy
) -> None:
    events = [event(f"Leaders meet, story {n}") for n in range(10)]
    proxy.request_status = 401  # an expired credential
    indexer = Indexer(stack, proxy)
    try:
        produce(servers, events)
        wait_for(lambda: proxy.seen["bulk_refused"] >= 2, 60, "the indexer to try twice")
        status, report = health(indexer.health_port)
        assert status == 503 and not report["checks"]["elasticsearch"]["ok"], report["checks"]
        assert "401" in report["checks"]["elasticsearch"]["detail"]
        for phase in (403, 404, 413):
            seen = proxy.seen["bulk_refused"] + proxy.seen["poisoned"]
            proxy.heal()
            if phase == 403:
                proxy.request_status = 403
            elif phase == 404:  # auto-create off and the index missing: every item answers 404
                proxy.item_status = 404
            else:  # a proxy's body limit: the indexer splits the request until it passes
                proxy.max_bulk_bytes = 4000
            wait_for(lambda seen=seen: proxy.seen["bulk_refused"] + proxy.seen["poisoned"] > seen, 60,
                     f"a request answered {phase}")
        wait_for(lambda: len(es_sources(servers, "events")) == 10, 60, "every event indexed once Elasticsearch "
                 "accepts requests again")
        proxy.heal()
        wait_for(lambda: health(indexer.health_port)[0] == 200, 30, "/health back to 200")
    finally:
        indexer.stop()
    assert read_json_topic(servers, "deadletter") == []


def test_a_document_that_always_fails_is_dead_lettered_whole_and_can_be_listed_and_replayed(
    stack: Stack, servers: Settings, proxy: EsFaultProxy
) -> None:
    good = [event(f"Leaders meet, story {n}") for n in range(6)]
    failing = event("POISON-500 summit story")
    rejected = event("POISON-400 summit story", location="a very long place name " * 4000)  # ~90 KB
    proxy.poison = {"POISON-500": 500, "POISON-400": 400}
    indexer = Indexer(stack, proxy)
    try:
        produce(servers, [*good[:3], failing, rejected, *good[3:]])
        dead = wait_for(lambda: (letters := read_json_topic(servers, "deadletter")) and len(letters) >= 2
                        and letters, 90, "two dead letters")
        later = [event(f"Later story {n}") for n in range(3)]
        produce(servers, later)  # the failing document blocks nothing
        wait_for(lambda: len(es_sources(servers, "events")) == 9, 60, "every other event indexed")
    finally:
        indexer.stop()
    by_reason = {d["reason"]: d for d in dead}
    assert set(by_reason) == {"index_failed", "index_rejected"}
    assert orjson.loads(by_reason["index_failed"]["payload"]) == failing
    assert "500" in by_reason["index_failed"]["error"] and "3" in by_reason["index_failed"]["error"]
    whole = by_reason["index_rejected"]
    assert len(whole["payload"]) > 64 * 1024 and not whole["payload_truncated"]
    assert orjson.loads(whole["payload"]) == rejected
    for letter in dead:
        validate("deadletter", letter)

    env = {**os.environ, **stack.env}
    listed = subprocess.run([ATTACHE, "deadletter", "list", "--json"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(line)["reason"] for line in listed.stdout.splitlines()) == ["index_failed",
                                                                                          "index_rejected"]
    table = subprocess.run([ATTACHE, "deadletter", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert "index_failed" in table.stdout and "indexer" in table.stdout, table.stdout

    proxy.heal()  # the cluster was fixed: replay what it failed on
    replayed = subprocess.run([ATTACHE, "deadletter", "replay", "--reason", "index_failed"], env=env,
                              capture_output=True, text=True, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1" in replayed.stdout, replayed.stdout
    indexer = Indexer(stack, proxy)
    try:
        wait_for(lambda: any(e["article"]["title"] == "POISON-500 summit story"
                             for e in es_sources(servers, "events")), 60, "the replayed event indexed")
    finally:
        indexer.stop()
