"""The faust services' producers (tagger, alerter) are idempotent when ATTACHE_KAFKA_IDEMPOTENCE says so:
the broker hands them a producer id, so a retried send is never written twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.alerter.app import build_app as build_alerter
from services.common.settings import Settings
from services.common.setup import run_setup
from services.tagger.app import build_app as build_tagger
from tests.integration.stack import Stack


async def producer_id_after_a_send(app: Any, settings: Settings) -> int | None:
    """Send one dead-letter-topic record through the app's own producer; the id the broker gave it."""
    await app.producer.start()
    try:
        await (await app.producer.send(settings.topic("deadletter"), b"probe", b"{}", None, None, None))
        manager = app.producer._producer._txn_manager  # aiokafka: present only for idempotent producers
        return None if manager is None else int(manager.producer_id)
    finally:
        await app.producer.stop()


@pytest.mark.parametrize("build", [build_tagger, build_alerter], ids=["tagger", "alerter"])
@pytest.mark.parametrize("idempotence", [True, False], ids=["idempotent", "off"])
def test_the_faust_services_producers_follow_the_idempotence_setting(
    stack: Stack, servers: Settings, build: Any, idempotence: bool
) -> None:
    run_setup(servers)
    settings = servers.model_copy(update={"kafka_idempotence": idempotence})
    producer_id = asyncio.run(producer_id_after_a_send(build(settings), settings))
    if idempotence:
        assert producer_id is not None and producer_id >= 0
    else:
        assert producer_id is None
