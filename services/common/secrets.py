"""Secrets by name, resolved at the moment they are used: never in topics, logs or dead letters.

A subscription is published to a compacted topic that keeps it forever, and it is copied into alerts,
dead letters and logs. So it never carries a secret: a channel names one (``"url_ref": "slack-ops"``,
``"secret_ref": "partner-hook"``) and the delivering process looks the value up when it delivers.
Where the values come from:

- an environment variable ``ATTACHE_SECRET_<NAME>`` (the name upper-cased, ``-`` and ``.`` as ``_``):
  ``slack-ops`` → ``ATTACHE_SECRET_SLACK_OPS``; it wins over a file, so an operator can override one;
- a file ``<directory>/<name>``: the Kubernetes Secret-volume convention (each key a file, the files
  symlinks into a ``..data`` folder that the kubelet swaps on rotation). The file is read at every
  lookup, so a rotated secret is used without a restart. One trailing newline is dropped
  (``echo secret > file`` writes one).

Webhook signing secrets are not stored at all: each subscription's secret is *derived* from one
deployment key, ``whsec_`` + base64(HMAC-SHA256(key, "<subscription_id>:<secret_version>")). Only the
key has to be kept safe; the API can show subscribers their secret by deriving it again, and bumping
the subscription's ``secret_version`` rotates it. A channel may instead name its own secret with
``secret_ref`` (a secret a partner gave us, say).

Every error names the secret that is missing or unreadable, never a value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "ATTACHE_SECRET_"
WEBHOOK_SECRET_PREFIX = "whsec_"
# A key shorter than this is guessable; HMAC keys should carry at least 128 bits.
MIN_SIGNING_KEY_LENGTH = 16
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class SecretError(LookupError):
    """A named secret is missing, unreadable or badly named; ``str()`` names it, never a value."""


def env_var_for(name: str) -> str:
    """The environment variable holding secret ``name``: ``slack-ops`` → ``ATTACHE_SECRET_SLACK_OPS``."""
    return ENV_PREFIX + re.sub(r"[-.]", "_", name).upper()


def check_name(name: Any) -> str:
    """``name`` if it can name a secret (letters, digits, ``_.-``; no path), else ``SecretError``."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        shown = name if isinstance(name, str) and len(name) <= 64 else type(name).__name__
        raise SecretError(f"{shown!r} is not a secret name (letters, digits, '_', '.', '-'; at most 128)")
    return name


class SecretStore:
    """Looks named secrets up in the environment, then in ``directory`` (optional)."""

    def __init__(self, directory: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        self._environ = os.environ if environ is None else environ

    def get(self, name: str) -> str:
        """The value of secret ``name``; ``SecretError`` naming it when it is not set or cannot be read."""
        name = check_name(name)
        variable = env_var_for(name)
        value = self._environ.get(variable)
        if value:
            return value
        if self.directory is not None:
            value = self._read_file(name)
            if value:
                return value
        where = f"{variable} is not set"
        if self.directory is not None:
            where += f" and {self.directory}/{name} does not exist or is empty"
        raise SecretError(f"secret {name!r} not found: {where}")

    def _read_file(self, name: str) -> str | None:
        assert self.directory is not None
        base = self.directory.expanduser().resolve()
        path = (base / name).resolve()  # Kubernetes' files are symlinks into ..data: follow them, but stay inside
        if not path.is_relative_to(base):
            raise SecretError(f"secret {name!r}: {self.directory}/{name} points outside {self.directory}")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretError(f"secret {name!r}: cannot read {self.directory}/{name} ({type(exc).__name__})") from None
        return text.removesuffix("\n").removesuffix("\r")


def derive_webhook_secret(signing_key: str | bytes, subscription_id: str, secret_version: int = 1) -> str:
    """The Standard Webhooks secret (``whsec_…``) of one subscription, derived from the deployment key.

    Deterministic: the alerter signs with it, the API shows it to the subscriber, and nothing per
    subscription is stored. A new ``secret_version`` gives an unrelated secret (rotation)."""
    key = signing_key.encode() if isinstance(signing_key, str) else signing_key
    if len(key) < MIN_SIGNING_KEY_LENGTH:
        raise SecretError(f"the webhook signing key is shorter than {MIN_SIGNING_KEY_LENGTH} characters")
    if isinstance(secret_version, bool) or not isinstance(secret_version, int) or secret_version < 1:
        raise SecretError(f"secret_version must be a whole number >= 1, not {secret_version!r}")
    digest = hmac.new(key, f"{subscription_id}:{secret_version}".encode(), hashlib.sha256).digest()
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(digest).decode("ascii")


class WebhookSecrets:
    """The secret a webhook channel signs with: its ``secret_ref`` when it names one, else the secret
    derived from the deployment signing key for (subscription, ``secret_version``)."""

    def __init__(self, store: SecretStore, signing_key: str | bytes | None) -> None:
        self.store = store
        self._signing_key = signing_key or None

    def __repr__(self) -> str:  # never the key
        return f"WebhookSecrets(store={self.store!r}, signing_key={'set' if self._signing_key else 'unset'})"

    def for_channel(self, subscription_id: str, channel: Mapping[str, Any]) -> str | bytes:
        """A secret ``standardwebhooks.Webhook`` accepts: ``whsec_<base64>``, or raw bytes for a
        referenced secret written in another form."""
        if (ref := channel.get("secret_ref")) is not None:
            value = self.store.get(ref)
            return value if value.startswith(WEBHOOK_SECRET_PREFIX) else value.encode()
        if self._signing_key is None:
            raise SecretError("no webhook signing key is configured (ATTACHE_WEBHOOK_SIGNING_KEY) and the "
                              "channel names no secret_ref")
        return derive_webhook_secret(self._signing_key, subscription_id, channel.get("secret_version", 1))
