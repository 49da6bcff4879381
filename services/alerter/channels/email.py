"""Email channel: one message per alert over SMTP (``aiosmtplib``), plain text and HTML saying the same.

Target: ``{"kind": "email", "to": ["analyst@example.org", ...]}`` (or one address as a string). The
server and its credentials are the deployment's (``SmtpConfig``, built by the caller from settings), never
the subscription's: a subscriber chooses recipients, not where mail is relayed.

The subject reads ``[Attaché] Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin)``
(``[Attaché] Update: …`` for updates). ``Message-ID`` derives from the alert id, and updates refer
(``In-Reply-To``/``References``) to the story's first alert, so mail clients thread a story and a
redelivered alert is recognisable as the same message.

SMTP replies are classified like HTTP answers: 4xx (and network errors, time-outs) are retried, 5xx are
final. When the server takes the message for some recipients and refuses others, it counts as
delivered (retrying would send the accepted ones a second copy) and the reason names how many were
refused."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal

import aiosmtplib

from services.alerter.channels import content
from services.alerter.channels.base import DeliveryResult, Destination, TargetError, scrub

Security = Literal["starttls", "ssl", "none"]
_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_ID_PART = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class SmtpConfig:
    """The SMTP server alerts are sent through. ``security``: ``starttls`` (upgrade a plain connection,
    port 587), ``ssl`` (TLS from the start, port 465) or ``none`` (a local relay)."""

    host: str = "localhost"
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "Attaché <attache@localhost>"
    security: Security = "starttls"
    timeout_s: float = 30.0
    max_recipients: int = 20
    message_id_domain: str = "attache.alerts"


def recipients(target: Mapping[str, Any], limit: int) -> list[str]:
    """The target's addresses, checked; ``TargetError`` naming the bad one otherwise."""
    raw = target.get("to")
    addresses = [raw] if isinstance(raw, str) else raw
    if not isinstance(addresses, list) or not addresses:
        raise TargetError("an email channel needs 'to': an address or a list of addresses", "email (no recipients)")
    if len(addresses) > limit:
        raise TargetError(f"at most {limit} recipients per email channel ({len(addresses)} given)",
                          f"email {len(addresses)} recipients")
    for address in addresses:
        if not isinstance(address, str) or not _ADDRESS.match(address):
            shown = address[:80] if isinstance(address, str) else type(address).__name__
            raise TargetError(f"{content.clean(shown)!r} is not an email address", "email (bad recipient)")
    return list(dict.fromkeys(addresses))


def _shown(addresses: list[str]) -> str:
    """``email 2 recipients at example.org``: enough to tell targets apart, no mailbox names in logs."""
    domains = sorted({a.rpartition("@")[2].lower() for a in addresses})
    count = f"{len(addresses)} recipient{'s' if len(addresses) != 1 else ''}"
    return f"email {count} at {', '.join(domains)}"


def subject(alert: Mapping[str, Any]) -> str:
    prefix = "Update: " if alert.get("kind") == "update" else ""
    return f"[Attaché] {prefix}{content.headline(alert)}"


def text_body(alert: Mapping[str, Any]) -> str:
    lines = [content.change(alert), content.headline(alert), ""]
    rows = content.facts(alert)
    width = max((len(label) for label, _ in rows), default=0) + 2
    lines += [f"{label + ':':<{width}}{value}" for label, value in rows]
    if evidence := content.evidence(alert):
        lines += ["", f"“{evidence}”"]
    if url := content.link(alert):
        lines += ["", f"Read: {content.title(alert)}", url]
    if footer := content.footer(alert):
        lines += ["", "--", footer]
    return "\n".join(lines) + "\n"


def html_body(alert: Mapping[str, Any]) -> str:
    e = html.escape
    rows = "".join(f"<tr><th align=\"left\" style=\"padding-right:1em\">{e(label)}</th><td>{e(value)}</td></tr>"
                   for label, value in content.facts(alert))
    parts = [f"<p><strong>{e(content.change(alert))}</strong></p>", f"<h2>{e(content.headline(alert))}</h2>",
             f"<table>{rows}</table>"]
    if evidence := content.evidence(alert):
        parts.append(f"<blockquote>{e(evidence)}</blockquote>")
    if url := content.link(alert):
        parts.append(f"<p><a href=\"{e(url, quote=True)}\">{e(content.title(alert))}</a></p>")
    if footer := content.footer(alert):
        parts.append(f"<p style=\"color:#666;font-size:smaller\">{e(footer)}</p>")
    return "<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>\n"


def build_message(alert: Mapping[str, Any], config: SmtpConfig, to: list[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(alert)
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(usegmt=True)
    domain = config.message_id_domain
    alert_id = _ID_PART.sub("", str(alert.get("alert_id", "")))
    message["Message-ID"] = f"<alert.{alert_id}@{domain}>"
    story_id = _ID_PART.sub("", str(content.story(alert).get("story_id", "")))
    if story_id:  # one thread per (subscription, story)
        thread = f"<story.{story_id}.{_ID_PART.sub('', str(alert.get('subscription_id', '')))}@{domain}>"
        if alert.get("kind") == "update":
            message["In-Reply-To"] = thread
            message["References"] = thread
        else:
            message.replace_header("Message-ID", thread)
    message["X-Attache-Alert-Id"] = alert_id
    message.set_content(text_body(alert))
    message.add_alternative(html_body(alert), subtype="html")
    return message


class EmailChannel:
    """Sends through the configured SMTP server; one attempt (one SMTP session) per ``deliver``."""

    kind = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def destination(self, target: Mapping[str, Any]) -> Destination:
        to = recipients(target, self.config.max_recipients)
        return Destination(key="email " + ",".join(sorted(a.lower() for a in to)), shown=_shown(to))

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        try:
            to = recipients(target, self.config.max_recipients)
            message = build_message(alert, self.config, to)
        except TargetError as exc:
            return DeliveryResult.failed(str(exc))
        except ValueError as exc:  # a header the email package refuses
            return DeliveryResult.failed(f"message cannot be built ({type(exc).__name__})")
        config = self.config
        secrets = [config.password, config.username]
        try:
            refused, _ = await aiosmtplib.send(
                message, recipients=to, hostname=config.host, port=config.port, username=config.username,
                password=config.password, use_tls=config.security == "ssl",
                start_tls=config.security == "starttls", timeout=config.timeout_s)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = f"every recipient refused (SMTP {', '.join(str(c) for c in sorted(set(codes)))})"
            return DeliveryResult.retry(reason) if any(400 <= c < 500 for c in codes) else DeliveryResult.failed(reason)
        except (aiosmtplib.SMTPTimeoutError, TimeoutError):
            return DeliveryResult.retry(f"SMTP server did not answer within {config.timeout_s:g} s")
        except aiosmtplib.SMTPNotSupported as exc:
            return DeliveryResult.failed(scrub(f"SMTP server does not support it: {exc}", secrets))
        except aiosmtplib.SMTPResponseException as exc:
            said = scrub(f"SMTP {exc.code} {exc.message}", secrets)
            return DeliveryResult.retry(said) if 400 <= exc.code < 500 else DeliveryResult.failed(said)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return DeliveryResult.retry(scrub(f"SMTP connection failed ({type(exc).__name__})", secrets))
        if refused:
            return DeliveryResult.delivered(f"{len(refused)} of {len(to)} recipients refused by the SMTP server")
        return DeliveryResult.delivered()

    async def close(self) -> None:
        """Nothing held: one SMTP session per message."""
