"""Error bodies: every refusal is ``{"error": {"field", "reason", "message", "position"?, "suggestion"?}}``.

One shape for every 4xx (and the rare 5xx), so a client shows ``error.message`` and highlights
``error.field`` (and ``error.position`` in a query) whatever went wrong. Messages never carry a token, a
secret's value or a traceback, and quote at most a short piece of what the client sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from starlette.responses import Response

MAX_REASON_CHARS = 500
MAX_DEPTH = 32


class ApiError(Exception):
    """A request refused with ``status``: which field, why."""

    def __init__(self, status: int, field: str, reason: str, *, position: int | None = None,
                 suggestion: str | None = None, headers: Mapping[str, str] | None = None,
                 details: list[dict[str, Any]] | None = None) -> None:
        self.status, self.field, self.reason = status, field, reason
        self.position, self.suggestion = position, suggestion
        self.headers = dict(headers or {})
        self.details = details  # every problem, when there are several (the first is field/reason)
        super().__init__(f"{field}: {reason}")

    def detail(self) -> dict[str, Any]:
        return error_detail(self.field, self.reason, position=self.position, suggestion=self.suggestion)


def error_detail(field: str, reason: str, **more: Any) -> dict[str, Any]:
    # a field is named by the client's own key, which may be empty or 60 KB long
    field = '""' if not field else field if len(field) <= 100 else field[:100] + "…"
    reason = reason.rstrip(". ")
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[:MAX_REASON_CHARS] + "…"
    body: dict[str, Any] = {"field": field, "reason": reason,
                            "message": f"{field}: {reason}" if field and field != "(body)" else reason}
    body.update({k: v for k, v in more.items() if v is not None})
    return body


def error_body(details: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"error": details[0]}
    if len(details) > 1:
        body["errors"] = details
    return body


class JsonResponse(Response):
    """JSON through orjson (the API's bodies are dicts of strings, numbers and lists)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(status: int, details: list[dict[str, Any]],
                   headers: Mapping[str, str] | None = None) -> JsonResponse:
    return JsonResponse(error_body(details), status_code=status, headers=dict(headers or {}))


def field_path(loc: Iterable[Any]) -> str:
    """pydantic's location → the field's path: ``("body", "channels", 1, "url")`` → ``channels[1].url``;
    a query parameter or header is named as such."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


def parse_json(body: bytes) -> Any:
    """A request body as JSON; ``ApiError`` (400 with the position for bad JSON, 422 for an empty body or
    one nested deeper than anything this API takes)."""
    if not body.strip():
        raise ApiError(422, "(body)", "required: a JSON object")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "(body)", f"not valid JSON: {exc.msg}", position=exc.pos) from None
    if depth(value) > MAX_DEPTH:
        raise ApiError(422, "(body)", f"nested deeper than {MAX_DEPTH} levels: no subscription is")
    return value


def depth(value: Any) -> int:
    """Nesting depth, without recursion (a body may be nested a thousand levels deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest
