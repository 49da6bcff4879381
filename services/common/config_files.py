"""The YAML side of configuration: feeds and subscriptions. ``${VAR:-default}`` is expanded."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.common.ids import stable_id

_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class ConfigFileError(ValueError):
    """A configuration file is missing or wrong; the message names the file and the entry."""


def expand_env(text: str) -> str:
    return _ENV_REF.sub(lambda m: os.environ.get(m[1], m[2] or ""), text)


def _expand_strings(value: Any) -> Any:
    """``${VAR}`` in string values only, after parsing: an odd value can never break the YAML."""
    if isinstance(value, str):
        return expand_env(value)
    if isinstance(value, list):
        return [_expand_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand_strings(v) for k, v in value.items()}
    return value


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: "Élysée News" → "elysee-news"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def implied_feed_id(url: str) -> str:
    """The id of a feed configured without one: a readable slug of its URL, unique thanks to a hash."""
    readable = slug(url)
    return readable if len(readable) <= 64 else f"{readable[:55]}-{stable_id(url, length=8)}"


def _load_yaml(path: Path, expand: bool = True) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data = _expand_strings(data) if expand else data
    except FileNotFoundError as exc:
        raise ConfigFileError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class FeedConfig:
    id: str
    url: str
    name: str
    interval_s: float
    enabled: bool = True


def load_feeds(path: Path) -> list[FeedConfig]:
    data = _load_yaml(path)
    defaults = data.get("defaults", {}) or {}
    entries = data.get("feeds", []) or []
    if not isinstance(defaults, dict) or not isinstance(entries, list):
        raise ConfigFileError(f"{path}: 'defaults' must be a mapping and 'feeds' a list")
    feeds, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str) or not entry["url"].strip():
            raise ConfigFileError(f"{path}: feed #{position} needs a url (text)")
        feed_id = str(entry.get("id") or implied_feed_id(entry["url"]))
        if feed_id in seen:
            raise ConfigFileError(f"{path}: feed id {feed_id!r} appears twice")
        seen.add(feed_id)
        try:
            interval = float(str(entry.get("interval_s", defaults.get("interval_s", 300))))
        except (TypeError, ValueError) as exc:
            raise ConfigFileError(f"{path}: feed {feed_id!r}: interval_s must be a number of seconds") from exc
        if interval <= 0:
            raise ConfigFileError(f"{path}: feed {feed_id!r}: interval_s must be positive")
        feeds.append(FeedConfig(feed_id, str(entry["url"]), str(entry.get("name", feed_id)), interval,
                                bool(entry.get("enabled", True))))
    return feeds


def load_subscriptions(path: Path, checks: Any = None) -> list[dict[str, Any]]:
    """The seed subscriptions of ``deploy/subscriptions.yaml``, as written there (not yet normalised);
    invalid ones are reported by name. ``${VAR}`` is *not* expanded here: a subscription is published to a
    topic kept forever, so secrets are referenced by name (``url_ref``, ``secret_ref``) and resolved at
    delivery, never copied in."""
    from services.common.subscriptions import SubscriptionError, normalize

    data = _load_yaml(path, expand=False)
    entries = data.get("subscriptions", []) or []
    if not isinstance(entries, list):
        raise ConfigFileError(f"{path}: 'subscriptions' must be a list")
    subscriptions, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        label = entry.get("id", f"#{position}") if isinstance(entry, dict) else f"#{position}"
        try:
            normalize(entry, checks=checks)
        except SubscriptionError as exc:
            raise ConfigFileError(f"{path}: subscription {label}: {exc}") from exc
        if entry["id"] in seen:
            raise ConfigFileError(f"{path}: subscription id {entry['id']!r} appears twice")
        seen.add(entry["id"])
        subscriptions.append(entry)
    return subscriptions
