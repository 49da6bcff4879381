"""Entry point: ``python -m services.alerter``."""

from __future__ import annotations

from services.alerter.app import build_app
from services.common.logging import configure_logging
from services.common.settings import get_settings
from services.common.streams import run_worker


def main() -> None:
    settings = get_settings()
    configure_logging(settings, "alerter")
    run_worker(build_app(settings), settings)


if __name__ == "__main__":
    main()
