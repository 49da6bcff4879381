"""structlog set-up: readable lines in a terminal, Elastic Common Schema JSON everywhere else."""

from __future__ import annotations

import logging
import sys
from typing import Any

import ecs_logging
import structlog

from services.common.redact import redact
from services.common.settings import Settings

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def configure_logging(settings: Settings, service: str) -> None:
    """Route structlog and stdlib logging (kafka, faust, elasticsearch) through one renderer."""
    use_json = settings.log_format == "json" or (settings.log_format == "auto" and not sys.stderr.isatty())
    level = _LEVELS[settings.log_level]
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = ecs_logging.StructlogFormatter() if use_json else structlog.dev.ConsoleRenderer()
    # structlog hands its events to stdlib logging, so one handler renders ours and the clients' alike.
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # tracebacks are rendered to text first (no locals: they hold settings and URLs), so the redaction
    # below sees them too
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info, redact_secrets]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processors=[*final, renderer], foreign_pre_chain=shared)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party clients are chatty at INFO (every reconnect, every rebalance step).
    for noisy in ("kafka", "aiokafka", "elastic_transport", "faust", "mode", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


# fields that carry a public article's address, which a reader of an alert must be able to open
PUBLIC_URL_FIELDS = frozenset({"article_url"})


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Mask userinfo and query values of every URL in every field (``services.common.redact``): the
    Elasticsearch URL's credentials, feed tokens and webhook secrets never reach a log line."""
    return {k: v if k in PUBLIC_URL_FIELDS else redact(v) for k, v in event_dict.items()}


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
