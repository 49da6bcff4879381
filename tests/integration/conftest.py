"""Fixtures: each test gets its own data dir, free ports and local feed server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.embedded import EmbeddedServers
from services.common.processes import port_answers
from services.common.settings import Settings
from tests.integration.faults import SplitServers
from tests.integration.stack import Pipeline, Stack, wait_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path)
    yield stack
    stack.close()


@pytest.fixture
def pipeline(stack: Stack) -> Iterator[Pipeline]:
    """A pipeline that owns its embedded servers (nothing answers on the stack's ports before)."""
    pipeline = Pipeline(stack)
    yield pipeline
    pipeline.ensure_stopped()
    if pipeline.owns_servers:
        wait_for(lambda: not port_answers("127.0.0.1", stack.kafka_port), 15, "Kafka port to close")


@pytest.fixture
def servers(stack: Stack) -> Iterator[Settings]:
    """noida-db started by the test itself, for tests that run single services against it."""
    embedded = EmbeddedServers(stack.settings)
    embedded.start()
    yield stack.settings
    embedded.stop()




@pytest.fixture
def split_servers(stack: Stack) -> Iterator[SplitServers]:
    """noida-db's Kafka and Elasticsearch sides as separate processes, so a test can pause or restart
    the broker alone; ``split_servers.start()`` returns the stack's settings."""
    servers = SplitServers(stack)
    yield servers
    servers.stop()
