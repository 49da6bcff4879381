"""Entry point: ``python -m services.api`` (and ``attache api``) serves the API with uvicorn on
``ATTACHE_API_HOST:ATTACHE_API_PORT``, logging as every other service does (structlog, ECS JSON when not
on a terminal)."""

from __future__ import annotations

from typing import Any

from services.common.logging import configure_logging, get_logger
from services.common.settings import Settings, get_settings

log = get_logger(__name__)

# requests still running when a stop is asked for get this long to finish
GRACEFUL_SHUTDOWN_S = 3


def serve(settings: Settings) -> None:
    import uvicorn

    from services.api.app import ApiState, create_app

    class Server(uvicorn.Server):
        """Ends the SSE streams as soon as a signal asks the server to stop: they never end by themselves,
        and uvicorn would otherwise wait for them, then cancel them with an error."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            state = app.state.api
            if isinstance(state, ApiState):
                state.end_streams()
            super().handle_exit(sig, frame)

    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.api_host, port=settings.api_port,
        log_config=None,  # uvicorn's loggers go through the root handler configure_logging set up
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S, server_header=False, lifespan="on",
        # X-Forwarded-For is believed from a proxy on this machine only (uvicorn's default), so clients
        # behind a local reverse proxy are not all taken for loopback ones
        proxy_headers=True, forwarded_allow_ips="127.0.0.1",
    )
    log.info("API listening", host=settings.api_host, port=settings.api_port)
    Server(config).run()


def main() -> None:
    settings = get_settings()
    configure_logging(settings, "api")
    if settings.api_port == 0:
        log.error("ATTACHE_API_PORT is 0 (no API): nothing to serve")
        raise SystemExit(2)
    serve(settings)


if __name__ == "__main__":
    main()
