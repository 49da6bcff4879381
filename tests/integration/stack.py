"""Helpers for integration tests: noida-db on free loopback ports, never a mock.

``Pipeline`` drives ``attache run`` exactly as a user does (a subprocess, stopped with SIGINT), so
these tests cover the same start-up, setup and shutdown path as ``make run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch, NotFoundError

from services.common.kafka import read_to_end
from services.common.processes import free_port, port_answers
from services.common.settings import Settings
from services.runner.sample_feeds import SampleFeedServer

ATTACHE = str(Path(sys.executable).with_name("attache"))

def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll until ``predicate`` returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last value: {last!r})")


class Stack:
    """Ports, data dir, feeds and subscriptions of one isolated Attaché installation."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.feeds_dir = root / "feeds"
        self.feeds_dir.mkdir(parents=True)
        self.kafka_port = free_port()
        self.es_port = free_port()
        self.api_port = free_port()
        self.feeds_file = root / "feeds.yaml"
        self.subscriptions_file = root / "subscriptions.yaml"
        self.feed_server = SampleFeedServer(self.feeds_dir, "127.0.0.1", 0)
        self.feed_server.start()
        self.extra_env: dict[str, str] = {}  # a test's own settings, over the defaults below
        self.write_feeds([])
        self.write_subscriptions([{
            "id": "kp-ru", "name": "Kim and Putin",
            "match": {"types": ["leader_meeting"], "countries_all": ["KP", "RU"]},
            "deliver": [{"kind": "file"}],
        }])

    @property
    def env(self) -> dict[str, str]:
        return {
            "ATTACHE_DATA_DIR": str(self.data_dir),
            "ATTACHE_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.kafka_port}",
            "ATTACHE_ES_URL": f"http://127.0.0.1:{self.es_port}",
            "ATTACHE_FEEDS_FILE": str(self.feeds_file),
            "ATTACHE_SUBSCRIPTIONS_FILE": str(self.subscriptions_file),
            "ATTACHE_SAMPLE_FEEDS_PORT": "0",
            "ATTACHE_API_PORT": str(self.api_port),
            "ATTACHE_LOG_FORMAT": "json",
            # the test's own feed servers and webhook receivers live on loopback, which the SSRF guard
            # refuses unless allowed
            "ATTACHE_ALLOW_PRIVATE_ADDRESSES": "127.0.0.1",
            **self.extra_env,
        }

    @property
    def settings(self) -> Settings:
        return Settings(**{k.removeprefix("ATTACHE_").lower(): v for k, v in self.env.items()})

    def write_feeds(self, feeds: list[dict[str, Any]]) -> None:
        self.feeds_file.write_text(yaml.safe_dump({"feeds": feeds}))

    def serve_feed(self, name: str, body: str, interval_s: float = 2.0) -> None:
        """Publish ``body`` at /name and make it the only feed polled."""
        (self.feeds_dir / name).write_text(body, encoding="utf-8")
        self.write_feeds([{"id": name.removesuffix(".xml"), "url": f"{self.feed_server.url}/{name}",
                           "interval_s": interval_s}])

    def write_subscriptions(self, subscriptions: list[dict[str, Any]]) -> None:
        self.subscriptions_file.write_text(yaml.safe_dump({"subscriptions": subscriptions}))

    def close(self) -> None:
        self.feed_server.stop()


class Pipeline:
    """``attache run --no-dashboard`` as a subprocess, with its output in a log file."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = stack.root / "attache-run.log"
        self.owns_servers = False

    def start(self) -> Pipeline:
        env = {**os.environ, **self.stack.env}
        self.owns_servers = not port_answers("127.0.0.1", self.stack.kafka_port)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([ATTACHE, "run", "--no-dashboard"], env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def interrupt(self, timeout: float = 30.0) -> float:
        """Ctrl-C, as a terminal sends it; returns the seconds until the process ended."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL the supervisor, as a crash or an OOM kill would; children die with it."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def crash(self) -> list[int]:
        """SIGKILL the supervisor, every service and noida-db at once, as a power cut would."""
        assert self.process is not None
        marker = f"ATTACHE_DATA_DIR={self.stack.data_dir}".encode()
        victims = {self.process.pid}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                environ = (proc / "environ").read_bytes().split(b"\0")
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in environ or str(self.stack.data_dir).encode() in cmdline:
                victims.add(int(proc.name))
        victims.discard(os.getpid())
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)
        return sorted(victims)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


# -- reading what the pipeline wrote ------------------------------------------------------------


def es_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(settings.es_url, request_timeout=10, max_retries=0)


def es_sources(settings: Settings, index: str, query: str = "*", size: int = 10_000) -> list[dict[str, Any]]:
    with es_client(settings) as es:
        try:
            es.indices.refresh(index=settings.index(index))
            response = es.search(index=settings.index(index), q=query, size=size)
        except (NotFoundError, TransportConnectionError):  # not created yet / server (re)starting
            return []
    return [{"_id": hit["_id"], **hit["_source"]} for hit in response["hits"]["hits"]]


def es_count(settings: Settings, index: str, query: str = "*") -> int:
    with es_client(settings) as es:
        try:
            es.indices.refresh(index=settings.index(index))
            return int(es.count(index=settings.index(index), q=query)["count"])
        except (NotFoundError, TransportConnectionError):
            return 0


def read_topic(settings: Settings, logical_topic: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every record of a topic, from the beginning, as (key, value)."""

    async def read() -> list[tuple[bytes | None, bytes | None]]:
        return [(record.key, record.value) async for record in read_to_end(settings, logical_topic)]

    return asyncio.run(read())


def read_json_topic(settings: Settings, logical_topic: str) -> list[Any]:
    return [orjson.loads(value) for _, value in read_topic(settings, logical_topic) if value is not None]
