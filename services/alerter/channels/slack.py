"""Slack channel: a readable message to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).

Target: ``{"kind": "slack", "url_ref": "<secret name>"}`` — an incoming-webhook URL *is* its credential
(``https://hooks.slack.com/services/T…/B…/<token>``), so keep it as a named secret; a plain ``"url"`` works
too and is never shown beyond its host. Optional ``timeout_s``.

The message has Block Kit blocks (headline, what changed, the facts, the evidence sentence, the article
link, which subscription) and a plain ``text`` fallback for notifications and clients without blocks.
Text from feeds is escaped (``&``, ``<``, ``>``), so an article cannot ping ``<!channel>`` or forge a link.
Slack answers 429 with ``Retry-After`` when rate limited; answers are classified like webhooks'."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

from services.alerter.channels import content
from services.alerter.channels.base import DeliveryResult, Destination, TargetError
from services.alerter.channels.posting import Poster, resolve_url
from services.common.netguard import AddressPolicy
from services.common.secrets import SecretStore

HEADER_LIMIT = 150  # Slack's limit for a header block's text
TEXT_LIMIT = 2900  # below Slack's 3,000 per section text
URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"  # everything RFC 3986 allows in a URL but '<', '>', '|' and spaces


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: the three characters that start links, mentions and entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def link_markup(url: str, label: str) -> str:
    """``<url|label>`` with the characters that would end the link percent-encoded in the URL."""
    return f"<{quote(url, safe=URL_SAFE)}|{escape(label).replace('|', '¦')}>"


def message(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The Slack payload (blocks + text fallback) for an alert."""
    headline = content.headline(alert)
    change = content.change(alert)
    url = content.link(alert)
    fallback = f"[Attaché] {change}: {headline}" + (f" {url}" if url else "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(headline, HEADER_LIMIT), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(change)}*"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": _cut(f"*{label}*\n{escape(value)}", 1900)}
                                       for label, value in content.facts(alert)][:10]},
    ]
    if evidence := content.evidence(alert):
        quote_text = _cut(f"> {escape(evidence)}", TEXT_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": quote_text}})
    if url:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _cut(link_markup(url, content.title(alert)), TEXT_LIMIT)}})
    if footer := content.footer(alert):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(escape(footer), TEXT_LIMIT)}]})
    return {"text": _cut(escape(fallback), TEXT_LIMIT), "blocks": blocks, "unfurl_links": False}


class SlackChannel:
    """Posts ``message(alert)`` to the target's incoming webhook; one attempt per ``deliver``."""

    kind = "slack"

    def __init__(self, store: SecretStore | None = None, policy: AddressPolicy | None = None,
                 timeout_s: float = 10.0, max_timeout_s: float = 30.0) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.max_timeout_s = max_timeout_s
        self.poster = Poster(policy)

    def destination(self, target: Mapping[str, Any]) -> Destination:
        return resolve_url(self.kind, target, self.store)[1]

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        try:
            url, _ = resolve_url(self.kind, target, self.store)
        except TargetError as exc:
            return DeliveryResult.failed(str(exc))
        wanted = target.get("timeout_s")
        timeout = (min(float(wanted), self.max_timeout_s)
                   if isinstance(wanted, int | float) and not isinstance(wanted, bool) and wanted > 0
                   else self.timeout_s)
        body = orjson.dumps(message(alert))
        return await self.poster.post(url, body, {"Content-Type": "application/json"}, timeout, read_detail=True)

    async def close(self) -> None:
        await self.poster.close()
