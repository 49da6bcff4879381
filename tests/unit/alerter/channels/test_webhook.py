"""Webhook channel: Standard Webhooks signatures a receiver verifies, answers classified for retrying,
the SSRF guard at every hop, time limits; against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils

import pytest
from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.alerter.channels.base import parse_retry_after, shown_url
from services.alerter.channels.webhook import WebhookChannel
from services.common.netguard import AddressPolicy
from services.common.secrets import SecretStore, WebhookSecrets, derive_webhook_secret
from tests.unit.alerter.channels.helpers import LOOPBACK, SIGNING_KEY, Receiver, free_port, make_alert


def channel(policy: AddressPolicy = LOOPBACK, environ: dict[str, str] | None = None,
            timeout_s: float = 10.0) -> WebhookChannel:
    return WebhookChannel(WebhookSecrets(SecretStore(None, environ or {}), SIGNING_KEY), policy=policy,
                          timeout_s=timeout_s)


async def test_a_delivered_webhook_carries_a_signature_the_receiver_verifies_with_standardwebhooks() -> None:
    alert = make_alert(7)
    hook = channel()
    async with Receiver() as receiver:
        result = await hook.deliver(alert, {"kind": "webhook", "url": receiver.url()})
    await hook.close()
    assert result.outcome == "delivered"
    [(headers, body)] = receiver.requests
    assert headers["webhook-id"] == alert["alert_id"]
    assert headers["Content-Type"] == "application/json"
    secret = derive_webhook_secret(SIGNING_KEY, alert["subscription_id"], 1)  # what the API shows the subscriber
    payload = Webhook(secret).verify(body, headers)
    assert payload == {"type": "alert.new", "timestamp": alert["matched_at"], "data": alert}
    with pytest.raises(WebhookVerificationError):  # a body changed on the way does not verify
        Webhook(secret).verify(body.replace(b"Kim", b"Kin"), headers)


async def test_bumping_secret_version_rotates_the_signing_secret() -> None:
    alert = make_alert(kind="update", change="modality", modality="occurred", history=("potential", "occurred"))
    hook = channel()
    async with Receiver() as receiver:
        await hook.deliver(alert, {"kind": "webhook", "url": receiver.url(), "secret_version": 2})
    await hook.close()
    [(headers, body)] = receiver.requests
    assert Webhook(derive_webhook_secret(SIGNING_KEY, alert["subscription_id"], 2)).verify(body, headers)["type"] \
        == "alert.update"
    with pytest.raises(WebhookVerificationError):
        Webhook(derive_webhook_secret(SIGNING_KEY, alert["subscription_id"], 1)).verify(body, headers)


async def test_2xx_is_delivered_408_425_429_and_5xx_are_retried_and_other_answers_are_final() -> None:
    expected = {200: "delivered", 202: "delivered", 204: "delivered", 400: "failed", 401: "failed",
                404: "failed", 410: "failed", 413: "failed", 408: "retry", 425: "retry", 429: "retry",
                500: "retry", 502: "retry", 503: "retry", 504: "retry"}

    async def answer(request: web.Request, body: bytes) -> web.Response:
        return web.Response(status=int(request.query["status"]))

    hook = channel()
    async with Receiver(answer) as receiver:
        outcomes = {status: (await hook.deliver(make_alert(), {"kind": "webhook",
                                                               "url": receiver.url(f"/h?status={status}")})).outcome
                    for status in expected}
    await hook.close()
    assert outcomes == expected


async def test_retry_after_is_honoured_in_seconds_or_as_an_http_date() -> None:
    now = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0  # already past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None

    async def busy(request: web.Request, body: bytes) -> web.Response:
        later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90), usegmt=True)
        value = "7" if request.path == "/seconds" else later
        return web.Response(status=429 if request.path == "/seconds" else 503, headers={"Retry-After": value})

    hook = channel()
    async with Receiver(busy) as receiver:
        in_seconds = await hook.deliver(make_alert(), {"kind": "webhook", "url": receiver.url("/seconds")})
        as_date = await hook.deliver(make_alert(), {"kind": "webhook", "url": receiver.url("/date")})
    await hook.close()
    assert (in_seconds.outcome, in_seconds.reason, in_seconds.retry_after_s) == ("retry", "HTTP 429", 7.0)
    assert as_date.outcome == "retry" and as_date.retry_after_s is not None and 80 <= as_date.retry_after_s <= 90


async def test_a_loopback_webhook_is_refused_for_good_unless_its_address_is_allowed() -> None:
    hook = channel(policy=AddressPolicy())
    async with Receiver() as receiver:
        result = await hook.deliver(make_alert(), {"kind": "webhook", "url": receiver.url()})
    await hook.close()
    assert result.outcome == "failed" and "loopback" in result.reason
    assert receiver.requests == []


async def test_only_method_keeping_redirects_are_followed_and_every_hop_passes_the_guard() -> None:
    async with Receiver() as final, Receiver() as refused_target:
        async def redirect(request: web.Request, body: bytes) -> web.Response:
            status, to = {"/keep": (308, final.url("/in")), "/307": (307, final.url("/in")),
                          "/lose": (302, final.url("/in")), "/out": (307, refused_target.url("/in"))}[request.path]
            return web.Response(status=status, headers={"Location": to})

        async with Receiver(redirect) as first:
            policy = AddressPolicy.parse(f"127.0.0.1:{first.port}, 127.0.0.1:{final.port}")
            hook = channel(policy=policy)
            kept = await hook.deliver(make_alert(1), {"kind": "webhook", "url": first.url("/keep")})
            kept_307 = await hook.deliver(make_alert(2), {"kind": "webhook", "url": first.url("/307")})
            lost = await hook.deliver(make_alert(3), {"kind": "webhook", "url": first.url("/lose")})
            out = await hook.deliver(make_alert(4), {"kind": "webhook", "url": first.url("/out")})
            await hook.close()
    assert kept.outcome == kept_307.outcome == "delivered"
    assert [b["data"]["alert_id"] for b in final.bodies()] == ["alert-0001", "alert-0002"]  # the body came along
    assert lost.outcome == "failed" and "redirect not followed" in lost.reason
    assert out.outcome == "failed" and "loopback" in out.reason and refused_target.requests == []


async def test_a_refused_connection_is_retried() -> None:
    hook = channel()
    result = await hook.deliver(make_alert(), {"kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook"})
    await hook.close()
    assert result.outcome == "retry" and result.reason.startswith("cannot connect")


async def test_an_endpoint_that_does_not_answer_is_cut_off_at_the_time_limit_and_retried() -> None:
    release = asyncio.Event()

    async def stall(request: web.Request, body: bytes) -> web.Response:
        await release.wait()
        return web.Response()

    hook = channel(timeout_s=0.2)
    async with Receiver(stall) as receiver:
        result = await hook.deliver(make_alert(), {"kind": "webhook", "url": receiver.url()})
        release.set()
    await hook.close()
    assert (result.outcome, result.reason) == ("retry", "no answer within 0.2 s")


async def test_a_url_kept_as_a_named_secret_is_resolved_at_delivery_and_a_missing_one_is_final() -> None:
    async with Receiver() as receiver:
        hook = channel(environ={"ATTACHE_SECRET_PARTNER_URL": receiver.url("/t0k3n-path")})
        target = {"kind": "webhook", "url_ref": "partner-url"}
        delivered = await hook.deliver(make_alert(), target)
        missing = await hook.deliver(make_alert(), {"kind": "webhook", "url_ref": "nobody"})
        assert hook.destination(target).shown == f"webhook http://127.0.0.1:{receiver.port}/*** (url_ref partner-url)"
        await hook.close()
    assert delivered.outcome == "delivered" and len(receiver.requests) == 1
    assert missing.outcome == "failed" and "'nobody'" in missing.reason and "ATTACHE_SECRET_NOBODY" in missing.reason


def test_a_webhook_url_is_shown_by_scheme_host_and_port_only() -> None:
    assert shown_url("https://hooks.slack.com/services/T0/B0/XXXX") == "https://hooks.slack.com/***"
    assert shown_url("https://user:pw@example.org:8443/hook?token=abc") == "https://example.org:8443/***"
    assert shown_url("http://example.org") == "http://example.org"
    assert shown_url("http://[::1]:9000/x") == "http://[::1]:9000/***"
