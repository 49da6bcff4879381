"""Content-derived identifiers: replays and restarts overwrite documents instead of duplicating them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def stable_id(*parts: str | Iterable[str], length: int = 24) -> str:
    """Hex digest of the parts, joined unambiguously; the same parts always give the same id."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        text = part if isinstance(part, str) else "\x1f".join(part)
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:length]
