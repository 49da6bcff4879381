"""SSRF guard: feed fetches and webhook deliveries never reach loopback, private, link-local (cloud
metadata) or other non-public addresses, at any redirect hop, unless an allow-list names them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from services.alerter.channels.webhook import WebhookChannel
from services.collector.fetch import FetchError, fetch
from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import FeedConfig
from services.common.metrics import Metrics
from services.common.netguard import AddressPolicy, guarded_session
from services.common.secrets import SecretStore, WebhookSecrets
from services.common.settings import Settings

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class Server:
    """A loopback HTTP server counting the requests it got; ``redirect_to`` makes every answer a 301 (or 307)."""

    def __init__(self, redirect_to: str | None = None, status: int = 301) -> None:
        self.hits = 0
        self.redirect_to = redirect_to
        self.status = status
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        if self.redirect_to:
            return web.Response(status=self.status, headers={"Location": self.redirect_to})
        return web.Response(body=FEED, content_type="application/rss+xml")

    async def __aenter__(self) -> Server:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed.xml"


async def get(url: str, allow: str = "") -> Any:
    async with guarded_session(AddressPolicy.parse(allow)) as session:
        return await fetch(session, url, etag=None, last_modified=None, timeout_s=5, max_bytes=1 << 20)


async def test_a_feed_on_loopback_is_refused_without_a_request_reaching_it() -> None:
    async with Server() as server:
        with pytest.raises(FetchError, match=r"refused.*127\.0\.0\.1.*loopback"):
            await get(server.url)
        with pytest.raises(FetchError, match=r"refused.*loopback"):
            await get(server.url.replace("127.0.0.1", "localhost"))
        assert server.hits == 0
        assert (await get(server.url, allow=f"127.0.0.1:{server.port}")).status == 200  # the allow-list
        assert server.hits == 1


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.5", "192.168.1.1", "[::1]", "0.0.0.0",
                                     "100.64.0.1", "[::ffff:127.0.0.1]"])
async def test_metadata_private_and_other_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(FetchError, match="refused"):
        await asyncio.wait_for(get(f"http://{address}/latest/meta-data/"), 5)


async def test_every_redirect_hop_is_checked_even_from_an_allowed_server() -> None:
    async with Server() as inner, Server(redirect_to="") as outer:
        outer.redirect_to = inner.url
        with pytest.raises(FetchError, match="refused"):
            await get(outer.url, allow=f"127.0.0.1:{outer.port}")
        assert outer.hits == 1 and inner.hits == 0
        outer.redirect_to = "http://169.254.169.254/latest/meta-data/"
        with pytest.raises(FetchError, match=r"refused.*169\.254\.169\.254"):
            await asyncio.wait_for(get(outer.url, allow=f"127.0.0.1:{outer.port}"), 5)


async def test_a_stored_permanent_redirect_target_is_checked_at_the_next_poll(tmp_path: Path) -> None:
    async with Server() as server:
        settings = Settings(allow_private_addresses=f"127.0.0.1:{server.port}")
        feed = FeedConfig("f", server.url, "f", 300.0)
        store = CollectorStore(tmp_path / "state.sqlite3")
        state = store.feed(feed.id, feed.url)
        state.url = "http://169.254.169.254/latest/meta-data/"  # what an earlier 301 left there
        store.save_feed(state)
        metrics = Metrics("collector")
        await asyncio.wait_for(Collector(settings, [feed], None, store, metrics).poll_round(), 10)  # type: ignore[arg-type]
        store.close()
    assert "refused" in metrics.details["feeds"]["f"]["last_error"]


async def test_a_webhook_is_refused_on_loopback_and_at_a_redirect_unless_allowed() -> None:
    alert = {"alert_id": "a" * 24, "kind": "new", "subscription_id": "s"}
    secrets = WebhookSecrets(SecretStore(environ={}), "a-signing-key-for-tests")
    target = {"kind": "webhook", "url": ""}
    async with Server() as receiver, Server(status=307) as forwarder:
        forwarder.redirect_to = "http://169.254.169.254/hook"
        refusing = WebhookChannel(secrets)
        allowing = WebhookChannel(secrets, AddressPolicy.parse(f"127.0.0.1:{receiver.port},"
                                                               f"127.0.0.1:{forwarder.port}"))
        try:
            refused = await refusing.deliver(alert, {**target, "url": receiver.url})
            assert refused.outcome == "failed" and "refused" in refused.reason  # final: retrying cannot help
            assert receiver.hits == 0
            assert (await allowing.deliver(alert, {**target, "url": receiver.url})).outcome == "delivered"
            assert receiver.hits == 1
            redirected = await asyncio.wait_for(allowing.deliver(alert, {**target, "url": forwarder.url}), 10)
            assert redirected.outcome == "failed" and "refused" in redirected.reason
        finally:
            await refusing.close()
            await allowing.close()


def test_the_allow_list_takes_addresses_ports_and_networks() -> None:
    policy = AddressPolicy.parse("127.0.0.1:8470, 10.0.0.0/8, [::1]:9000, 192.168.1.7")
    assert policy.refusal("127.0.0.1", 8470) is None
    assert policy.refusal("127.0.0.1", 9200) is not None  # only that port
    assert policy.refusal("10.1.2.3", 443) is None
    assert policy.refusal("::1", 9000) is None
    assert policy.refusal("192.168.1.7", 80) is None
    assert policy.refusal("192.168.1.8", 80) is not None
    assert policy.refusal("93.184.216.34", 80) is None  # public: always allowed
    with pytest.raises(ValueError, match="not-an-address"):
        AddressPolicy.parse("not-an-address")


async def test_aiohttp_session_is_usable_after_a_refusal() -> None:
    async with Server() as server, guarded_session(AddressPolicy.parse(f"127.0.0.1:{server.port}")) as s:
        with pytest.raises(aiohttp.ClientError):
            await s.get("http://10.0.0.1/")
        async with s.get(server.url) as response:
            assert response.status == 200
