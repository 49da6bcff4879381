"""Subscriptions as the API and ``attache subscriptions`` change them: checked, published, read back.

Every write goes the same way: :func:`~services.common.subscriptions.normalize` (refused input never
reaches the topic), a record on the compacted ``subscriptions`` topic (the source of truth, which the
alerters follow), then a wait until this process's own :class:`SubscriptionRegistry` has read that very
record back (by partition and offset). So a client that reads right after a write sees it, and a write
Kafka did not confirm is reported as such instead of pretending.

No FastAPI here: the CLI uses this module too, without the API running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from services.common.kafka import aiokafka_producer_options
from services.common.logging import get_logger
from services.common.redact import redact_text
from services.common.secrets import SecretError, derive_webhook_secret
from services.common.settings import Settings
from services.common.subscriptions import (
    Checks,
    SubscriptionError,
    SubscriptionRegistry,
    normalize,
    publish,
    webhook_secret_version,
)

log = get_logger(__name__)

# set by the server, never by a client: dropped from bodies (a GET's output can be PUT back as it is)
SERVER_FIELDS = ("created_at", "updated_at")
PATCHABLE = ("name", "query", "channels", "throttle", "status")
SIGNING_KEY_FILE = "webhook-signing-key"


class NotFound(LookupError):
    def __init__(self, sub_id: str) -> None:
        self.sub_id = sub_id
        super().__init__(f"no subscription {sub_id!r}")


class Conflict(Exception):
    """The write contradicts what is stored (a subscription with that id exists already)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class WriteNotConfirmed(Exception):
    """Kafka did not confirm a write in time, or it was not read back: its outcome is unknown."""


class SigningKeyMissing(Exception):
    pass


class SubscriptionLog(Protocol):
    """Where subscriptions are written and read back: Kafka (``KafkaLog``), or memory in unit tests."""

    registry: SubscriptionRegistry

    async def write(self, sub_id: str, subscription: Mapping[str, Any] | None) -> None:
        """Publish, and return once ``registry`` has applied that record; ``WriteNotConfirmed`` otherwise."""
        ...


class KafkaLog:
    """The compacted topic through one long-lived producer, read back by ``registry``.

    A send Kafka has not confirmed within ``confirm_timeout_s`` is *unknown*: it may still land. The
    producer is then closed, so nothing it still holds is retried behind the caller's back, and the next
    write gets a fresh one; the caller is told to read the subscription back.
    """

    def __init__(self, settings: Settings, registry: SubscriptionRegistry, *, confirm_timeout_s: float = 5.0) -> None:
        self.settings = settings
        self.registry = registry
        self.confirm_timeout_s = confirm_timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _started_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(**aiokafka_producer_options(self.settings))
            try:
                await asyncio.wait_for(producer.start(), self.confirm_timeout_s)
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), 2.0)
                raise
            self._producer = producer
        return self._producer

    async def write(self, sub_id: str, subscription: Mapping[str, Any] | None) -> None:
        async with self._lock:
            try:
                producer = await self._started_producer()
                partition, offset = await asyncio.wait_for(
                    publish(self.settings, sub_id, subscription, producer), self.confirm_timeout_s)
            except (TimeoutError, KafkaError, OSError) as exc:
                await self.close()
                log.warning("subscription write not confirmed by Kafka", subscription_id=sub_id,
                            error=redact_text(repr(exc)))
                raise WriteNotConfirmed(
                    f"Kafka did not confirm the write within {self.confirm_timeout_s:.0f}s "
                    f"({type(exc).__name__}); it may still be applied: read subscription {sub_id!r} to "
                    "check, or retry") from None
        if not await self.registry.wait_for(lambda: self.registry.has_read(partition, offset), self.confirm_timeout_s):
            raise WriteNotConfirmed(f"Kafka confirmed the write, but it was not read back within "
                                    f"{self.confirm_timeout_s:.0f}s; it will apply shortly")

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 2.0)


def signing_key(settings: Settings) -> str | None:
    """The deployment's webhook signing key: ``ATTACHE_WEBHOOK_SIGNING_KEY``, else the one ``attache run``
    keeps in ``<data dir>/webhook-signing-key``, else None."""
    key = settings.webhook_signing_key.get_secret_value()
    if key:
        return key
    path = settings.resolved_data_dir / SIGNING_KEY_FILE
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _client_body(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return {k: v for k, v in raw.items() if k not in SERVER_FIELDS}
    return raw


class SubscriptionService:
    """What can be done to subscriptions, whoever asks (the API for a token, the CLI as ``cli``).

    Writes are serialised within a process, so two concurrent creates of one id give one 201 and one
    conflict. (Two processes writing the same id at once — the API and the CLI — both succeed, the
    later record winning, as on any compacted topic.)
    """

    def __init__(self, log_: SubscriptionLog, checks: Checks | None = None, signing_key: str | None = None) -> None:
        self.log = log_
        self.checks = checks or Checks()
        self.signing_key = signing_key
        self._lock = asyncio.Lock()

    @property
    def registry(self) -> SubscriptionRegistry:
        return self.log.registry

    # -- reads ---------------------------------------------------------------------------------------
    def list(self, status: str | None = None, owner: str | None = None) -> list[dict[str, Any]]:
        subs = sorted(self.registry.subscriptions.values(), key=lambda s: s["id"])
        return [s for s in subs if (status is None or s.get("status", "active") == status)
                and (owner is None or s.get("owner") == owner)]

    def get(self, sub_id: str) -> dict[str, Any]:
        found = self.registry.subscriptions.get(sub_id)
        if found is None:
            raise NotFound(sub_id)
        return found

    # -- writes --------------------------------------------------------------------------------------
    async def _store(self, subscription: dict[str, Any]) -> dict[str, Any]:
        await self.log.write(subscription["id"], subscription)
        return self.registry.subscriptions.get(subscription["id"], subscription)

    @staticmethod
    def _owner(body: Any, wanted: str) -> None:
        """A body may name the owner it will get anyway, nobody else: who manages a subscription is
        who made it (a token's name, ``cli``), not what a client claims."""
        if isinstance(body, Mapping) and "owner" in body and body["owner"] != wanted:
            shown = body["owner"] if isinstance(body["owner"], str) else type(body["owner"]).__name__
            raise SubscriptionError("owner", f"is set by the server ({wanted!r}), not {str(shown)[:60]!r}: leave "
                                    "it out")

    async def create(self, raw: Any, actor: str) -> dict[str, Any]:
        """A new subscription owned by ``actor``; ``Conflict`` if its id is taken."""
        body = _client_body(raw)
        self._owner(body, actor)
        async with self._lock:
            subscription = normalize(body, checks=self.checks, owner=actor)
            if subscription["id"] in self.registry.subscriptions:
                raise Conflict("id", f"subscription {subscription['id']!r} exists already: PUT "
                               f"/subscriptions/{subscription['id']} replaces it")
            return await self._store(subscription)

    async def replace(self, sub_id: str, raw: Any, actor: str) -> tuple[dict[str, Any], bool]:
        """The whole subscription replaced (``created_at``, ``owner`` and, unless given, ``secret_version``
        kept), or created when there is none; returns it and whether it was created."""
        body = _client_body(raw)
        if isinstance(body, Mapping):
            if "id" in body and body["id"] != sub_id:
                shown = body["id"] if isinstance(body["id"], str) else type(body["id"]).__name__
                raise SubscriptionError("id", f"{str(shown)[:70]!r} differs from the id in the path ({sub_id!r})")
            body = {"id": sub_id, **body}
        async with self._lock:
            previous = self.registry.subscriptions.get(sub_id)
            owner = (previous or {}).get("owner") or actor
            self._owner(body, owner)
            if previous is not None and isinstance(body, dict) and "secret_version" in previous:
                body.setdefault("secret_version", previous["secret_version"])
            subscription = normalize(body, checks=self.checks, previous=previous, owner=owner)
            return await self._store(subscription), previous is None

    async def patch(self, sub_id: str, changes: Any) -> dict[str, Any]:
        """Some of ``name``, ``query``, ``channels``, ``throttle`` (null removes it) and ``status`` changed."""
        if not isinstance(changes, Mapping):
            raise SubscriptionError("(body)", f"a JSON object of the fields to change ({', '.join(PATCHABLE)}), "
                                    f"not {type(changes).__name__}")
        for field in changes:
            if field not in PATCHABLE:
                raise SubscriptionError(str(field)[:80], f"cannot be changed by PATCH (fields: {', '.join(PATCHABLE)}"
                                        "; PUT replaces the whole subscription)")
        async with self._lock:
            previous = self.get(sub_id)
            merged = {k: v for k, v in previous.items() if k not in SERVER_FIELDS}
            for field, value in changes.items():
                if value is None and field == "throttle":
                    merged.pop(field, None)
                else:
                    merged[field] = value
            subscription = normalize(merged, checks=self.checks, previous=previous)
            return await self._store(subscription)

    async def set_status(self, sub_id: str, status: str) -> dict[str, Any]:
        """Pause or resume; a subscription already in that state is left as it is (no write)."""
        async with self._lock:
            previous = self.get(sub_id)
            if previous.get("status", "active") == status:
                return previous
            merged = {k: v for k, v in previous.items() if k not in SERVER_FIELDS}
            merged["status"] = status
            return await self._store(normalize(merged, checks=self.checks, previous=previous))

    async def delete(self, sub_id: str) -> dict[str, Any]:
        """A tombstone on the topic; returns what was deleted."""
        async with self._lock:
            previous = self.get(sub_id)
            await self.log.write(sub_id, None)
            return previous

    async def rotate_secret(self, sub_id: str) -> dict[str, Any]:
        """A new ``secret_version``, on the subscription and on each webhook channel that signs with the
        derived secret (the alerter signs with the channel's version): every derived secret changes."""
        async with self._lock:
            previous = self.get(sub_id)
            versions = [previous.get("secret_version", 1)] + [
                c["secret_version"] for c in previous["channels"] if c["kind"] == "webhook" and "secret_version" in c]
            version = max(versions) + 1
            merged = {k: v for k, v in previous.items() if k not in SERVER_FIELDS}
            merged["secret_version"] = version
            merged["channels"] = [{**c, "secret_version": version} if c["kind"] == "webhook" and "secret_ref" not in c
                                  else c for c in previous["channels"]]
            return await self._store(normalize(merged, checks=self.checks, previous=previous))

    def webhook_secrets(self, sub_id: str) -> dict[str, Any]:
        """The Standard Webhooks secrets (``whsec_…``) the subscription's webhooks are signed with, derived
        from the deployment key; a channel naming its own ``secret_ref`` is listed by that name only."""
        subscription = self.get(sub_id)
        if not self.signing_key:
            raise SigningKeyMissing("no webhook signing key is configured (ATTACHE_WEBHOOK_SIGNING_KEY; `attache "
                                    "run` makes one in its data dir): webhooks cannot be signed, so there is no "
                                    "secret to show")
        version = subscription.get("secret_version", 1)
        try:
            secret = derive_webhook_secret(self.signing_key, sub_id, version)
            webhooks = []
            for number, channel in enumerate(subscription["channels"]):
                if channel["kind"] != "webhook":
                    continue
                target = channel.get("url_ref") or redact_text(channel.get("url", ""))
                if "secret_ref" in channel:
                    webhooks.append({"channel": number, "target": target, "secret_ref": channel["secret_ref"],
                                     "secret": None, "secret_version": None})
                    continue
                channel_version = webhook_secret_version(subscription, channel)
                webhooks.append({"channel": number, "target": target, "secret_ref": None,
                                 "secret": derive_webhook_secret(self.signing_key, sub_id, channel_version),
                                 "secret_version": channel_version})
        except SecretError as exc:  # a key shorter than 16 characters: a configuration problem, said as such
            raise SigningKeyMissing(str(exc)) from None
        return {"subscription_id": sub_id, "secret_version": version, "secret": secret, "webhooks": webhooks}
