"""The API over an in-memory subscriptions log: the real registry, service, auth and error handling, with
records applied as the registry would apply them from the topic (no Kafka in unit tests)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch

with warnings.catch_warnings():  # starlette would rather have httpx2; httpx is what is pinned
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

from services.api.alerts import AlertsHub
from services.api.app import create_app
from services.api.store import SubscriptionService, WriteNotConfirmed
from services.api.tokens import add_token
from services.common.processes import free_port
from services.common.settings import Settings
from services.common.subscriptions import Checks, SubscriptionRegistry

SIGNING_KEY = "unit-test-signing-key-0123456789"


class MemoryLog:
    """Records go through ``registry.apply`` exactly as records read from the topic do."""

    def __init__(self, settings: Settings) -> None:
        self.registry = SubscriptionRegistry(settings)
        self.registry.loaded.set()
        self.records: list[tuple[str, bytes | None]] = []
        self.fail = False

    async def write(self, sub_id: str, subscription: Mapping[str, Any] | None) -> None:
        if self.fail:
            raise WriteNotConfirmed("Kafka did not confirm the write within 5s (KafkaTimeoutError)")
        value = None if subscription is None else orjson.dumps(subscription)
        self.records.append((sub_id, value))
        self.registry.apply(sub_id.encode(), value)


class Api:
    """A TestClient with tokens: ``write`` (read+write), ``read`` (read-only)."""

    def __init__(self, tmp_path: Path, *, client: tuple[str, int] = ("192.0.2.10", 50000), open_reads: bool = True,
                 signing_key: str | None = SIGNING_KEY, max_body: int = 65536) -> None:
        self.settings = Settings(data_dir=tmp_path, api_open_reads=open_reads, api_max_body_bytes=max_body,
                                 allow_private_addresses="")
        self.log = MemoryLog(self.settings)
        self.service = SubscriptionService(self.log, Checks.from_settings(self.settings), signing_key)
        self.hub = AlertsHub(queue_size=5)
        tokens_file = self.settings.resolved_api_tokens_file
        self.write_token = add_token(tokens_file, "korea-desk")
        self.read_token = add_token(tokens_file, "reader", read_only=True)
        # an Elasticsearch that is not there, refused at once: a backtest that gets that far answers 503
        es = AsyncElasticsearch(f"http://127.0.0.1:{free_port()}", max_retries=0, request_timeout=2)
        self.app = create_app(self.settings, service=self.service, follow_alerts=False, hub=self.hub, es=es)
        self.client = TestClient(self.app, client=client, raise_server_exceptions=False)

    def headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def as_writer(self) -> dict[str, str]:
        return self.headers(self.write_token)

    def as_reader(self) -> dict[str, str]:
        return self.headers(self.read_token)


def subscription(sub_id: str = "kp-meetings", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": sub_id, "name": "North Korea meetings",
                            "query": "type:leader_meeting AND countries:KP", "channels": [{"kind": "log"}]}
    body.update(changes)
    return body
