"""``attache deadletter list|replay``: what the pipeline could not process, and sending it through again.

Replaying is safe to repeat: every consumer writes by content-derived id (Elasticsearch documents,
alerts), so a message processed twice overwrites itself. A replayed message that still fails is
dead-lettered again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.common.kafka import make_producer, read_to_end
from services.common.schemas import topics
from services.common.settings import Settings


@dataclass(frozen=True)
class Filters:
    service: str | None = None
    reason: str | None = None
    source_topic: str | None = None

    def accept(self, letter: dict[str, Any]) -> bool:
        return all(wanted is None or letter.get(name) == wanted for name, wanted in
                   (("service", self.service), ("reason", self.reason), ("source_topic", self.source_topic)))


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped: list[tuple[dict[str, Any], str]] = field(default_factory=list)


def read_dead_letters(settings: Settings, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """Every dead letter on the topic, oldest first, that the filters accept (unreadable records skipped)."""

    async def read() -> list[dict[str, Any]]:
        letters = []
        async for record in read_to_end(settings, "deadletter", timeout_s=None):
            try:
                letter = orjson.loads(record.value or b"null")
            except orjson.JSONDecodeError:
                continue
            if isinstance(letter, dict) and filters.accept(letter):
                letters.append(letter)
        return letters

    return asyncio.run(read())


def why_not_replayable(settings: Settings, letter: dict[str, Any]) -> str | None:
    pipeline_topics = {settings.topic(name) for name in topics()}
    if letter.get("source_topic") not in pipeline_topics:
        return f"source topic {letter.get('source_topic')!r} is not one of the pipeline's topics"
    if int(letter.get("partition", -1)) < 0:
        return "not read from a topic (a failed delivery or an output too large): nothing to send again"
    if letter.get("payload_truncated"):
        return "its payload was cut (the message was too large), so it cannot be sent again whole"
    return None


def replay(settings: Settings, letters: list[dict[str, Any]], dry_run: bool = False) -> ReplayReport:
    """Send each replayable dead letter's payload to its source topic with its original key."""
    report = ReplayReport()
    producer = None if dry_run else make_producer(settings, "attache-deadletter-replay", raw_values=True)
    try:
        for letter in letters:
            if (why := why_not_replayable(settings, letter)) is not None:
                report.skipped.append((letter, why))
                continue
            if producer is not None:
                producer.send(letter["source_topic"], key=letter.get("key"), value=str(letter["payload"]).encode())
            report.replayed += 1
        if producer is not None:
            producer.flush(timeout=settings.kafka_delivery_timeout_s + 5)
    finally:
        if producer is not None:
            producer.close(10)
    return report


def describe(letter: dict[str, Any]) -> str:
    where = f"{letter.get('source_topic')}/{letter.get('partition')}/{letter.get('offset')}"
    error = " ".join(str(letter.get("error", "")).split())
    return (f"{str(letter.get('failed_at', ''))[:19]}  {letter.get('service', ''):<9} {letter.get('reason', ''):<17} "
            f"{where:<32} {error[:110]}")
