"""Request and response bodies, for validation and for the OpenAPI description (``/docs``).

A subscription itself is described by its contract, ``schemas/subscription.schema.json``, which the API
adds to the OpenAPI components as ``Subscription`` (see ``openapi_components``): the API checks bodies with
that schema (through ``normalize``), so describing it with a second, hand-written model could only drift.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.api.backtest import DEFAULT_LIMIT, DEFAULT_SINCE, MAX_LIMIT
from services.common.schemas import SCHEMA_DIR

SUBSCRIPTION_REF = {"$ref": "#/components/schemas/Subscription"}


class ErrorDetail(BaseModel):
    field: str = Field(description="The input at fault: a JSON path in the body (`channels[1].url`), a query "
                       "parameter, a header, or `(body)` for the body as a whole.")
    reason: str = Field(description="Why it was refused.")
    message: str = Field(description="One sentence naming the field and the reason.")
    position: int | None = Field(None, description="For a refused query: the 0-based character position.")
    suggestion: str | None = Field(None, description="What to write instead, when there is a likely fix.")
    query_error: dict[str, Any] | None = Field(None, description="A refused query's details (line, column).")


class ErrorBody(BaseModel):
    error: ErrorDetail
    errors: list[ErrorDetail] | None = Field(None, description="Every problem, when there is more than one.")


class BacktestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(description="Lucene query over event fields, as for a subscription.",
                       examples=["type:leader_meeting AND countries:KP"])
    since: str = Field(DEFAULT_SINCE, description="The period back from now: a whole number and h, d or w.",
                       examples=["30d"])
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Most events scanned (newest first).")


class ModalityStep(BaseModel):
    modality: str
    at: str
    event_id: str
    source: str


class StorySummary(BaseModel):
    story_id: str
    type: str
    countries: list[str]
    leaders: list[str]
    date: str | None
    location: str | None
    modality: str
    modality_history: list[ModalityStep]
    sources_count: int
    sources: list[str]
    articles_count: int
    first_seen: str
    last_seen: str
    title: str
    url: str
    sentence: str = Field(description="The evidence sentence of the latest report.")
    confidence: float
    revision: int


class BacktestResult(BaseModel):
    query: str = Field(description="The query as it is stored and searched (canonical).")
    since: str
    from_: str = Field(alias="from")
    to: str
    events_matched: int = Field(description="Events in the period the query matches.")
    events_scanned: int = Field(description="Of those, how many were grouped (the newest, up to `limit`).")
    stories_count: int
    capped: bool
    note: str | None
    stories: list[StorySummary] = Field(description="Newest first (by latest report).")


class WebhookSecret(BaseModel):
    channel: int = Field(description="Index of the webhook in the subscription's channels.")
    target: str = Field(description="The webhook's url_ref name, or its URL with query values masked.")
    secret_ref: str | None = Field(description="Set when the channel signs with a named secret of its own "
                                   "(its value is not shown).")
    secret: str | None = Field(description="The Standard Webhooks secret (`whsec_…`) to verify signatures with.")
    secret_version: int | None


class SecretsResponse(BaseModel):
    subscription_id: str
    secret_version: int
    secret: str = Field(description="The subscription's derived secret at its secret_version.")
    webhooks: list[WebhookSecret]


class Check(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    model_config = ConfigDict(extra="allow")

    service: Literal["api"]
    status: Literal["ok", "unhealthy"]
    uptime_s: float
    checks: dict[str, Check]
    counters: dict[str, int]
    gauges: dict[str, float]


def _rewrite_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/components/schemas/" + names[value.removeprefix("#/$defs/")]
            else:
                out[key] = _rewrite_refs(value, names)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, names) for v in node]
    return node


def openapi_components() -> dict[str, Any]:
    """``Subscription`` and its parts, from the contract schema, with references rewritten for OpenAPI."""
    import orjson

    schema = orjson.loads((SCHEMA_DIR / "subscription.schema.json").read_bytes())
    defs = schema.pop("$defs", {})
    names = {name: "Subscription" + "".join(p.capitalize() for p in re.split(r"[_-]", name)) for name in defs}
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    components = {"Subscription": _rewrite_refs(schema, names)}
    for name, body in defs.items():
        components[names[name]] = _rewrite_refs(copy.deepcopy(body), names)
    # `match` names event.schema.json's enums: inline what a reader needs rather than a dangling reference
    match = components["Subscription"]["properties"]["match"]["properties"]
    for key in ("types", "modalities"):
        match[key]["items"] = {"type": "string"}
    return components


SUBSCRIPTION_LIST_SCHEMA = {
    "type": "object",
    "required": ["subscriptions", "count"],
    "properties": {
        "subscriptions": {"type": "array", "items": SUBSCRIPTION_REF},
        "count": {"type": "integer"},
        "invalid": {"type": "array", "description": "Updates on the topic that were refused (not written by "
                    "Attaché's own writers): the previous version stays in force, if any.",
                    "items": {"type": "object", "properties": {"id": {"type": "string"}, "error": {"type": "string"},
                                                               "kept_previous": {"type": "boolean"}}}},
    },
}

PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Only the fields given change; `throttle: null` removes the throttle.",
    "properties": {
        "name": {"$ref": "#/components/schemas/Subscription/properties/name"},
        "query": {"$ref": "#/components/schemas/Subscription/properties/query"},
        "channels": {"$ref": "#/components/schemas/Subscription/properties/channels"},
        "throttle": {"anyOf": [{"$ref": "#/components/schemas/Subscription/properties/throttle"}, {"type": "null"}]},
        "status": {"$ref": "#/components/schemas/Subscription/properties/status"},
    },
}
