"""The FastAPI application: subscriptions, backtests, webhook secrets, the alert stream, health.

``create_app(settings)`` builds it; its lifespan starts the :class:`SubscriptionRegistry` (the subscriptions
topic, read from the beginning) and the :class:`AlertsFollower` (the alerts topic, from its end). Tests
pass a ``service`` over an in-memory log instead, and no follower.

Who may do what: every request may carry ``Authorization: Bearer <token>`` (tokens from ``attache api
token add``). Writes (and showing webhook secrets) need a token with the write scope: none → 401, a
read-only one → 403. Reads need a token too, unless ``ATTACHE_API_OPEN_READS`` is on and the client is on
this machine (loopback). A token that is presented must be valid, even for an open read.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, FastAPI, Header, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services import __version__
from services.api.alerts import AlertsFollower, AlertsHub, Listener, sse_comment
from services.api.backtest import BacktestError, BacktestUnavailable, run_backtest
from services.api.errors import (
    ApiError,
    JsonResponse,
    error_detail,
    error_response,
    field_path,
    parse_json,
)
from services.api.models import (
    PATCH_SCHEMA,
    SUBSCRIPTION_LIST_SCHEMA,
    SUBSCRIPTION_REF,
    BacktestRequest,
    BacktestResult,
    ErrorBody,
    Health,
    SecretsResponse,
    openapi_components,
)
from services.api.store import (
    Conflict,
    KafkaLog,
    NotFound,
    SigningKeyMissing,
    SubscriptionService,
    WriteNotConfirmed,
    signing_key,
)
from services.api.tokens import Token, TokenStore
from services.common.elastic import make_async_es
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.redact import redact_text
from services.common.settings import Settings
from services.common.subscriptions import Checks, SubscriptionError, SubscriptionRegistry

log = get_logger(__name__)
T = TypeVar("T")

HEARTBEAT_S = 15.0
LOAD_WAIT_S = 10.0
MAX_STREAM_FILTERS = 100
JSON_TYPES = ("application/json",)

DESCRIPTION = """\
Subscriptions to Attaché's alerts, and the alerts themselves as they happen.

* **Subscriptions** are Lucene queries over event fields (the language of `attache search` and Kibana) with
  channels (log, file, webhook, slack, email). Every write is checked, published to the compacted
  `subscriptions` topic and read back before the response, so a GET right after sees it; running alerters
  apply it within a second.
* **Backtest** a query (`POST /subscriptions/test`) to see what it would have matched, as stories.
* **Alerts** stream as Server-Sent Events from `GET /alerts/stream`.

Authentication: `Authorization: Bearer <token>` (`attache api token add NAME`). Writes need a write token;
reads need a token unless they come from this machine and `ATTACHE_API_OPEN_READS` is on.
Every error is `{"error": {"field", "reason", "message", "position"?, "suggestion"?}}`.
"""

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (401, "No token, or not a valid one"), (403, "A read-only token cannot write"),
        (413, "Body larger than ATTACHE_API_MAX_BODY_BYTES"), (415, "Body is not JSON"),
        (422, "Body or parameter not of the right shape"))
}


def _subscription_response(description: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description, "content": {"application/json": {"schema": SUBSCRIPTION_REF}}}}


def _json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class BodyLimit:
    """Request bodies read whole (they are small) before the app sees them: over ``max_bytes`` → 413,
    counted as they arrive, so a chunked body without Content-Length is cut off too; a non-empty body that
    does not say it is JSON → 415. Requests without a body (GET, the SSE stream) pass untouched."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await self._refuse(scope, send, 400, "content-length", "not a number of bytes")
                return
            if int(declared) > self.max_bytes:
                await self._too_large(scope, send)
                return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body.strip():
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if not (media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))):
                shown = media[:60] or "none"
                await self._refuse(scope, send, 415, "content-type",
                                   f"the body must be JSON (Content-Type: application/json), not {shown}")
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await self._refuse(scope, send, 413, "(body)", f"larger than {self.max_bytes} bytes "
                           "(ATTACHE_API_MAX_BODY_BYTES)")

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, field: str, reason: str) -> None:
        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        # Connection: close, since the rest of a refused body is never read
        await error_response(status, [error_detail(field, reason)], {"Connection": "close"})(scope, nothing, send)


class ApiState:
    """What the routes share: settings, subscriptions, tokens, the alert hub and follower, metrics."""

    def __init__(self, settings: Settings, service: SubscriptionService, tokens: TokenStore,
                 hub: AlertsHub, follower: AlertsFollower | None, owns_registry: bool,
                 heartbeat_s: float, es: AsyncElasticsearch | None) -> None:
        self.settings = settings
        self.service = service
        self.tokens = tokens
        self.hub = hub
        self.follower = follower
        self.owns_registry = owns_registry
        self.heartbeat_s = heartbeat_s
        self._es = es
        self.loop: asyncio.AbstractEventLoop | None = None
        self.metrics = Metrics("api")
        registry = service.registry
        self.metrics.checks["subscriptions"] = lambda: (
            registry.loaded.is_set(),
            (f"{len(registry.subscriptions)} subscriptions" if registry.loaded.is_set()
             else "reading the subscriptions topic") + (f", {len(registry.invalid)} invalid updates"
                                                        if registry.invalid else ""))
        if follower is not None:
            self.metrics.checks["kafka"] = follower.healthy

    @property
    def es(self) -> AsyncElasticsearch:
        if self._es is None:
            self._es = make_async_es(self.settings)
        return self._es

    def end_streams(self) -> None:
        """Called from the server's signal handler: end every SSE stream now (from the event loop), so a
        shutdown does not wait for clients that never hang up."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.hub.close)

    async def close(self) -> None:
        if self._es is not None:
            await self._es.close()
            self._es = None


# -- who is asking ----------------------------------------------------------------------------------------
bearer = HTTPBearer(auto_error=False, description="A token from `attache api token add NAME`.")


def api_state(request: Request) -> ApiState:
    state = request.app.state.api
    assert isinstance(state, ApiState)
    return state


def principal(request: Request,
              _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Token | None:
    """The token the request presents (None without one); 401 for one that is malformed or unknown, even
    where no token is needed: a client with a revoked token must hear so."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "authorization", "not a bearer token: send 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_request"'})
    token = api_state(request).tokens.authenticate(value.strip())
    if token is None:
        raise ApiError(401, "authorization", "unknown or revoked token",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return token


def reader(request: Request, token: Annotated[Token | None, Depends(principal)]) -> Token | None:
    if token is not None:
        return token
    open_reads = api_state(request).settings.api_open_reads
    if open_reads and is_loopback(request.client.host if request.client else None):
        return None
    raise ApiError(401, "authorization", "reading needs a bearer token from clients on other machines "
                   "(attache api token add NAME --read-only)" if open_reads else
                   "reading needs a bearer token (attache api token add NAME --read-only)",
                   headers={"WWW-Authenticate": "Bearer"})


def writer(token: Annotated[Token | None, Depends(principal)]) -> Token:
    if token is None:
        raise ApiError(401, "authorization", "this needs a bearer token with the write scope "
                       "(attache api token add NAME)", headers={"WWW-Authenticate": "Bearer"})
    if not token.can_write:
        raise ApiError(403, "authorization", f"token {token.name!r} is read-only",
                       headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'})
    return token


Reader = Annotated[Token | None, Depends(reader)]
Writer = Annotated[Token, Depends(writer)]


async def subscriptions_loaded(request: Request) -> None:
    """Until the whole topic has been read, a list would be partial and a create could overwrite an id it
    does not know yet: wait a little for the registry, then say so."""
    registry = api_state(request).service.registry
    if registry.loaded.is_set():
        return
    try:
        await asyncio.wait_for(registry.loaded.wait(), LOAD_WAIT_S)
    except TimeoutError:
        raise ApiError(503, "(server)", "the subscriptions topic is still being read; retry in a moment",
                       headers={"Retry-After": "2"}) from None


LOADED = [Depends(subscriptions_loaded)]


def for_reader(subscription: dict[str, Any], token: Token | None) -> dict[str, Any]:
    """A subscription as this client may see it: a webhook URL's userinfo and query values (where tokens
    hide) only to a write token, whose holder could change them anyway; masked for read-only tokens and
    open reads. (Secrets belong in ``url_ref``; this covers URLs that carry one regardless.)"""
    if token is not None and token.can_write:
        return subscription
    channels = [{**c, "url": redact_text(c["url"])} if c["kind"] == "webhook" and "url" in c else c
                for c in subscription["channels"]]
    return {**subscription, "channels": channels}


def create_app(settings: Settings, *, service: SubscriptionService | None = None, tokens: TokenStore | None = None,
               follow_alerts: bool = True, hub: AlertsHub | None = None, heartbeat_s: float = HEARTBEAT_S,
               es: AsyncElasticsearch | None = None) -> FastAPI:
    """The API over the topics of ``settings`` (see the module docstring for ``service``)."""
    owns_registry = service is None
    if service is None:
        registry = SubscriptionRegistry(settings)
        service = SubscriptionService(KafkaLog(settings, registry), Checks.from_settings(settings),
                                      signing_key(settings))
    hub = hub or AlertsHub()
    follower = AlertsFollower(settings, hub) if follow_alerts else None
    state = ApiState(settings, service, tokens or TokenStore(settings.resolved_api_tokens_file), hub, follower,
                     owns_registry, heartbeat_s, es)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.loop = asyncio.get_running_loop()
        if state.owns_registry:
            await state.service.registry.start()
        if state.follower is not None:
            await state.follower.start()
        log.info("API started", tokens=len(state.tokens.tokens), open_reads=settings.api_open_reads)
        try:
            yield
        finally:
            if state.follower is not None:
                await state.follower.stop()
            if state.owns_registry:
                await state.service.registry.stop()
                if isinstance(state.service.log, KafkaLog):
                    await state.service.log.close()
            await state.close()

    app = FastAPI(title="Attaché API", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  default_response_class=JsonResponse, telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.api = state
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    _install_error_handlers(app, state)
    _install_openapi(app)

    async def written(action: Awaitable[T]) -> T:
        try:
            result = await action
        except WriteNotConfirmed:
            state.metrics.inc("writes_unconfirmed")
            raise
        state.metrics.inc("writes")
        return result

    # -- subscriptions ------------------------------------------------------------------------------
    @app.get("/subscriptions", dependencies=LOADED, tags=["subscriptions"], summary="List subscriptions",
             responses={200: {"description": "Subscriptions, by id", "content": {
                 "application/json": {"schema": SUBSCRIPTION_LIST_SCHEMA}}}, **ERRORS})
    async def list_subscriptions(
        token: Reader,
        status: Annotated[str | None, Query(pattern="^(active|paused)$", description="active or paused")] = None,
        owner: Annotated[str | None, Query(max_length=200, description="only those of this owner")] = None,
    ) -> JsonResponse:
        subs = [for_reader(s, token) for s in state.service.list(status, owner)]
        invalid = [{"id": i.id, "error": i.error, "kept_previous": i.kept_previous}
                   for i in state.service.registry.invalid.values()]
        return JsonResponse({"subscriptions": subs, "count": len(subs), "invalid": invalid})

    @app.post("/subscriptions", dependencies=LOADED,
              tags=["subscriptions"], summary="Create a subscription", status_code=201,
              openapi_extra=_json_body(SUBSCRIPTION_REF, "The subscription (created_at/updated_at are the server's)"),
              responses={**_subscription_response("Created (and already readable)", 201), **ERRORS,
                         400: {"model": ErrorBody, "description": "Query refused (with its position)"},
                         409: {"model": ErrorBody, "description": "A subscription with this id exists"},
                         503: {"model": ErrorBody, "description": "Kafka did not confirm the write"}})
    async def create_subscription(request: Request, token: Writer) -> JsonResponse:
        raw = parse_json(await request.body())
        created = await written(state.service.create(raw, token.name))
        return JsonResponse(created, status_code=201, headers={"Location": f"/subscriptions/{created['id']}"})

    @app.post("/subscriptions/test", tags=["backtest"], summary="Backtest a query",
              openapi_extra=_json_body({"$ref": "#/components/schemas/BacktestRequest"}, "The query and period"),
              response_model=BacktestResult, responses={**ERRORS, 400: {
                  "model": ErrorBody, "description": "Query refused (with its position)"}})
    async def backtest_query(request: Request, _token: Reader) -> Any:
        raw = parse_json(await request.body())
        try:
            wanted = BacktestRequest.model_validate(raw)
        except ValidationError as exc:  # locations within the body: say so, as FastAPI's own do
            raise _validation_error([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        return await _backtest(state, wanted.query, wanted.since, wanted.limit)

    @app.get("/subscriptions/{sub_id}", dependencies=LOADED, tags=["subscriptions"], summary="One subscription",
             responses={**_subscription_response("The subscription"), **ERRORS,
                        404: {"model": ErrorBody, "description": "No such subscription"}})
    async def get_subscription(sub_id: str, token: Reader) -> JsonResponse:
        return JsonResponse(for_reader(state.service.get(sub_id), token))

    @app.put("/subscriptions/{sub_id}", dependencies=LOADED,
             tags=["subscriptions"], summary="Replace (or create) a subscription",
             openapi_extra=_json_body(SUBSCRIPTION_REF, "The whole subscription; `id` may be left out"),
             responses={**_subscription_response("Replaced"), **_subscription_response("Created", 201), **ERRORS,
                        400: {"model": ErrorBody, "description": "Query refused (with its position)"}})
    async def replace_subscription(sub_id: str, request: Request, token: Writer) -> JsonResponse:
        raw = parse_json(await request.body())
        subscription, created = await written(state.service.replace(sub_id, raw, token.name))
        return JsonResponse(subscription, status_code=201 if created else 200)

    @app.patch("/subscriptions/{sub_id}", dependencies=LOADED, tags=["subscriptions"], summary="Change some fields",
               openapi_extra=_json_body(PATCH_SCHEMA, "Fields to change"),
               responses={**_subscription_response("Changed"), **ERRORS,
                          404: {"model": ErrorBody, "description": "No such subscription"}})
    async def patch_subscription(sub_id: str, request: Request, _token: Writer) -> JsonResponse:
        raw = parse_json(await request.body())
        return JsonResponse(await written(state.service.patch(sub_id, raw)))

    @app.post("/subscriptions/{sub_id}/pause", dependencies=LOADED,
              tags=["subscriptions"], summary="Pause (no alerts until resumed)",
              responses={**_subscription_response("Paused"), **ERRORS})
    async def pause_subscription(sub_id: str, _token: Writer) -> JsonResponse:
        return JsonResponse(await written(state.service.set_status(sub_id, "paused")))

    @app.post("/subscriptions/{sub_id}/resume", dependencies=LOADED,
              tags=["subscriptions"], summary="Resume a paused subscription",
              responses={**_subscription_response("Active"), **ERRORS})
    async def resume_subscription(sub_id: str, _token: Writer) -> JsonResponse:
        return JsonResponse(await written(state.service.set_status(sub_id, "active")))

    @app.delete("/subscriptions/{sub_id}", dependencies=LOADED,
                tags=["subscriptions"], summary="Delete (a tombstone on the topic)",
                status_code=204, responses={204: {"description": "Deleted"}, **ERRORS})
    async def delete_subscription(sub_id: str, _token: Writer) -> Response:
        await written(state.service.delete(sub_id))
        return Response(status_code=204)

    @app.get("/subscriptions/{sub_id}/secret", dependencies=LOADED,
             tags=["webhook secrets"], response_model=SecretsResponse,
             summary="The webhook signing secrets (write token only)",
             responses={**ERRORS, 409: {"model": ErrorBody, "description": "No signing key is configured"}})
    async def subscription_secret(sub_id: str, _token: Writer) -> Any:
        return state.service.webhook_secrets(sub_id)

    @app.post("/subscriptions/{sub_id}/rotate-secret", dependencies=LOADED, tags=["webhook secrets"],
              summary="New signing secrets (bumps secret_version)",
              responses={**_subscription_response("The subscription with its new secret_version"), **ERRORS})
    async def rotate_secret(sub_id: str, _token: Writer) -> JsonResponse:
        return JsonResponse(await written(state.service.rotate_secret(sub_id)))

    @app.get("/subscriptions/{sub_id}/test", dependencies=LOADED,
             tags=["backtest"], summary="Backtest a subscription's query",
             response_model=BacktestResult, responses=ERRORS)
    async def backtest_subscription(
        sub_id: str, _token: Reader,
        since: Annotated[str, Query(max_length=20, description="e.g. 30d, 12h, 2w")] = "30d",
        limit: Annotated[int, Query(ge=1, le=10_000, description="most events scanned")] = 1000,
    ) -> Any:
        return await _backtest(state, state.service.get(sub_id)["query"], since, limit)

    # -- alerts ---------------------------------------------------------------------------------------
    @app.get("/alerts/stream", dependencies=LOADED, tags=["alerts"], summary="Alerts as Server-Sent Events",
             response_class=StreamingResponse,
             responses={200: {"description": "`event: alert`, `id: <alert_id>`, `data: <alert JSON>` per alert "
                              "(schemas/alert.schema.json); a comment every 15 s keeps the connection open",
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}}, **ERRORS})
    async def alerts_stream(
        _token: Reader,
        subscription: Annotated[list[str], Query(description="Only these subscriptions' alerts (repeat the "
                                                 "parameter, or separate ids by commas); all when absent")] = [],  # noqa: B006
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=128)] = None,
    ) -> StreamingResponse:
        wanted = {part.strip() for value in subscription for part in value.split(",") if part.strip()}
        if len(wanted) > MAX_STREAM_FILTERS:
            raise ApiError(422, "subscription", f"at most {MAX_STREAM_FILTERS} subscriptions per stream")
        for sub_id in sorted(wanted):
            if sub_id not in state.service.registry.subscriptions:
                raise ApiError(404, "subscription", f"no subscription {sub_id[:80]!r}")
        if state.follower is None:
            raise ApiError(503, "(server)", "this API serves no alert stream")
        try:
            await asyncio.wait_for(state.follower.ready.wait(), 5.0)
        except TimeoutError:
            raise ApiError(503, "(server)", "the alert stream is not available yet: "
                           f"{state.follower.healthy()[1]}") from None
        listener = state.hub.subscribe(frozenset(wanted) or None, last_event_id)
        return StreamingResponse(_sse(state, listener), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # -- health ---------------------------------------------------------------------------------------
    @app.get("/health", tags=["operations"], summary="Subscriptions loaded? Kafka answering?",
             response_model=Health, responses={503: {"model": Health, "description": "A check fails"}})
    async def health() -> JsonResponse:
        state.metrics.set("subscriptions", len(state.service.registry.subscriptions))
        state.metrics.set("stream_clients", len(state.hub.listeners))
        state.metrics.set("stream_clients_dropped", state.hub.dropped)
        healthy, body = state.metrics.health()
        return JsonResponse({k: v for k, v in body.items() if k not in ("details", "recent")},
                            status_code=200 if healthy else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus text", response_class=Response)
    async def metrics() -> Response:
        return Response(state.metrics.prometheus(), media_type="text/plain")

    return app


async def _backtest(state: ApiState, query: Any, since: Any, limit: Any) -> dict[str, Any]:
    state.metrics.inc("backtests")
    return await run_backtest(state.settings, query, since, limit, es=state.es)


async def _sse(state: ApiState, listener: Listener) -> AsyncIterator[bytes]:
    """The stream of one client: alerts as they come, a comment when idle, a last comment if dropped."""
    try:
        yield b"retry: 3000\n" + sse_comment("Attaché alerts; one comment every "
                                             f"{state.heartbeat_s:.0f}s while idle")
        while True:
            try:
                frame = await asyncio.wait_for(listener.queue.get(), state.heartbeat_s)
            except TimeoutError:
                yield sse_comment("keep-alive")
                continue
            if frame is None:
                if listener.dropped:
                    yield sse_comment(f"dropped: this client fell {state.hub.queue_size} alerts behind; "
                                      "reconnect with Last-Event-ID to get what the API still remembers")
                return
            yield frame
    finally:
        state.hub.unsubscribe(listener)


def _validation_error(errors: Any) -> ApiError:
    """pydantic's errors as one ApiError (422) listing each field and reason."""
    details = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        kind = error.get("type", "")
        reason = "required" if kind == "missing" else ("not a field of this body" if kind == "extra_forbidden"
                                                       else str(error.get("msg", "invalid")))
        details.append(error_detail(field_path(loc), reason))
    first = details[0] if details else error_detail("(body)", "invalid")
    return ApiError(422, first["field"], first["reason"], details=details)


def _install_error_handlers(app: FastAPI, state: ApiState) -> None:
    def respond(error: ApiError) -> JsonResponse:
        return error_response(error.status, error.details or [error.detail()], error.headers)

    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return respond(exc)

    async def subscription_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SubscriptionError | BacktestError)
        # a query the parser (or the cluster) refused is a 400 with its position; the rest is shape: 422
        status = exc.status if isinstance(exc, BacktestError) else 400 if exc.position is not None else 422
        return error_response(status, [error_detail(exc.field, exc.reason, position=exc.position,
                                                    suggestion=exc.suggestion, query_error=exc.query_error)])

    async def not_found(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotFound)
        return error_response(404, [error_detail("id", f"no subscription {exc.sub_id[:80]!r}")])

    async def conflict(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Conflict)
        return error_response(409, [error_detail(exc.field, str(exc))])

    async def unavailable(_request: Request, exc: Exception) -> Response:
        return error_response(503, [error_detail("(server)", str(exc))], {"Retry-After": "2"})

    async def no_key(_request: Request, exc: Exception) -> Response:
        return error_response(409, [error_detail("secret", str(exc))])

    async def validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
        if bad_json is not None:
            position = bad_json.get("loc", (None, None))[-1]
            return error_response(400, [error_detail("(body)", "not valid JSON", position=position
                                                     if isinstance(position, int) else None)])
        return respond(_validation_error(errors))

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        field = {404: "(path)", 405: "(method)"}.get(exc.status_code, "(request)")
        reason = {404: "no such endpoint (see /docs)", 405: "method not allowed here (see /docs)"}.get(
            exc.status_code, str(exc.detail))
        return error_response(exc.status_code, [error_detail(field, reason)], getattr(exc, "headers", None))

    async def internal(request: Request, exc: Exception) -> Response:
        state.metrics.inc("internal_errors")
        log.error("request failed", method=request.method, path=request.url.path, error=type(exc).__name__,
                  exc_info=exc)
        return error_response(500, [error_detail("(server)", "internal error; the API's log has the details")])

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(SubscriptionError, subscription_error)
    app.add_exception_handler(BacktestError, subscription_error)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(WriteNotConfirmed, unavailable)
    app.add_exception_handler(BacktestUnavailable, unavailable)
    app.add_exception_handler(SigningKeyMissing, no_key)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal)


def _install_openapi(app: FastAPI) -> None:
    """The generated description, plus the contract's Subscription schema and the backtest request."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(openapi_components())
            request = BacktestRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(request.pop("$defs", {}))
            components["BacktestRequest"] = request
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
