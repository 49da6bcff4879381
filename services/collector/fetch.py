"""HTTP fetching with conditional GET, a size cap and a clear error for every way a fetch can fail."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from services import __version__
from services.common.netguard import blocked_reason

USER_AGENT = f"Attache/{__version__} (news monitoring; +https://github.com/attache)"


@dataclass(frozen=True)
class FetchResult:
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    final_url: str
    content_type: str
    moved_permanently: bool = False  # every redirect on the way was 301/308: the feed has a new address


class FetchError(Exception):
    """The feed could not be fetched; ``str()`` is the reason shown in feed status."""


async def fetch(
    session: aiohttp.ClientSession, url: str, *, etag: str | None, last_modified: str | None,
    timeout_s: float, max_bytes: int,
) -> FetchResult:
    headers = {"User-Agent": USER_AGENT,
               "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout_s):
            async with session.get(url, headers=headers, allow_redirects=True, max_redirects=5) as response:
                moved = bool(response.history) and all(r.status in (301, 308) for r in response.history)
                if response.status == 304:
                    return FetchResult(304, b"", etag, last_modified, str(response.url), "", moved)
                if response.status >= 400:
                    raise FetchError(f"HTTP {response.status} {response.reason or ''}".strip())
                declared = response.content_length
                if declared is not None and declared > max_bytes:
                    raise FetchError(f"body of {declared} bytes exceeds the {max_bytes}-byte limit")
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"body exceeds the {max_bytes}-byte limit")
                    chunks.append(chunk)
                return FetchResult(
                    response.status, b"".join(chunks), response.headers.get("ETag"),
                    response.headers.get("Last-Modified"), str(response.url),
                    response.headers.get("Content-Type", ""), moved,
                )
    except TimeoutError as exc:
        raise FetchError(f"timed out after {timeout_s:.0f}s") from exc
    except aiohttp.TooManyRedirects as exc:
        raise FetchError("more than 5 redirects") from exc
    except aiohttp.ClientConnectorError as exc:
        if (refused := blocked_reason(exc)) is not None:
            raise FetchError(refused) from exc
        raise FetchError(f"cannot connect: {exc.os_error or exc}") from exc
    except aiohttp.ClientError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
