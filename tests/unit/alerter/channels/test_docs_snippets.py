"""The verification code docs/alerts-channels.md gives subscribers accepts a real delivery and refuses a
tampered one: the documentation is checked against the channel, not just written beside it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from services.alerter.channels.webhook import WebhookChannel
from services.common.secrets import SecretStore, WebhookSecrets, derive_webhook_secret
from tests.unit.alerter.channels.helpers import LOOPBACK, SIGNING_KEY, Receiver, make_alert

DOC = Path(__file__).resolve().parents[4] / "docs" / "alerts-channels.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


async def test_both_verification_snippets_of_the_docs_accept_a_delivery_and_refuse_a_tampered_one() -> None:
    alert = make_alert()
    secret = derive_webhook_secret(SIGNING_KEY, alert["subscription_id"], 1)
    channel = WebhookChannel(WebhookSecrets(SecretStore(None, {}), SIGNING_KEY), policy=LOOPBACK)
    async with Receiver() as receiver:
        assert (await channel.deliver(alert, {"kind": "webhook", "url": receiver.url()})).outcome == "delivered"
    await channel.close()
    [(headers, body)] = receiver.requests
    [with_package] = [b for b in python_blocks() if "from standardwebhooks import" in b]
    [stdlib_only] = [b for b in python_blocks() if "def verify_attache_webhook" in b]
    package_space: dict[str, Any] = {}
    exec(with_package.replace("whsec_…", secret), package_space)
    stdlib_space: dict[str, Any] = {}
    exec(stdlib_only, stdlib_space)
    assert package_space["receive"](body, headers) == alert
    assert stdlib_space["verify_attache_webhook"](secret, body, headers) == alert
    tampered = body.replace(b"Kim Jong Un", b"Kim Jong Il")
    with pytest.raises(package_space["WebhookVerificationError"]):
        package_space["receive"](tampered, headers)
    with pytest.raises(ValueError, match="no valid signature"):
        stdlib_space["verify_attache_webhook"](secret, tampered, headers)
    with pytest.raises(ValueError, match="timestamp too old"):
        stdlib_space["verify_attache_webhook"](secret, body, {**headers, "webhook-timestamp": "1000000000"})


def test_the_operators_snippet_prints_the_subscribers_secret(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    [snippet] = [b for b in python_blocks() if "derive_webhook_secret" in b]
    monkeypatch.setenv("ATTACHE_WEBHOOK_SIGNING_KEY", SIGNING_KEY)
    exec(snippet, {})
    assert capsys.readouterr().out.strip() == derive_webhook_secret(SIGNING_KEY, "kp-ru-leaders", 1)
