"""Idempotent cluster set-up: topics, index templates, subscriptions. Safe to run on every start."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from services.common.config_files import load_subscriptions
from services.common.elastic import ensure_index_templates, make_es
from services.common.kafka import aiokafka_producer_options, ensure_topics, read_to_end
from services.common.logging import get_logger
from services.common.settings import Settings
from services.common.subscriptions import Checks, normalize, now_iso

log = get_logger(__name__)


@dataclass(frozen=True)
class SetupReport:
    topics_created: list[str]
    templates_written: list[str]
    subscriptions_published: int
    subscriptions_removed: list[str]


async def read_compacted(settings: Settings, logical_topic: str) -> dict[str, bytes]:
    """Current key → value of a compacted topic (tombstoned keys absent)."""
    state: dict[str, bytes] = {}
    async for record in read_to_end(settings, logical_topic):
        if record.key is None:
            continue
        if record.value is None:
            state.pop(record.key.decode(), None)
        else:
            state[record.key.decode()] = record.value
    return state


async def sync_subscriptions(settings: Settings) -> tuple[int, list[str]]:
    """Seed the ``subscriptions`` topic from the YAML file, without undoing what was managed at run time.

    The file owns the subscriptions it lists (``owner: file:<name>``): one that is new or whose content
    changed in the file is published; one the file no longer lists, and that the file had published, is
    deleted. A file subscription paused or resumed at run time stays so until the file changes it.
    Subscriptions created through the API or ``attache subscriptions`` are never touched.
    """
    owner = f"file:{settings.subscriptions_file.name}"
    checks = Checks.from_settings(settings)
    wanted = {}
    for entry in load_subscriptions(settings.subscriptions_file, checks):
        wanted[entry["id"]] = normalize(entry, checks=checks, owner=owner, now="1970-01-01T00:00:00Z")
    current = {key: orjson.loads(value) for key, value in (await read_compacted(settings, "subscriptions")).items()}
    producer = AIOKafkaProducer(**aiokafka_producer_options(settings))
    await producer.start()
    published, removed = 0, []
    try:
        topic = settings.topic("subscriptions")
        stamp = now_iso()
        for sub_id, subscription in wanted.items():
            stored = current.get(sub_id)
            if stored is not None and _content(stored) == _content(subscription):
                continue  # unchanged in the file: keep what run time made of it (paused, resumed)
            subscription["created_at"] = (stored or {}).get("created_at") or stamp
            subscription["updated_at"] = stamp
            await producer.send_and_wait(topic, orjson.dumps(subscription), key=sub_id.encode())
            published += 1
        for sub_id in sorted(set(current) - set(wanted)):
            if current[sub_id].get("owner") == owner:
                await producer.send_and_wait(topic, None, key=sub_id.encode())
                removed.append(sub_id)
    finally:
        await producer.stop()
    return published, removed


def _content(subscription: dict[str, Any]) -> dict[str, Any]:
    """What the file says about a subscription: not its run-time state or timestamps."""
    return {k: v for k, v in subscription.items() if k not in ("status", "created_at", "updated_at")}


def run_setup(settings: Settings) -> SetupReport:
    topics_created = ensure_topics(settings)
    es = make_es(settings)
    try:
        templates = ensure_index_templates(es, settings)
    finally:
        es.close()
    published, removed = asyncio.run(sync_subscriptions(settings))
    report = SetupReport(topics_created, templates, published, removed)
    log.info("setup done", **_as_fields(report))
    return report


def _as_fields(report: SetupReport) -> dict[str, Any]:
    return {"topics_created": len(report.topics_created), "templates_written": report.templates_written,
            "subscriptions_published": report.subscriptions_published,
            "subscriptions_removed": report.subscriptions_removed}
