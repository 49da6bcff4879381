"""Bad input goes to the dead-letter topic with a reason and never stops the pipeline; everything
the pipeline itself writes matches ``schemas/``."""

from __future__ import annotations

import orjson
from fixtures.articles import founding_article, generated_articles, rss
from kafka import KafkaProducer

from services.common.schemas import SchemaViolation, schema_for_topic, topics, validate
from tests.integration.stack import Pipeline, Stack, es_count, read_json_topic, read_topic, wait_for

NOT_JSON = b"<html>this is not an article</html>"
NOT_AN_ARTICLE = b'{"article_id": "abc", "title": 42}'
NOT_AN_EVENT = b'{"event_id": "e1", "type": "picnic"}'


def produce(stack: Stack, topic: str, values: list[bytes]) -> int:
    """Each value on every partition of the topic, so whatever partition a later message lands on has the
    poison ahead of it; returns the partition count."""
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_hosts)
    partitions = sorted(producer.partitions_for(stack.settings.topic(topic)))
    for partition in partitions:
        for value in values:
            producer.send(stack.settings.topic(topic), key=b"bad-input", value=value,
                          partition=partition).get(timeout=10)
    producer.close()
    return len(partitions)


def test_malformed_messages_are_dead_lettered_with_a_reason_and_later_articles_still_flow(
    stack: Stack, pipeline: Pipeline
) -> None:
    stack.serve_feed("world.xml", rss([founding_article(), *generated_articles(4)]))
    pipeline.start()
    settings = stack.settings
    wait_for(lambda: es_count(settings, "events", "countries:KP") > 0, 90, "the founding event")

    article_partitions = produce(stack, "articles", [NOT_JSON, NOT_AN_ARTICLE])
    event_partitions = produce(stack, "events", [NOT_AN_EVENT])
    expected = article_partitions * 2 + event_partitions * 2  # the tagger's; the indexer's and alerter's
    later = generated_articles(6)[5] | {"id": "later-story", "title": "Poland expels Russian diplomat again"}
    stack.serve_feed("world.xml", rss([founding_article(), *generated_articles(4), later]))

    dead = wait_for(lambda: read_json_topic(settings, "deadletter") if len(
        read_topic(settings, "deadletter")) >= expected else None, 60, f"{expected} dead letters")
    assert len(dead) == expected
    assert {d["partition"] for d in dead if d["source_topic"] == settings.topic("articles")} == \
        set(range(article_partitions))
    by_source = {(d["service"], d["source_topic"], d["payload"]): d for d in dead}
    assert by_source[("tagger", settings.topic("articles"), NOT_JSON.decode())]["reason"] == "invalid_json"
    violation = by_source[("tagger", settings.topic("articles"), NOT_AN_ARTICLE.decode())]
    assert violation["reason"] == "schema_violation"
    assert "title" in violation["error"], violation["error"]
    for service in ("indexer", "alerter"):
        event_letter = by_source[(service, settings.topic("events"), NOT_AN_EVENT.decode())]
        assert event_letter["reason"] == "schema_violation"
        assert "picnic" in event_letter["error"] or "type" in event_letter["error"], event_letter["error"]
    for letter in dead:
        validate("deadletter", letter)
        assert letter["error"].strip()

    # the later article and its event sit behind poison on their partitions (every partition has some)
    wait_for(lambda: es_count(settings, "articles", 'title:"again"') == 1, 60,
             "an article published after the bad messages to be indexed")
    wait_for(lambda: es_count(settings, "events", 'article.title:"again"') > 0, 60,
             "its events, behind poisoned events on their partitions, to be indexed")


def test_every_message_the_pipeline_writes_validates_against_its_topic_schema(
    stack: Stack, pipeline: Pipeline
) -> None:
    stack.serve_feed("world.xml", rss([founding_article(), *generated_articles(20)]))
    pipeline.start()
    settings = stack.settings
    wait_for(lambda: es_count(settings, "alerts") > 0, 90, "an alert to be indexed")
    wait_for(lambda: es_count(settings, "articles") == 21, 60, "all articles indexed")

    seen = {}
    for logical in topics():
        values = [v for _, v in read_topic(settings, logical) if v is not None]
        seen[logical] = len(values)
        for value in values:
            message = orjson.loads(value)
            try:
                validate(schema_for_topic(logical), message)
            except SchemaViolation as exc:
                raise AssertionError(f"{logical}: {exc}\n{message}") from exc
    assert seen["articles"] >= 21 and seen["articles.tagged"] >= 21
    assert seen["events"] > 0 and seen["alerts"] > 0 and seen["subscriptions"] == 1
    assert seen["deadletter"] == 0
