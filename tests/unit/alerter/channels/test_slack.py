"""Slack channel: a readable message (blocks + text) with what a reader needs, feed text escaped, and
Slack's answers (429 + Retry-After, error codes) classified; against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from services.alerter.channels.slack import SlackChannel, message
from services.common.secrets import SecretStore
from tests.unit.alerter.channels.helpers import LOOPBACK, Receiver, make_alert


def texts(payload: dict[str, Any]) -> str:
    """Every text of the message, in order, one per line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload["blocks"])
    return "\n".join(found)


def test_a_new_story_reads_with_type_modality_leaders_countries_evidence_sources_and_link() -> None:
    payload = message(make_alert())
    header = payload["blocks"][0]
    headline = "Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin)"
    assert header == {"type": "header", "text": {"type": "plain_text", "emoji": False, "text": headline}}
    body = texts(payload)
    assert "*New story*" in body
    for line in ("*Event*\nLeader meeting", "*Modality*\npotential", "*Leaders*\nKim Jong Un, Vladimir Putin",
                 "*Countries*\nKP, RU", "*Sources*\n1 (news.example.org)", "*First seen*\n2023-11-07 09:01 UTC"):
        assert line in body
    assert "> A potential meeting between Kim Jong Un and Vladimir Putin" in body  # the event's sentence
    assert ("<https://news.example.org/2023/11/07/kim-putin-potential-meeting|"
            "A potential meeting between Kim Jong Un and Vladimir Putin>") in body
    assert "Subscription: Kim and Putin meet · story story-kp-ru-0001 · alert alert-0001" in body
    assert payload["text"] == ("[Attaché] New story: Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin) "
                               "https://news.example.org/2023/11/07/kim-putin-potential-meeting")


def test_an_update_shows_the_modality_history_or_the_new_sources_count() -> None:
    moved = message(make_alert(2, kind="update", change="modality", modality="occurred",
                               history=("potential", "planned", "occurred")))
    assert moved["blocks"][0]["text"]["text"] == "Leader meeting took place: KP–RU (Kim Jong Un, Vladimir Putin)"
    assert "*Update: modality changed (planned → occurred)*" in texts(moved)
    assert "*Modality*\npotential → planned → occurred" in texts(moved)
    more = message(make_alert(3, kind="update", change="sources", sources_count=2))
    assert "*Update: more sources (2)*" in texts(more)
    assert "*Sources*\n2 (news.example.org, wire.example.com)" in texts(more)


def test_text_from_a_feed_cannot_ping_a_channel_or_forge_a_link() -> None:
    payload = message(make_alert(evidence="<!channel> read <https://evil.example|this> & more"))
    body = texts(payload)
    assert "&lt;!channel&gt; read &lt;https://evil.example|this&gt; &amp; more" in body
    assert "<!channel>" not in json.dumps(payload)


async def test_the_message_is_posted_to_the_incoming_webhook_and_slacks_answers_are_classified() -> None:
    async def slack(request: web.Request, body: bytes) -> web.Response:
        if request.path == "/services/T0/B0/limited":
            return web.Response(status=429, text="rate_limited", headers={"Retry-After": "30"})
        if request.path == "/services/T0/B0/gone":
            return web.Response(status=404, text="channel_not_found")
        return web.Response(text="ok")

    async with Receiver(slack) as receiver:
        environ = {"ATTACHE_SECRET_SLACK_OPS": receiver.url("/services/T0/B0/s3cr3t")}
        channel = SlackChannel(SecretStore(None, environ), policy=LOOPBACK)
        delivered = await channel.deliver(make_alert(), {"kind": "slack", "url_ref": "slack-ops"})
        limited = await channel.deliver(make_alert(), {"kind": "slack", "url": receiver.url("/services/T0/B0/limited")})
        gone = await channel.deliver(make_alert(), {"kind": "slack", "url": receiver.url("/services/T0/B0/gone")})
        shown = channel.destination({"kind": "slack", "url_ref": "slack-ops"}).shown
        await channel.close()
    assert delivered.outcome == "delivered"
    assert receiver.bodies()[0] == message(make_alert())
    assert (limited.outcome, limited.retry_after_s, limited.reason) == ("retry", 30.0, "HTTP 429 rate_limited")
    assert (gone.outcome, gone.reason) == ("failed", "HTTP 404 channel_not_found")
    assert shown == f"slack http://127.0.0.1:{receiver.port}/*** (url_ref slack-ops)"
