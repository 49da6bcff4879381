"""In-process counters and the /health + /metrics endpoint every service exposes.

Faust has no health endpoint of its own; this one serves all services alike, so ``attache run``
and an orchestrator's probes read the same numbers.
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from services.common.redact import redact

HealthCheck = Callable[[], tuple[bool, str]]


class Metrics:
    """Counters, gauges and a short list of recent items (e.g. latest events) for one service."""

    def __init__(self, service: str, recent_size: int = 10) -> None:
        self.service = service
        self.started = time.time()
        self.counters: Counter[str] = Counter()
        self.gauges: dict[str, float] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=recent_size)
        self.details: dict[str, Any] = {}
        self.checks: dict[str, HealthCheck] = {}

    def inc(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def set(self, name: str, value: float) -> None:
        self.gauges[name] = value

    def health(self) -> tuple[bool, dict[str, Any]]:
        results = {}
        healthy = True
        for name, check in self.checks.items():
            try:
                ok, detail = check()
            except Exception as exc:  # a failing check is unhealthy, not a crash
                ok, detail = False, f"check raised {exc!r}"
            results[name] = {"ok": ok, "detail": detail}
            healthy = healthy and ok
        # feed URLs with tokens, errors naming them: nothing a probe reads carries a secret
        return healthy, redact({
            "service": self.service,
            "status": "ok" if healthy else "unhealthy",
            "uptime_s": round(time.time() - self.started, 1),
            "checks": results,
            "counters": dict(self.counters),
            "gauges": self.gauges,
            "recent": list(self.recent),
            "details": self.details,
        })

    def prometheus(self) -> str:
        lines = []
        for name, value in sorted(self.counters.items()):
            lines.append(f"# TYPE attache_{name}_total counter")
            lines.append(f'attache_{name}_total{{service="{self.service}"}} {value}')
        for name, gauge in sorted(self.gauges.items()):
            lines.append(f"# TYPE attache_{name} gauge")
            lines.append(f'attache_{name}{{service="{self.service}"}} {gauge}')
        return "\n".join(lines) + "\n"


class HealthServer:
    """``GET /health`` (JSON; 503 when a check fails) and ``GET /metrics`` (Prometheus text).

    ``details`` (feed URLs, errors) and ``recent`` (titles) describe what is monitored: they go to
    readers on this machine only (``details="loopback"``, the default), to everyone (``"all"``) or to
    no one (``"none"``). Status, checks, counters and gauges go to every reader, for probes."""

    def __init__(self, metrics: Metrics, host: str, port: int, details: str = "loopback") -> None:
        self.metrics = metrics
        self.host = host
        self.port = port
        self.details = details
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        if self.port == 0:
            return
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._prometheus)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def shows_details(self, peer: str | None) -> bool:
        if self.details in ("all", "none"):
            return self.details == "all"
        try:
            return peer is not None and ipaddress.ip_address(peer.split("%", 1)[0]).is_loopback
        except ValueError:  # a Unix socket or an unknown peer: not known to be local
            return False

    async def _health(self, request: web.Request) -> web.Response:
        healthy, body = self.metrics.health()
        if not self.shows_details(request.remote):
            body = {k: v for k, v in body.items() if k not in ("details", "recent")}
        return web.json_response(body, status=200 if healthy else 503)

    async def _prometheus(self, _request: web.Request) -> web.Response:
        return web.Response(text=self.metrics.prometheus(), content_type="text/plain")
