"""Faults injected into real servers: noida-db's Kafka side paused (SIGSTOP) or restarted, and an HTTP
proxy in front of its Elasticsearch side that can refuse requests for a while.

Nothing here imitates Kafka or Elasticsearch: the services talk to the real noida-db, and the faults
are what a network, an operator or an overloaded cluster does to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import signal
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from services.common.embedded import noida_argv
from services.common.processes import free_port, port_answers, spawn, terminate
from services.common.settings import Settings
from tests.integration.stack import Stack, wait_for


class SplitServers:
    """noida-db's Kafka and Elasticsearch sides as two processes, so one can fail while the other runs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.kafka: subprocess.Popen[bytes] | None = None
        self.es: subprocess.Popen[bytes] | None = None
        self.logs = stack.root / "noida-logs"

    def _start(self, name: str, port: int) -> subprocess.Popen[bytes]:
        data = self.stack.data_dir / f"noida-{name}"
        data.mkdir(parents=True, exist_ok=True)
        process = spawn(noida_argv(data, {name: port}), log_file=self.logs / f"{name}.log")
        wait_for(lambda: port_answers("127.0.0.1", port), 30, f"noida-db's {name} side on port {port}")
        return process

    def start(self) -> Settings:
        self.kafka = self._start("kafka", self.stack.kafka_port)
        self.es = self._start("elasticsearch", self.stack.es_port)
        return self.stack.settings

    def pause_kafka(self) -> None:
        """The broker stops answering (a GC pause, a hung disk, a network partition): connections stay open."""
        assert self.kafka is not None
        os.kill(self.kafka.pid, signal.SIGSTOP)

    def resume_kafka(self) -> None:
        assert self.kafka is not None
        os.kill(self.kafka.pid, signal.SIGCONT)

    def restart_kafka(self) -> None:
        assert self.kafka is not None
        self.resume_kafka()
        terminate(self.kafka, 10)
        wait_for(lambda: not port_answers("127.0.0.1", self.stack.kafka_port), 15, "the Kafka port to close")
        self.kafka = self._start("kafka", self.stack.kafka_port)

    def stop(self) -> None:
        for process in (self.kafka, self.es):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGCONT)
                terminate(process, 10)

    def log_tail(self, name: str, chars: int = 2000) -> str:
        path: Path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""



ES_HEADERS = {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}
REQUEST_ERRORS = {
    401: ("security_exception", "unable to authenticate user [attache] for REST request [/_bulk]"),
    403: ("security_exception", "action [indices:data/write/bulk] is unauthorized for user [attache]"),
    404: ("index_not_found_exception", "no such index [attache-events]"),
    413: ("request_entity_too_large", "Request Entity Too Large"),
    500: ("exception", "internal error"),
}


class EsFaultProxy:
    """An HTTP proxy in front of noida-db's Elasticsearch side that can, for a while, answer as a
    cluster in trouble does: refuse every request as a whole (401 expired credential, 403, 404, 413),
    answer 413 to bulk bodies over a size, or fail chosen documents of a bulk request with an
    item-level status (a mapping error's 400, a shard's 500) while the others are really indexed."""

    def __init__(self, target_port: int) -> None:
        self.target = f"http://127.0.0.1:{target_port}"
        self.port = free_port()
        self.request_status: int | None = None  # every request refused with this status
        self.item_status: int | None = None  # every bulk item answered with this status, nothing indexed
        self.max_bulk_bytes: int | None = None  # bulk bodies over this get 413
        self.poison: dict[str, int] = {}  # documents containing the marker get the status, never indexed
        self.seen: Counter[str] = Counter()  # "bulk", "bulk_refused", "poisoned"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="es-fault-proxy", daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EsFaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def heal(self) -> None:
        self.request_status = self.item_status = self.max_bulk_bytes = None
        self.poison = {}

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    @staticmethod
    def _error(status: int) -> web.Response:
        kind, reason = REQUEST_ERRORS.get(status, ("exception", f"status {status}"))
        body = {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason},
                "status": status}
        return web.Response(body=orjson.dumps(body), status=status, headers=ES_HEADERS)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":  # the client compresses request bodies
            body = gzip.decompress(body)
        bulk = request.path.rstrip("/").endswith("/_bulk")
        if bulk:
            self.seen["bulk"] += 1
        if self.request_status is not None:
            self.seen["bulk_refused" if bulk else "refused"] += 1
            return self._error(self.request_status)
        if bulk and self.max_bulk_bytes is not None and len(body) > self.max_bulk_bytes:
            self.seen["bulk_refused"] += 1
            return self._error(413)
        if bulk and (self.item_status is not None or self.poison):
            return await self._bulk(request, body)
        status, headers, payload = await self._forward(request, body)
        return web.Response(body=payload, status=status, headers=headers)

    async def _forward(self, request: web.Request, body: bytes) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None
        dropped = ("host", "content-length", "content-encoding", "accept-encoding")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in dropped}
        async with self._session.request(request.method, self.target + request.path_qs, data=body,
                                         headers=headers) as response:
            payload = await response.read()
            kept = {k: v for k, v in response.headers.items()
                    if k.lower() in ("content-type", "x-elastic-product")}
            return response.status, kept, payload

    async def _bulk(self, request: web.Request, body: bytes) -> web.Response:
        """Pairs of (action, document) lines: the poisoned ones are answered here, the rest forwarded."""
        lines = [line for line in body.split(b"\n") if line.strip()]
        operations: list[tuple[bytes, bytes | None]] = []
        i = 0
        while i < len(lines):
            action = orjson.loads(lines[i])
            has_source = next(iter(action)) != "delete"
            operations.append((lines[i], lines[i + 1] if has_source else None))
            i += 2 if has_source else 1
        answers: list[dict[str, Any] | None] = []
        forwarded: list[tuple[bytes, bytes | None]] = []
        for action_line, source in operations:
            status = self.item_status
            for marker, poison_status in self.poison.items():
                if source is not None and marker.encode() in source:
                    status = poison_status
            if status is None:
                answers.append(None)
                forwarded.append((action_line, source))
                continue
            self.seen["poisoned"] += 1
            op, meta = next(iter(orjson.loads(action_line).items()))
            kind, reason = (("document_parsing_exception", "failed to parse field [confidence]") if status == 400
                            else REQUEST_ERRORS.get(status, ("exception", f"status {status}")))
            answers.append({op: {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": status,
                                 "error": {"type": kind, "reason": reason}}})
        items: list[dict[str, Any]] = []
        if forwarded:
            payload = b"".join(a + b"\n" + (s + b"\n" if s is not None else b"") for a, s in forwarded)
            status, _, response = await self._forward(request, payload)
            if status != 200:
                return web.Response(body=response, status=status, headers=ES_HEADERS)
            items = list(orjson.loads(response)["items"])
        merged = [answer if answer is not None else items.pop(0) for answer in answers]
        errors = any(next(iter(item.values())).get("status", 200) >= 300 for item in merged)
        return web.Response(body=orjson.dumps({"took": 1, "errors": errors, "items": merged}), headers=ES_HEADERS)
