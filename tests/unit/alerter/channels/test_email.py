"""Email channel: the alert arrives at a real SMTP server (aiosmtpd on 127.0.0.1) with the subject, a
plain-text and an HTML body; credentials are used and never shown; SMTP replies classified."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from services.alerter.channels.email import EmailChannel, SmtpConfig
from tests.unit.alerter.channels.helpers import MailHandler, MailServer, free_port, make_alert

TARGET = {"kind": "email", "to": ["analyst@example.org", "desk@example.net"]}


def config(port: int, **options: object) -> SmtpConfig:
    return SmtpConfig(**{"host": "127.0.0.1", "port": port, "security": "none", "timeout_s": 5.0,  # type: ignore[arg-type]
                         "sender": "Attaché <alerts@attache.example>", **options})


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


async def test_an_alert_arrives_with_its_subject_and_the_same_content_in_text_and_html() -> None:
    handler = MailHandler()
    async with MailServer(handler) as server:
        result = await EmailChannel(config(server.port)).deliver(make_alert(), TARGET)
    assert result.outcome == "delivered"
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == TARGET["to"] and envelope.mail_from == "alerts@attache.example"
    assert isinstance(envelope.content, bytes)
    mail = parsed(envelope.content)
    assert mail["Subject"] == "[Attaché] Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin)"
    assert mail["To"] == "analyst@example.org, desk@example.net"
    assert mail["Message-ID"] == "<story.story-kp-ru-0001.kp-ru-leaders@attache.alerts>"
    assert mail["X-Attache-Alert-Id"] == "alert-0001"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (text, html):
        for expected in ("New story", "Kim Jong Un, Vladimir Putin", "KP, RU", "potential",
                         "https://news.example.org/2023/11/07/kim-putin-potential-meeting",
                         "A potential meeting between Kim Jong Un and Vladimir Putin", "story-kp-ru-0001"):
            assert expected in part
    assert "Modality:   potential" in text and "“A potential meeting between Kim Jong Un and Vladimir Putin”" in text
    assert '<a href="https://news.example.org/2023/11/07/kim-putin-potential-meeting">' in html


async def test_an_update_says_what_changed_and_is_threaded_under_the_story() -> None:
    handler = MailHandler()
    alert = make_alert(2, kind="update", change="modality", modality="occurred", history=("potential", "occurred"))
    async with MailServer(handler) as server:
        await EmailChannel(config(server.port)).deliver(alert, {"kind": "email", "to": "analyst@example.org"})
    mail = parsed(handler.envelopes[0].content)  # type: ignore[arg-type]
    assert mail["Subject"] == "[Attaché] Update: Leader meeting took place: KP–RU (Kim Jong Un, Vladimir Putin)"
    assert mail["Message-ID"] == "<alert.alert-0002@attache.alerts>"
    assert mail["In-Reply-To"] == mail["References"] == "<story.story-kp-ru-0001.kp-ru-leaders@attache.alerts>"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Update: modality changed (potential → occurred)" in text and "potential → occurred" in text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback test server only
async def test_the_server_login_uses_the_configured_credentials_which_never_appear_in_a_result() -> None:
    handler = MailHandler()
    async with MailServer(handler, login=("attache", "sm7p-pa55word")) as server:
        right = await EmailChannel(config(server.port, username="attache", password="sm7p-pa55word")).deliver(
            make_alert(), TARGET)
        wrong = await EmailChannel(config(server.port, username="attache", password="wrong-pa55word")).deliver(
            make_alert(), TARGET)
    assert right.outcome == "delivered" and len(handler.envelopes) == 1
    assert wrong.outcome == "failed" and wrong.reason.startswith("SMTP 535")
    assert "pa55word" not in wrong.reason
    assert "pa55word" not in repr(config(1, password="sm7p-pa55word"))


async def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_final() -> None:
    async with MailServer(MailHandler(rcpt_reply="450 4.2.1 mailbox busy")) as busy:
        temporary = await EmailChannel(config(busy.port)).deliver(make_alert(), TARGET)
    async with MailServer(MailHandler(rcpt_reply="550 5.1.1 no such user")) as refusing:
        permanent = await EmailChannel(config(refusing.port)).deliver(make_alert(), TARGET)
    assert (temporary.outcome, temporary.reason) == ("retry", "every recipient refused (SMTP 450)")
    assert (permanent.outcome, permanent.reason) == ("failed", "every recipient refused (SMTP 550)")


async def test_an_unreachable_server_is_retried() -> None:
    result = await EmailChannel(config(free_port())).deliver(make_alert(), TARGET)
    assert result.outcome == "retry" and result.reason.startswith("SMTP connection failed")


async def test_bad_recipients_are_refused_before_any_connection() -> None:
    channel = EmailChannel(config(free_port(), max_recipients=2))
    for to, reason in (("analyst@example.org\r\nBcc: all@example.org", "is not an email address"),
                       (["a@example.org", "b@example.org", "c@example.org"], "at most 2 recipients"),
                       ([], "needs 'to'"), ("no-at-sign", "is not an email address")):
        result = await channel.deliver(make_alert(), {"kind": "email", "to": to})
        assert result.outcome == "failed" and reason in result.reason, (to, result)
    assert channel.destination(TARGET).shown == "email 2 recipients at example.net, example.org"
