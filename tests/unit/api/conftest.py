from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.helpers import Api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The API as a client on another machine sees it (tokens needed for reads too)."""
    made = Api(tmp_path)
    with made.client:
        yield made


@pytest.fixture
def local_api(tmp_path: Path) -> Iterator[Api]:
    """The API as a client on the same machine sees it (open reads)."""
    made = Api(tmp_path, client=("127.0.0.1", 50000))
    with made.client:
        yield made
