"""normalize refuses what cannot be a subscription with the field and a short reason, never an exception of
another kind; the registry applies records with the writers' checks and knows which records it has read."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.common.settings import Settings
from services.common.subscriptions import (
    Checks,
    SubscriptionError,
    SubscriptionRegistry,
    normalize,
    webhook_secret_version,
)


def sub(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": "kp", "name": "KP", "query": "type:summit", "channels": [{"kind": "log"}]}
    body.update(changes)
    return body


def refusal(raw: Any, checks: Checks | None = None) -> SubscriptionError:
    with pytest.raises(SubscriptionError) as caught:
        normalize(raw, checks=checks)
    return caught.value


@pytest.mark.parametrize(("url", "words"), [
    ("http://[::1/x", "not a URL"),
    ("http://127.0.0.1:99999/x", "not a URL (Port out of range"),
    ("https://user:hunter2@hooks.example.org/", "may not carry a user name or password"),
    ("http://127.0.0.1/x", "loopback"),
    ("http://localhost:8000/x", "localhost is this machine"),
])
def test_a_webhook_url_that_cannot_be_used_is_refused_naming_the_channel(url: str, words: str) -> None:
    error = refusal(sub(channels=[{"kind": "log"}, {"kind": "webhook", "url": url}]))
    assert error.field == "channels[1].url"
    assert words in error.reason
    assert "hunter2" not in str(error)


def test_an_allowed_private_address_is_accepted() -> None:
    checks = Checks.from_settings(Settings(allow_private_addresses="127.0.0.1"))
    assert normalize(sub(channels=[{"kind": "webhook", "url": "http://127.0.0.1:9000/x"}]), checks=checks)


def test_a_file_channel_path_with_control_characters_is_refused() -> None:
    error = refusal(sub(channels=[{"kind": "file", "path": "a\u0000b.jsonl"}]))
    assert (error.field, error.reason) == ("channels[0].path", "a file name may not contain control characters")


def test_a_subscription_without_channels_is_refused_saying_which_kinds_exist() -> None:
    for raw in ({k: v for k, v in sub().items() if k != "channels"}, sub(channels=[])):
        error = refusal(raw)
        assert error.field == "channels"
        assert "log, file, webhook, slack, email" in error.reason


def test_query_and_its_earlier_form_match_are_not_both_given() -> None:
    assert refusal(sub(match={"types": ["summit"]})).field == "match"
    translated = normalize({k: v for k, v in sub(match={"types": ["summit"]}).items() if k != "query"})
    assert translated["query"] == "type:summit" and "match" not in translated


def test_a_huge_value_is_not_quoted_back_whole() -> None:
    error = refusal(sub(name="n" * 60_000))
    assert error.field == "name"
    assert error.reason == "longer than 200 characters (60000 given)"
    error = refusal(sub(id="Not An Id " * 1000))
    assert error.field == "id" and len(str(error)) < 300
    assert refusal(sub(name="")).reason == "must not be empty"


def test_the_webhook_secret_version_is_the_channels_then_the_subscriptions_then_1() -> None:
    assert webhook_secret_version({}, {"kind": "webhook"}) == 1
    assert webhook_secret_version({"secret_version": 3}, {"kind": "webhook"}) == 3
    assert webhook_secret_version({"secret_version": 3}, {"kind": "webhook", "secret_version": 5}) == 5
    assert webhook_secret_version({"secret_version": True}, {"kind": "webhook"}) == 1


def test_the_registry_reads_back_what_a_writer_with_the_same_settings_accepted() -> None:
    settings = Settings(allow_private_addresses="127.0.0.1")
    stored = normalize(sub(channels=[{"kind": "webhook", "url": "http://127.0.0.1:9000/x"}]),
                       checks=Checks.from_settings(settings))
    registry = SubscriptionRegistry(settings)
    registry.apply(b"kp", orjson.dumps(stored))
    assert registry.subscriptions["kp"] == stored and not registry.invalid
    strict = SubscriptionRegistry(Settings())
    strict.apply(b"kp", orjson.dumps(stored))
    assert "kp" not in strict.subscriptions and "loopback" in strict.invalid["kp"].error


def test_has_read_compares_a_records_offset_with_the_position() -> None:
    registry = SubscriptionRegistry(Settings())
    assert not registry.has_read(0, 0)
    registry.positions[0] = 5
    assert registry.has_read(0, 4) and not registry.has_read(0, 5) and not registry.has_read(1, 0)
