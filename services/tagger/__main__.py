"""Entry point: ``python -m services.tagger`` runs the tagger worker."""

from __future__ import annotations

from services.common.logging import configure_logging
from services.common.settings import get_settings
from services.common.streams import run_worker
from services.tagger.app import build_app


def main() -> None:
    settings = get_settings()
    configure_logging(settings, "tagger")
    run_worker(build_app(settings), settings)


if __name__ == "__main__":
    main()
