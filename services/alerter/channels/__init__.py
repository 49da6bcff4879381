"""Alert delivery channels (webhook, Slack, email, log, file) and the per-target ``Dispatcher``.

One module per channel, each with one ``Channel`` (``base.py``): ``destination(target)`` names where a
target delivers, ``deliver(alert, target)`` makes one attempt and returns a ``DeliveryResult``
(delivered / retry, with the server's ``Retry-After`` / failed for good) whose reason holds no secret.
Retrying, ordering and isolation are ``delivery.Dispatcher``'s.

A *target* is one entry of a subscription's channel list::

    {"kind": "webhook", "url": "https://…" | "url_ref": "<secret>", "secret_version": 1, "secret_ref": "<secret>",
     "timeout_s": 10}
    {"kind": "slack", "url_ref": "<secret>"}           # or "url"
    {"kind": "email", "to": ["analyst@example.org"]}
    {"kind": "file", "path": "team-a.jsonl"}           # inside the alerts directory; omitted: the alerts file
    {"kind": "log"}

Secrets are referenced by name and resolved at delivery (``services.common.secrets``).

The alert the channels read (the alerter's redesigned shape; fields read defensively)::

    {
      "alert_id": str,                 # from (subscription, story, revision): the webhook-id, the dedup key
      "subscription_id": str, "subscription_name": str,
      "story": {
        "story_id": str, "type": <event type>, "modality": <modality>,
        "modality_history": [{"modality": str, "at": <time>, "event_id": str, "source": str}, ...],
        "countries": [ISO 3166 alpha-2, ...], "leaders": [canonical name, ...], "title": str,
        "sources_count": int, "sources": [...], "first_seen": <time>, "revision": int, "last_change": <time>
      },
      "revision": int,
      "kind": "new" | "update",
      "change": "new" | "modality" | "sources",
      "event": <the triggering event, as schemas/examples/event.json>,
      "matched_at": <time>
    }

The evidence sentence is ``event.evidence[0].text``; the link is ``event.article.url``.
"""

from services.alerter.channels.base import Channel, DeliveryResult, Destination, TargetError
from services.alerter.channels.delivery import DeliveryRecord, Dispatcher, RateLimit, RetryPolicy, Unfinished
from services.alerter.channels.email import EmailChannel, SmtpConfig
from services.alerter.channels.file import FileChannel
from services.alerter.channels.log import LogChannel
from services.alerter.channels.slack import SlackChannel
from services.alerter.channels.webhook import WebhookChannel

__all__ = [
    "Channel",
    "DeliveryRecord",
    "DeliveryResult",
    "Destination",
    "Dispatcher",
    "EmailChannel",
    "FileChannel",
    "LogChannel",
    "RateLimit",
    "RetryPolicy",
    "SlackChannel",
    "SmtpConfig",
    "TargetError",
    "Unfinished",
    "WebhookChannel",
]
