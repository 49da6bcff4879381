"""Secrets by name: from ATTACHE_SECRET_<NAME> or a Kubernetes-style secret directory, resolved when used;
webhook signing secrets derived per subscription; errors name the secret, never a value."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from services.common.secrets import (
    SecretError,
    SecretStore,
    WebhookSecrets,
    derive_webhook_secret,
    env_var_for,
)

KEY = "deployment-signing-key-0123456789"


def test_a_secret_name_maps_to_its_environment_variable() -> None:
    assert env_var_for("slack-ops") == "ATTACHE_SECRET_SLACK_OPS"
    assert env_var_for("partner.hook_1") == "ATTACHE_SECRET_PARTNER_HOOK_1"


def test_the_environment_wins_over_the_secret_directory(tmp_path: Path) -> None:
    (tmp_path / "slack-ops").write_text("from-file")
    assert SecretStore(tmp_path, {"ATTACHE_SECRET_SLACK_OPS": "from-env"}).get("slack-ops") == "from-env"
    assert SecretStore(tmp_path, {}).get("slack-ops") == "from-file"


def test_a_kubernetes_secret_volume_is_read_through_its_symlinks_and_rotation_is_seen(tmp_path: Path) -> None:
    # what the kubelet writes: <dir>/<key> -> ..data/<key>, ..data -> ..<timestamp>/
    first = tmp_path / "..2024_01_01"
    first.mkdir()
    (first / "hook-url").write_text("https://hooks.example.org/one\n")
    (tmp_path / "..data").symlink_to(first.name)
    (tmp_path / "hook-url").symlink_to("..data/hook-url")
    store = SecretStore(tmp_path, {})
    assert store.get("hook-url") == "https://hooks.example.org/one"  # the trailing newline dropped
    second = tmp_path / "..2024_02_01"
    second.mkdir()
    (second / "hook-url").write_text("https://hooks.example.org/two")
    (tmp_path / "..data").unlink()
    (tmp_path / "..data").symlink_to(second.name)
    assert store.get("hook-url") == "https://hooks.example.org/two"


def test_a_missing_secret_is_named_and_no_value_appears_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "other").write_text("other-secret-value")
    store = SecretStore(tmp_path, {"ATTACHE_SECRET_ELSE": "env-secret-value"})
    with pytest.raises(SecretError) as caught:
        store.get("slack-ops")
    message = str(caught.value)
    assert "'slack-ops'" in message and "ATTACHE_SECRET_SLACK_OPS" in message and str(tmp_path) in message
    assert "secret-value" not in message


def test_names_that_could_point_outside_the_directory_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("not-for-you")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "escape").symlink_to(outside)
    store = SecretStore(secrets, {})
    for name in ("../outside", "a/b", "", ".hidden", "x" * 200):
        with pytest.raises(SecretError, match="is not a secret name"):
            store.get(name)
    with pytest.raises(SecretError, match="points outside") as caught:
        store.get("escape")
    assert "not-for-you" not in str(caught.value)


def test_derived_webhook_secrets_are_stable_per_subscription_and_change_with_the_version() -> None:
    secret = derive_webhook_secret(KEY, "kp-ru-leaders", 1)
    expected = hmac.new(KEY.encode(), b"kp-ru-leaders:1", hashlib.sha256).digest()
    assert secret == "whsec_" + base64.b64encode(expected).decode()
    assert derive_webhook_secret(KEY, "kp-ru-leaders", 1) == secret
    assert derive_webhook_secret(KEY, "kp-ru-leaders", 2) != secret  # rotation
    assert derive_webhook_secret(KEY, "another", 1) != secret
    assert derive_webhook_secret(KEY + "x", "kp-ru-leaders", 1) != secret
    Webhook(secret)  # a secret the Standard Webhooks libraries accept


def test_a_short_signing_key_or_a_bad_version_is_refused_without_showing_the_key() -> None:
    with pytest.raises(SecretError, match="shorter than 16") as caught:
        derive_webhook_secret("short-key", "s", 1)
    assert "short-key" not in str(caught.value)
    for version in (0, -1, "1", True, 1.5):
        with pytest.raises(SecretError, match="secret_version"):
            derive_webhook_secret(KEY, "s", version)  # type: ignore[arg-type]


def test_a_channel_signs_with_its_secret_ref_or_else_with_the_derived_secret() -> None:
    partner = "whsec_" + base64.b64encode(b"p" * 32).decode()
    store = SecretStore(None, {"ATTACHE_SECRET_PARTNER": partner, "ATTACHE_SECRET_RAW": "plain words"})
    secrets = WebhookSecrets(store, KEY)
    assert secrets.for_channel("s1", {"kind": "webhook", "secret_ref": "partner"}) == partner
    assert secrets.for_channel("s1", {"kind": "webhook", "secret_ref": "raw"}) == b"plain words"
    assert secrets.for_channel("s1", {"kind": "webhook"}) == derive_webhook_secret(KEY, "s1", 1)
    assert secrets.for_channel("s1", {"kind": "webhook", "secret_version": 3}) == derive_webhook_secret(KEY, "s1", 3)
    assert KEY not in repr(secrets)
    with pytest.raises(SecretError, match="ATTACHE_WEBHOOK_SIGNING_KEY"):
        WebhookSecrets(store, None).for_channel("s1", {"kind": "webhook"})
    with pytest.raises(SecretError, match="'missing'"):
        secrets.for_channel("s1", {"kind": "webhook", "secret_ref": "missing"})
