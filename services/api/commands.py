"""What ``attache subscriptions`` and ``attache api token`` do, apart from argument parsing (services/cli.py).

The CLI works without the API running: it reads the subscriptions topic with the same registry, writes
through the same :class:`SubscriptionService` (``normalize``, publish, read back) as owner ``cli``, and
backtests with the same function as ``POST /subscriptions/test``. Nothing here imports FastAPI.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import yaml

from services.api.store import KafkaLog, SubscriptionService, signing_key
from services.common.redact import redact_text
from services.common.settings import Settings
from services.common.subscriptions import Checks, SubscriptionError, SubscriptionRegistry
from services.common.text import clean_text

CLI_OWNER = "cli"


class InputError(ValueError):
    """A command-line input that cannot be used (a file that is not a subscription, say)."""


@contextlib.asynccontextmanager
async def subscription_service(settings: Settings, *,
                               load_timeout_s: float = 20.0) -> AsyncIterator[SubscriptionService]:
    """The subscriptions as the topic holds them now, and the writer the API uses."""
    registry = SubscriptionRegistry(settings, exit_on_failure=False, metadata_timeout_s=10.0)
    log = KafkaLog(settings, registry, confirm_timeout_s=10.0)
    await registry.start()
    try:
        await registry.wait_loaded(load_timeout_s)
        yield SubscriptionService(log, Checks.from_settings(settings), signing_key(settings))
    finally:
        await registry.stop()
        await log.close()


# -- building a subscription from flags or a file ----------------------------------------------------------


def channels_from_flags(args: argparse.Namespace) -> list[dict[str, Any]]:
    """``--log --file PATH --webhook URL --webhook-ref NAME --slack-ref NAME --email ADDR`` as channels
    (``--email`` repeated: one email channel to every address)."""
    channels: list[dict[str, Any]] = []
    if getattr(args, "log", False):
        channels.append({"kind": "log"})
    for path in getattr(args, "file", None) or []:
        channels.append({"kind": "file", "path": path} if path else {"kind": "file"})
    for url in getattr(args, "webhook", None) or []:
        channels.append({"kind": "webhook", "url": url})
    for ref in getattr(args, "webhook_ref", None) or []:
        channels.append({"kind": "webhook", "url_ref": ref})
    for ref in getattr(args, "slack_ref", None) or []:
        channels.append({"kind": "slack", "url_ref": ref})
    if getattr(args, "email", None):
        channels.append({"kind": "email", "to": list(args.email)})
    return channels


def load_file(path: str) -> Any:
    """One subscription from a YAML or JSON file (JSON is YAML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(f"{path} is not YAML or JSON{where}: {getattr(exc, 'problem', None) or exc}") from None
    if isinstance(data, dict) and list(data) == ["subscriptions"] and isinstance(data["subscriptions"], list):
        if len(data["subscriptions"]) != 1:
            raise InputError(f"{path} holds {len(data['subscriptions'])} subscriptions; give one per file")
        data = data["subscriptions"][0]
    if not isinstance(data, dict):
        raise InputError(f"{path} does not hold a subscription (a mapping with id, name, query, channels)")
    return data


def subscription_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``add``'s subscription: ``--from-file``, with ``--id``/``--name``/``--query``/channel flags over it."""
    body: dict[str, Any] = load_file(args.from_file) if args.from_file else {}
    for field in ("id", "name", "query"):
        value = getattr(args, field, None)
        if value is not None:
            body[field] = value
    if "name" not in body and "id" in body:
        body["name"] = body["id"]
    channels = channels_from_flags(args)
    if channels:
        body["channels"] = channels
    if getattr(args, "paused", False):
        body["status"] = "paused"
    return body


def changes_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``update``'s changes: the fields given (channel flags replace all channels)."""
    changes: dict[str, Any] = {}
    for field in ("name", "query"):
        value = getattr(args, field, None)
        if value is not None:
            changes[field] = value
    channels = channels_from_flags(args)
    if channels:
        changes["channels"] = channels
    if getattr(args, "throttle", None) is not None:
        changes["throttle"] = None if args.throttle == 0 else {"per_minute": args.throttle}
    return changes


# -- showing -------------------------------------------------------------------------------------------------


def caret(query: str, position: int) -> str:
    """The query line holding ``position``, and a caret under it (indented two spaces)."""
    position = max(0, min(position, len(query)))
    start = query.rfind("\n", 0, position) + 1
    end = query.find("\n", position)
    line = query[start:end if end != -1 else len(query)]
    column = position - start
    # tabs and control characters would move the caret: show each as one visible character
    shown = "".join(c if c.isprintable() else " " for c in line)
    return f"  {shown}\n  {' ' * column}^"


def describe_error(command: str, error: SubscriptionError | Any, query: str | None) -> str:
    """``attache subscriptions add: query: At position 24: …`` and, for a query, the caret under it."""
    text = f"attache subscriptions {command}: {redact_text(clean_text(str(error)))}"
    suggestion = getattr(error, "suggestion", None)
    if suggestion is not None and "did you mean" not in text:
        text += f" (did you mean {suggestion}?)"
    position = getattr(error, "position", None)
    if position is not None and isinstance(query, str):
        text += "\n" + caret(query, position)
    return text


def channel_summary(channel: dict[str, Any]) -> str:
    kind = channel["kind"]
    if kind == "webhook":
        return f"webhook ({channel['url_ref']})" if "url_ref" in channel else f"webhook {redact_text(channel['url'])}"
    if kind == "slack":
        return f"slack ({channel['url_ref']})"
    if kind == "email":
        return "email " + ", ".join(channel["to"])
    if kind == "file":
        return f"file {channel['path']}" if channel.get("path") else "file"
    return kind


def table(subscriptions: list[dict[str, Any]]) -> str:
    if not subscriptions:
        return "no subscriptions"
    rows = [("ID", "STATUS", "OWNER", "CHANNELS", "QUERY")]
    for sub in subscriptions:
        rows.append((sub["id"], sub.get("status", "active"), (sub.get("owner") or "-")[:20],
                     ",".join(c["kind"] for c in sub["channels"])[:24],
                     " ".join(sub["query"].split())[:70] + ("…" if len(sub["query"]) > 70 else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(clean_text("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
                                + "  " + row[4]) for row in rows)


def show(sub: dict[str, Any]) -> str:
    throttle = sub.get("throttle")
    lines = [
        ("id", sub["id"]), ("name", sub["name"]), ("status", sub.get("status", "active")),
        ("query", sub["query"]),
        ("channels", "; ".join(channel_summary(c) for c in sub["channels"])),
        ("throttle", f"{throttle['per_minute']:g} a minute per target" + (
            f", bursts of {throttle['burst']}" if "burst" in throttle else "") if throttle else "none"),
        ("owner", sub.get("owner") or "-"), ("secret", f"version {sub.get('secret_version', 1)}"),
        ("created", sub.get("created_at", "-")), ("updated", sub.get("updated_at", "-")),
    ]
    return "\n".join(clean_text(f"{key + ':':<10} {value}") for key, value in lines)


def backtest_report(result: dict[str, Any]) -> str:
    """The backtest as a person reads it: counts, then one block per story, newest first."""
    head = (f"{result['query']}\n{result['events_matched']} events matched since {result['from']} "
            f"({result['since']}): {result['stories_count']} stor{'y' if result['stories_count'] == 1 else 'ies'}")
    if result["capped"]:
        head += f" in the newest {result['events_scanned']} events"
    lines = [head]
    if result.get("note"):
        lines.append(f"note: {result['note']}")
    for story in result["stories"]:
        history = " → ".join(m["modality"] for m in story["modality_history"])
        lines.append("")
        lines.append(f"{story['last_seen'][:16].replace('T', ' ')}  {story['type']}  {story['modality']}"
                     f"{'  (' + history + ')' if len(story['modality_history']) > 1 else ''}  "
                     f"{','.join(story['countries'])}  {'; '.join(story['leaders'])}")
        lines.append(f"  {story['title'][:110]}")
        lines.append(f"  \u201c{story['sentence'][:160]}\u201d")
        lines.append(f"  {story['sources_count']} source{'s' if story['sources_count'] != 1 else ''}, "
                     f"{story['articles_count']} report{'s' if story['articles_count'] != 1 else ''}, first "
                     f"{story['first_seen'][:16].replace('T', ' ')}  {story['url']}  [story {story['story_id']}]")
    return "\n".join(clean_text(line) for line in lines)


def secrets_report(secrets: dict[str, Any]) -> str:
    lines = [f"{secrets['secret']}  (subscription {secrets['subscription_id']}, secret version "
             f"{secrets['secret_version']})"]
    for hook in secrets["webhooks"]:
        if hook["secret"] is None:
            lines.append(f"  channel {hook['channel']} webhook {hook['target']}: signed with secret "
                         f"{hook['secret_ref']!r} (its own)")
        elif hook["secret"] != secrets["secret"]:
            lines.append(f"  channel {hook['channel']} webhook {hook['target']}: {hook['secret']} "
                         f"(version {hook['secret_version']})")
    return "\n".join(lines)


def json_line(value: Any) -> str:
    return orjson.dumps(value).decode()


# -- the commands ------------------------------------------------------------------------------------------


def _print(text: str) -> None:
    print(text)


async def _perform(service: SubscriptionService, args: argparse.Namespace) -> int:
    action, as_json = args.action, getattr(args, "json", False)

    def emit(sub: dict[str, Any], verb: str) -> None:
        _print(json_line(sub) if as_json else f"{verb} {sub['id']} ({sub.get('status', 'active')}): {sub['query']}")

    if action == "list":
        subs = service.list(args.status, args.owner)
        if as_json:
            for sub in subs:
                _print(json_line(sub))
        else:
            _print(table(subs))
            for invalid in service.registry.invalid.values():
                kept = "the previous version stays" if invalid.kept_previous else "not in force"
                print(clean_text(f"attache subscriptions list: {invalid.id}: invalid update on the topic "
                                 f"({invalid.error}); {kept}"), file=sys.stderr)
        return 0
    if action == "show":
        sub = service.get(args.id)
        _print(json_line(sub) if as_json else show(sub))
        return 0
    if action == "add":
        emit(await service.create(subscription_from_args(args), CLI_OWNER), "added")
        return 0
    if action == "update":
        if args.from_file:
            sub, created = await service.replace(args.id, load_file(args.from_file), CLI_OWNER)
            emit(sub, "created" if created else "replaced")
            return 0
        changes = changes_from_args(args)
        if not changes:
            raise InputError("nothing to change: give --name, --query, --throttle, channel flags or --from-file")
        emit(await service.patch(args.id, changes), "updated")
        return 0
    if action in ("pause", "resume"):
        emit(await service.set_status(args.id, "paused" if action == "pause" else "active"),
             "paused" if action == "pause" else "resumed")
        return 0
    if action == "delete":
        deleted = await service.delete(args.id)
        _print(json_line({"deleted": deleted["id"]}) if as_json else f"deleted {deleted['id']}")
        return 0
    if action == "rotate-secret":
        sub = await service.rotate_secret(args.id)
        _print(json_line(sub) if as_json else f"rotated the webhook secret of {sub['id']}: now version "
               f"{sub['secret_version']} (`attache subscriptions secret {sub['id']}` shows it)")
        return 0
    if action == "secret":
        secrets = service.webhook_secrets(args.id)
        _print(json_line(secrets) if as_json else secrets_report(secrets))
        return 0
    raise InputError(f"unknown action {action!r}")


def subscriptions_command(settings: Settings, args: argparse.Namespace) -> int:
    """``attache subscriptions ACTION``: 0 done, 1 no such subscription / already exists / no signing key,
    2 refused input (with the query's position and a caret), 3 Kafka or Elasticsearch unreachable."""
    import asyncio

    from services.api.backtest import BacktestError, BacktestUnavailable, run_backtest
    from services.api.store import Conflict, NotFound, SigningKeyMissing, WriteNotConfirmed

    action = args.action
    query = getattr(args, "query", None)
    try:
        if action == "test":
            result = asyncio.run(run_backtest(settings, args.query, args.since, args.limit))
            _print(json_line(result) if args.json else backtest_report(result))
            return 0

        async def run() -> int:
            async with subscription_service(settings) as service:
                return await _perform(service, args)

        return asyncio.run(run())
    except (SubscriptionError, BacktestError) as exc:
        print(describe_error(action, exc, query), file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"attache subscriptions {action}: {exc}", file=sys.stderr)
        return 2
    except (NotFound, Conflict, SigningKeyMissing) as exc:
        print(clean_text(f"attache subscriptions {action}: {exc}"), file=sys.stderr)
        return 1
    except (WriteNotConfirmed, BacktestUnavailable) as exc:
        print(f"attache subscriptions {action}: {exc}", file=sys.stderr)
        return 3
    except (TimeoutError, RuntimeError) as exc:  # the topic unreadable: no broker, or no `attache setup` yet
        print(redact_text(f"attache subscriptions {action}: cannot read the subscriptions topic at "
                          f"{settings.kafka_bootstrap}: {exc}"), file=sys.stderr)
        return 3


def token_command(settings: Settings, args: argparse.Namespace) -> int:
    """``attache api token add|list|revoke``: 0 done, 1 no such token / name taken, 2 bad name or file."""
    from services.api.tokens import TokenFileError, add_token, load_tokens, revoke_token

    path = settings.resolved_api_tokens_file
    try:
        if args.token_action == "add":
            token = add_token(path, args.name, read_only=args.read_only)
            _print(token)
            print(f"token {args.name!r} ({'read' if args.read_only else 'read, write'}) added to {path}; "
                  "it is shown only this once: store it now", file=sys.stderr)
            return 0
        if args.token_action == "revoke":
            if revoke_token(path, args.name):
                _print(f"revoked {args.name}")
                return 0
            print(f"attache api token revoke: no token named {args.name!r} in {path}", file=sys.stderr)
            return 1
        tokens = load_tokens(path)
        if args.json:
            for item in tokens:
                _print(json_line(item.describe()))
        elif not tokens:
            _print(f"no tokens in {path} (attache api token add NAME)")
        else:
            width = max(len(t.name) for t in tokens)
            for item in tokens:
                _print(f"{item.name:<{width}}  {','.join(item.scopes):<10}  {item.created_at}")
        return 0
    except ValueError as exc:  # a bad name, or a name taken
        print(f"attache api token {args.token_action}: {exc}", file=sys.stderr)
        return 1 if "exists already" in str(exc) else 2
    except TokenFileError as exc:
        print(f"attache api token {args.token_action}: {exc}", file=sys.stderr)
        return 2
