"""The contract in ``schemas/``: load it once, validate messages at every service's edges."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from services.common.settings import PROJECT_ROOT

SCHEMA_DIR = PROJECT_ROOT / "schemas"
SCHEMA_BASE = "https://attache.example/schemas/"


class SchemaViolation(ValueError):
    """A message does not match its schema; the text says which field and why."""


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text())
        resources.append((SCHEMA_BASE + path.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """Compiled validator for e.g. ``"article"`` (file ``schemas/article.schema.json``)."""
    schema = _registry().contents(SCHEMA_BASE + f"{schema_name}.schema.json")
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def describe_errors(errors: list[Any], limit: int = 5) -> str:
    """One readable line: missing fields together, then each wrong field with its path."""
    missing = [str(e.message).split("'")[1] for e in errors if e.validator == "required" and "'" in e.message]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    for error in errors:
        if error.validator == "required":
            continue
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        parts.append(f"at {where}: {error.message}")
    shown = parts[:limit]
    if len(parts) > limit:
        shown.append(f"and {len(parts) - limit} more")
    return "; ".join(shown)


class BadMessage(Exception):
    """A message a service cannot process; ``reason`` is a dead-letter reason, ``str()`` explains."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode_message(raw: bytes | None, schema_name: str) -> Any:
    """JSON bytes from a topic → the message, or ``BadMessage`` saying why (for the dead-letter topic)."""
    if raw is None:
        raise BadMessage("invalid_json", "empty message value")
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadMessage("invalid_json", f"value is not JSON: {exc}") from exc
    try:
        validate(schema_name, message)
    except SchemaViolation as exc:
        raise BadMessage("schema_violation", str(exc)) from exc
    return message


def validate(schema_name: str, message: Any) -> None:
    """Raise ``SchemaViolation`` naming every offending field (up to a few), or return quietly."""
    errors = sorted(validator(schema_name).iter_errors(message), key=lambda e: list(e.absolute_path))
    if errors:
        raise SchemaViolation(f"{schema_name}: {describe_errors(errors)}")


def validate_tagged_event(event: Any) -> None:
    """``attache tag`` output uses the event schema's ``$defs/tagged_event``."""
    schema = {"$ref": SCHEMA_BASE + "event.schema.json#/$defs/tagged_event"}
    errors = list(Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())
                  .iter_errors(event))
    if errors:
        raise SchemaViolation(f"tagged_event: {describe_errors(errors)}")


@cache
def topics() -> dict[str, dict[str, Any]]:
    """Logical topic name → settings, from ``schemas/topics.yaml``."""
    data = yaml.safe_load((SCHEMA_DIR / "topics.yaml").read_text())
    return dict(data["topics"])


def schema_for_topic(logical_topic: str) -> str:
    return str(topics()[logical_topic]["schema"]).removesuffix(".schema.json")


def index_templates(index_prefix: str) -> dict[str, dict[str, Any]]:
    """Template name → body, with ``{prefix}`` filled in."""
    templates = {}
    for path in sorted((SCHEMA_DIR / "elasticsearch").glob("*.template.json")):
        name = path.name.removesuffix(".template.json")
        body = json.loads(path.read_text().replace("{prefix}", index_prefix))
        templates[f"{index_prefix}-{name}"] = body
    return templates


def schema_path(schema_name: str) -> Path:
    return SCHEMA_DIR / f"{schema_name}.schema.json"
