"""Subscriptions as a resource: checked and normalised in one place, kept on the compacted topic.

Why one module: the API, ``attache subscriptions``, ``attache setup`` (the YAML seed file) and the alerter
all read or write subscriptions, and a subscription must mean the same thing to each. Whatever writes
one calls :func:`normalize` first, so the topic holds only subscriptions that parse, in canonical form
(the query with leader names and country codes resolved; the structured ``match``, ``deliver`` and
``enabled`` of earlier versions translated to ``query``, ``channels`` and ``status``), without secrets.

The compacted ``subscriptions`` topic is the source of truth (key: id; a null value deletes). Readers
follow it from the beginning with :class:`SubscriptionRegistry`; a change reaches them as soon as it is on
the topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.common.kafka import aiokafka_consumer_options, aiokafka_producer_options
from services.common.logging import get_logger
from services.common.netguard import AddressPolicy
from services.common.query import QueryError, parse_query, query_from_match
from services.common.redact import redact_text
from services.common.schemas import SchemaViolation, validate, validator
from services.common.settings import Settings

log = get_logger(__name__)

# What a client may set; the rest (created_at, updated_at) is the server's.
WRITABLE = ("id", "name", "query", "match", "channels", "deliver", "status", "enabled", "throttle", "owner",
            "secret_version")


class SubscriptionError(ValueError):
    """A subscription refused: which field (a JSON path such as ``channels[1].url``), why, and for a query
    the character position and a suggestion. ``str()`` is one sentence naming the field."""

    def __init__(self, field: str, reason: str, *, position: int | None = None, suggestion: str | None = None,
                 query_error: dict[str, Any] | None = None) -> None:
        self.field, self.reason, self.position, self.suggestion = field, reason.rstrip(". "), position, suggestion
        self.query_error = query_error
        super().__init__(f"{field}: {self.reason}" if field else self.reason)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "reason": self.reason, "message": str(self)}
        if self.position is not None:
            body["position"] = self.position
        if self.suggestion is not None:
            body["suggestion"] = self.suggestion
        if self.query_error is not None:
            body["query_error"] = self.query_error
        return body


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


def _schema_error(subscription: Any) -> SubscriptionError | None:
    """The most specific schema violation, with its field path (not jsonschema's wall of text)."""
    errors = sorted(validator("subscription").iter_errors(subscription),
                    key=lambda e: (-len(list(e.absolute_path)), e.message))
    if not errors:
        return None
    error = errors[0]
    # oneOf over channel kinds: say which kinds exist rather than "is not valid under any of the given schemas"
    if error.validator in ("oneOf", "anyOf") and list(error.absolute_path)[:1] in (["channels"], ["deliver"]):
        kind = error.instance.get("kind") if isinstance(error.instance, dict) else None
        if kind not in ("log", "file", "webhook", "slack", "email"):
            return SubscriptionError(_path(error.absolute_path) + ".kind",
                                     f"{kind!r} is not a channel kind (log, file, webhook, slack, email)")
        need = {"webhook": "'url' or 'url_ref' (one of them), optionally secret_ref, secret_version, timeout_s",
                "slack": "'url_ref', the name of the secret holding the Slack webhook URL",
                "email": "'to', a list of addresses", "file": "an optional 'path' inside the alerts directory",
                "log": "no other field"}[kind]
        sub_errors = sorted(error.context or [], key=lambda e: -len(list(e.absolute_path)))
        detail = next((e.message for e in sub_errors if e.validator not in ("const", "oneOf")), "")
        return SubscriptionError(_path(error.absolute_path), f"a {kind} channel takes {need}"
                                 + (f" ({redact_text(detail)})" if detail else ""))
    if error.validator == "anyOf" and not list(error.absolute_path):
        return SubscriptionError("query", "required: a Lucene query over event fields "
                                 "(e.g. type:leader_meeting AND countries:KP)")
    if error.validator == "additionalProperties" and not list(error.absolute_path):
        extra = sorted(set(subscription) - set(validator("subscription").schema["properties"]))
        return SubscriptionError(extra[0] if extra else "(body)",
                                 f"not a subscription field (fields: {', '.join(WRITABLE)})")
    if error.validator == "minItems" and list(error.absolute_path) == ["channels"]:
        return SubscriptionError("channels", CHANNELS_REQUIRED)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return SubscriptionError(_path([*error.absolute_path, missing]), "required")
    return SubscriptionError(_path(error.absolute_path), redact_text(_short_message(error)))


SHOWN_CHARS = 60
CHANNELS_REQUIRED = ('required: at least one channel (kinds: log, file, webhook, slack, email), e.g. '
                     '[{"kind": "log"}]')


def _short_message(error: Any) -> str:
    """jsonschema's message, with the offending value cut short: a 60 KB name must not come back whole in
    the error (an API response, a log line)."""
    instance, schema_value = error.instance, error.validator_value
    if error.validator == "maxLength" and isinstance(instance, str):
        return f"longer than {schema_value} characters ({len(instance)} given)"
    if error.validator == "minLength" and isinstance(instance, str):
        return "must not be empty" if schema_value == 1 else f"shorter than {schema_value} characters"
    if error.validator == "minItems" and isinstance(instance, list):
        return "must not be empty" if schema_value == 1 else f"needs at least {schema_value} items"
    shown = repr(instance)
    if len(shown) <= SHOWN_CHARS:
        return str(error.message)
    cut = shown[:SHOWN_CHARS] + "…"
    return str(error.message).replace(shown, cut) if shown in error.message else f"{cut}: {error.validator} failed"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Checks:
    """What a subscription's channels may point at (from settings, so the API and CLI refuse early what
    the alerter would refuse at delivery)."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> Checks:
        return cls(AddressPolicy.parse(settings.allow_private_addresses))


def normalize(raw: Any, *, checks: Checks | None = None, previous: Mapping[str, Any] | None = None,
              owner: str | None = None, now: str | None = None, touch: bool = True) -> dict[str, Any]:
    """The subscription to store, or :class:`SubscriptionError` naming the field and the reason.

    ``previous`` is the stored version (its ``created_at`` is kept); ``owner`` is set when the subscription
    has none; ``touch`` sets ``updated_at`` (off when only translating an old stored form).
    """
    checks = checks or Checks()
    if not isinstance(raw, Mapping):
        raise SubscriptionError("(body)", f"a subscription is a JSON object, not {type(raw).__name__}")
    sub = {k: v for k, v in raw.items()}
    if (error := _schema_error(sub)) is not None:
        raise error
    # the forms of earlier versions, translated
    if "query" in sub and "match" in sub:
        raise SubscriptionError("match", "give 'query' or its earlier form 'match', not both")
    if "query" not in sub:
        try:
            sub["query"] = query_from_match(sub["match"])
        except ValueError as exc:
            raise SubscriptionError("match", str(exc)) from exc
    sub.pop("match", None)
    if "deliver" in sub:
        if "channels" in sub:
            raise SubscriptionError("deliver", "give 'channels' or its earlier name 'deliver', not both")
        sub["channels"] = sub.pop("deliver")
    if "enabled" in sub:
        enabled = sub.pop("enabled")
        sub.setdefault("status", "active" if enabled else "paused")
    sub.setdefault("status", "active")
    if not sub.get("channels"):
        raise SubscriptionError("channels", CHANNELS_REQUIRED)
    try:
        sub["query"] = parse_query(sub["query"]).text
    except QueryError as exc:
        raise SubscriptionError("query", exc.message, position=exc.position, suggestion=exc.suggestion,
                                query_error=exc.to_dict()) from exc
    for number, channel in enumerate(sub["channels"]):
        _check_channel(channel, f"channels[{number}]", checks)
    if owner and not sub.get("owner"):
        sub["owner"] = owner
    stamp = now or now_iso()
    sub["created_at"] = (previous or {}).get("created_at") or sub.get("created_at") or stamp
    if touch or "updated_at" not in sub:
        sub["updated_at"] = stamp
    try:
        validate("subscription", sub)
    except SchemaViolation as exc:  # a translation gone wrong is a bug, but say where
        raise SubscriptionError("(body)", str(exc)) from exc
    return sub


def _check_channel(channel: dict[str, Any], where: str, checks: Checks) -> None:
    kind = channel["kind"]
    if kind == "webhook" and "url" in channel:
        try:
            parts = urlsplit(channel["url"])
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range"
            raise SubscriptionError(f"{where}.url", f"not a URL ({exc})") from None
        if parts.username or parts.password:
            raise SubscriptionError(f"{where}.url", "a webhook URL may not carry a user name or password: put the "
                                    "whole URL in a secret and name it with url_ref")
        host = parts.hostname or ""
        if not host:
            raise SubscriptionError(f"{where}.url", "the URL has no host")
        try:
            address = ip_address(host)
        except ValueError:
            address = None
        if address is not None and (refused := checks.policy.refusal(str(address), port)):
            raise SubscriptionError(f"{where}.url", f"{refused}")
        if host.lower() in ("localhost", "localhost.localdomain") and checks.policy.refusal("127.0.0.1", port):
            raise SubscriptionError(f"{where}.url", "localhost is this machine: webhooks may not reach it "
                                    "(ATTACHE_ALLOW_PRIVATE_ADDRESSES lists exceptions)")
    if kind == "file" and "path" in channel:
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in channel["path"]):
            raise SubscriptionError(f"{where}.path", "a file name may not contain control characters")
        path = PurePath(channel["path"])
        if path.is_absolute() or ".." in path.parts:
            raise SubscriptionError(f"{where}.path", "a file channel's path is a file name inside the alerts "
                                    "directory (ATTACHE_ALERTS_DIR): no absolute path, no '..'")


def is_active(subscription: Mapping[str, Any]) -> bool:
    return subscription.get("status", "active") == "active" and subscription.get("enabled", True) is not False


# --- the topic -------------------------------------------------------------------------------------------


async def publish(settings: Settings, subscription_id: str, subscription: Mapping[str, Any] | None,
                  producer: AIOKafkaProducer | None = None) -> tuple[int, int]:
    """Write one subscription (or its deletion, ``None``) to the compacted topic and wait for Kafka.

    Returns the record's (partition, offset), so a writer can wait until a registry has read it back
    (``registry.has_read(partition, offset)``). ``producer``: a started producer to reuse (the API keeps
    one); without it a producer is made for this one write.
    """
    value = None if subscription is None else orjson.dumps(subscription)
    topic, key = settings.topic("subscriptions"), subscription_id.encode()
    if producer is not None:
        metadata = await producer.send_and_wait(topic, value, key=key)
        return metadata.partition, metadata.offset
    producer = AIOKafkaProducer(**aiokafka_producer_options(settings))
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, value, key=key)
        return metadata.partition, metadata.offset
    finally:
        await producer.stop()


def webhook_secret_version(subscription: Mapping[str, Any], channel: Mapping[str, Any]) -> int:
    """The ``secret_version`` a webhook channel's derived signing secret is made with: the channel's own if
    it sets one, else the subscription's (bumped by the API's rotate-secret), else 1. The alerter signs
    and the API shows the secret with this one rule."""
    for source in (channel, subscription):
        version = source.get("secret_version")
        if isinstance(version, int) and not isinstance(version, bool) and version >= 1:
            return version
    return 1


@dataclass
class Invalid:
    """An update on the topic that did not pass :func:`normalize`: shown, never silently ignored."""

    id: str
    error: str
    kept_previous: bool


class SubscriptionRegistry:
    """The live subscription set, followed from the beginning of the compacted topic.

    No consumer group: every reader needs every subscription, on every start. ``on_change(id, sub|None)``
    is called for each change after the initial load too, so a reader can keep an index in step. An
    update that does not pass :func:`normalize` (written by something other than Attaché's own writers)
    is logged as an error and listed in ``invalid``; the previous version stays in force, since
    dropping a working subscription because of a bad edit would silently stop its alerts.
    """

    def __init__(self, settings: Settings, on_change: Callable[[str, dict[str, Any] | None], None] | None = None,
                 *, metadata_timeout_s: float = 30.0, exit_on_failure: bool = True) -> None:
        self.settings = settings
        self.topic = settings.topic("subscriptions")
        self.on_change = on_change
        self.metadata_timeout_s = metadata_timeout_s
        self.exit_on_failure = exit_on_failure
        # the writers' checks, from the same settings: a webhook on an allowed private address, accepted
        # when it was written, must not be refused when it is read back
        self.checks = Checks.from_settings(settings)
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invalid: dict[str, Invalid] = {}
        self.loaded = asyncio.Event()
        self.changed = asyncio.Condition()
        self.version = 0  # bumped at every applied record: lets a writer wait for its own write
        # partition → offset of the next record to read: a writer that knows its record's offset waits
        # for exactly that record (``has_read``), whatever else is written meanwhile
        self.positions: dict[int, int] = {}
        self.failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())
        self._task.add_done_callback(self._follow_ended)

    def _follow_ended(self, task: asyncio.Task[None]) -> None:
        """Without subscriptions nothing can be judged: a service fails loudly and lets the supervisor
        restart it; a command (``exit_on_failure=False``) gets the error from ``wait_loaded``."""
        if task.cancelled() or task.exception() is None:
            return
        self.failure = task.exception()
        if self.exit_on_failure:
            log.critical("cannot read the subscriptions topic; exiting", error=repr(task.exception()))
            os._exit(75)

    async def wait_loaded(self, timeout_s: float = 30.0) -> None:
        """Wait until every subscription on the topic has been read; raise the reading's error, or
        ``TimeoutError``, if that does not happen."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not self.loaded.is_set():
            if self.failure is not None:
                raise self.failure
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the subscriptions topic {self.topic} was not read within {timeout_s:.0f}s")
            await asyncio.sleep(0.05)

    def has_read(self, partition: int, offset: int) -> bool:
        """Whether the record at (partition, offset) has been applied."""
        return self.positions.get(partition, 0) > offset

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        sub_id = key.decode("utf-8", errors="replace")
        self.version += 1
        if value is None:
            self.invalid.pop(sub_id, None)
            if self.subscriptions.pop(sub_id, None) is not None and self.on_change:
                self.on_change(sub_id, None)
            return
        try:
            raw = orjson.loads(value)
            subscription = normalize(raw, checks=self.checks, touch=False)
            if subscription["id"] != sub_id:
                raise SubscriptionError("id", f"{subscription['id']!r} stored under the key {sub_id!r}")
        except (orjson.JSONDecodeError, SubscriptionError) as exc:
            kept = sub_id in self.subscriptions
            self.invalid[sub_id] = Invalid(sub_id, redact_text(str(exc)), kept)
            log.error("invalid subscription update on the topic; " + (
                "the previous version stays in force" if kept else "it is not in force"),
                subscription_id=sub_id, error=redact_text(str(exc)))
            return
        self.invalid.pop(sub_id, None)
        self.subscriptions[sub_id] = subscription
        if self.on_change:
            self.on_change(sub_id, subscription)

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """The topic's partitions, waiting for metadata instead of guessing partition 0."""
        deadline = asyncio.get_running_loop().time() + self.metadata_timeout_s
        while True:
            partitions = consumer.partitions_for_topic(self.topic)
            if partitions:
                return [TopicPartition(self.topic, p) for p in sorted(partitions)]
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"topic {self.topic} has no partitions after {self.metadata_timeout_s:.0f}s: "
                                   "run `attache setup`")
            await consumer.topics()  # asks the broker for fresh metadata
            await asyncio.sleep(0.2)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None,
                                    **aiokafka_consumer_options(self.settings))
        try:
            await consumer.start()  # inside: a consumer that failed to start is still closed
            assignment = await self._partitions(consumer)
            consumer.assign(assignment)
            await consumer.seek_to_beginning(*assignment)
            end = await consumer.end_offsets(assignment)
            while True:
                polled = await consumer.getmany(timeout_ms=200)
                for records in polled.values():
                    for record in records:
                        self.apply(record.key, record.value)
                        self.positions[record.partition] = record.offset + 1
                if not self.loaded.is_set():
                    positions = {tp: await consumer.position(tp) for tp in assignment}
                    if all(positions[tp] >= end[tp] for tp in assignment):
                        self.loaded.set()
                        log.info("subscriptions loaded", count=len(self.subscriptions),
                                 invalid=len(self.invalid))
                if polled:
                    async with self.changed:
                        self.changed.notify_all()
        finally:
            await consumer.stop()

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
        """Wait until ``predicate()`` holds (e.g. a write just published has been read back)."""
        async def until() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)

        try:
            await asyncio.wait_for(until(), timeout_s)
            return True
        except TimeoutError:
            return predicate()
