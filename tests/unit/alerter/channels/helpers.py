"""Shared pieces of the channel tests: alerts in the redesigned shape, a real HTTP receiver and a real
SMTP server on 127.0.0.1 (nothing mocked), a free port, and a wait that polls a condition."""

from __future__ import annotations

import asyncio
import copy
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from services.common.netguard import AddressPolicy

EVENT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[4] / "schemas" / "examples" / "event.json").read_text())
LOOPBACK = AddressPolicy.parse("127.0.0.1")  # the test receivers; the SSRF guard refuses loopback otherwise
SIGNING_KEY = "test-deployment-signing-key-0123456789"


def make_alert(number: int = 1, *, kind: str = "new", change: str = "new", modality: str = "potential",
               history: tuple[str, ...] = ("potential",), sources_count: int = 1,
               subscription_id: str = "kp-ru-leaders", evidence: str | None = None) -> dict[str, Any]:
    """An alert as the redesigned alerter builds it (see ``services.alerter.channels``)."""
    event = copy.deepcopy(EVENT)
    event["modality"] = modality
    if evidence is not None:
        event["sentence"] = evidence
    return {
        "alert_id": f"alert-{number:04d}",
        "subscription_id": subscription_id,
        "subscription_name": "Kim and Putin meet",
        "story": {
            "story_id": "story-kp-ru-0001",
            "type": "leader_meeting",
            "modality": modality,
            "modality_history": [{"modality": m, "at": f"2023-11-0{7 + i}T09:01:13.204Z",
                                  "event_id": f"ev{i}", "source": "news.example.org"}
                                 for i, m in enumerate(history)],
            "countries": ["KP", "RU"],
            "leaders": ["Kim Jong Un", "Vladimir Putin"],
            "title": "A potential meeting between Kim Jong Un and Vladimir Putin",
            "sources_count": sources_count,
            "sources": ["news.example.org", "wire.example.com"][:sources_count],
            "first_seen": "2023-11-07T09:01:13.204Z",
            "revision": number,
            "last_change": "2023-11-07T09:01:13.204Z",
        },
        "revision": number,
        "kind": kind,
        "change": change,
        "event": event,
        "matched_at": "2023-11-07T09:01:13.950Z",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Handler = Callable[[web.Request, bytes], Awaitable[web.StreamResponse]]


async def ok(request: web.Request, body: bytes) -> web.StreamResponse:
    return web.Response(status=200, text="ok")


class Receiver:
    """A loopback HTTP endpoint recording every request (headers, raw body) before ``handler`` answers."""

    def __init__(self, handler: Handler = ok, port: int = 0) -> None:
        self.handler = handler
        self.port = port
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        return await self.handler(request, body)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.port = self.runner.addresses[0][1]
        return self

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def __aenter__(self) -> Receiver:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class MailHandler:
    """aiosmtpd handler: keeps every envelope; ``rcpt_reply`` refuses recipients (e.g. ``"450 busy"``)."""

    def __init__(self, rcpt_reply: str | None = None) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class MailServer:
    """A real SMTP server (aiosmtpd) in this event loop on 127.0.0.1; with ``login`` it wants AUTH."""

    def __init__(self, handler: MailHandler, login: tuple[str, str] | None = None) -> None:
        self.handler = handler
        self.login = login
        self.server: asyncio.Server | None = None
        self.port = 0

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert self.login is not None
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()) == self.login
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd itself answers 535

    async def __aenter__(self) -> MailServer:
        loop = asyncio.get_running_loop()
        auth = {"authenticator": self._authenticate, "auth_required": True} if self.login else {}
        self.server = await loop.create_server(
            lambda: SMTP(self.handler, hostname="mail.test", auth_require_tls=False, loop=loop, **auth),
            "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait until ``condition()`` holds (polling); fail the test if it never does."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - the conditions are plain state of other objects, no event to await
            await asyncio.sleep(0.01)
