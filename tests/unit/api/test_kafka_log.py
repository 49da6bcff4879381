"""A write Kafka does not confirm is reported as unknown, never as done (no broker here: a closed port)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.api.store import KafkaLog, WriteNotConfirmed
from services.common.processes import free_port
from services.common.settings import Settings
from services.common.subscriptions import SubscriptionRegistry


def test_a_write_to_an_unreachable_broker_fails_within_the_timeout_saying_it_may_still_apply(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, kafka_bootstrap=f"127.0.0.1:{free_port()}")

    async def write() -> None:
        log = KafkaLog(settings, SubscriptionRegistry(settings), confirm_timeout_s=1.0)
        try:
            await log.write("kp", {"id": "kp"})
        finally:
            await log.close()

    with pytest.raises(WriteNotConfirmed, match="may still be applied"):
        asyncio.run(asyncio.wait_for(write(), 20))
