"""One HTTP POST through the SSRF guard, classified for the dispatcher: the part webhook and Slack share.

- Every connection, redirect hops included, goes through ``services.common.netguard``: a URL is chosen by
  whoever writes a subscription and must not reach the pipeline's own network (Elasticsearch, cloud
  metadata). A refused address is a final failure: retrying cannot make it allowed.
- Only method-preserving redirects (307, 308) are followed, at most ``max_redirects`` hops and never from
  https down to http. aiohttp turns a POST redirected by 301/302/303 into a body-less GET, whose 200
  would be counted as a delivery that never happened; those answers are final failures asking for the
  URL to be updated.
- One time limit covers the whole attempt (connect, redirects, answer), so a slow endpoint costs at most
  that long per attempt.
- Reasons name the status or the error class, never the URL (its path and query are often the secret).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from services.alerter.channels.base import DeliveryResult, Destination, TargetError, classify_status, scrub, shown_url
from services.common.netguard import AddressPolicy, blocked_reason, guarded_session
from services.common.secrets import SecretError, SecretStore

USER_AGENT = "Attache-Alerts/1"
_DETAIL = re.compile(r"[^A-Za-z0-9_ .:-]")


def resolve_url(kind: str, target: Mapping[str, Any], store: SecretStore | None) -> tuple[str, Destination]:
    """The URL a target posts to (``url``, or the secret named by ``url_ref``) and its destination:
    the queue key (method, host, port and path; in memory only) and the secret-free name."""
    ref = target.get("url_ref")
    url: Any
    if ref is not None:
        if store is None:
            raise TargetError(f"url_ref {ref!r} cannot be resolved: no secret store", f"{kind} (url_ref)")
        try:
            url = store.get(ref)
        except SecretError as exc:
            raise TargetError(str(exc), f"{kind} (url_ref {ref})") from None
    else:
        url = target.get("url")
    if not isinstance(url, str) or not url:
        raise TargetError(f"a {kind} channel needs a url or a url_ref", f"{kind} (no url)")
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetError("the URL cannot be read", f"{kind} (unreadable URL)") from None
    shown = f"{kind} {shown_url(url)}" + (f" (url_ref {ref})" if ref is not None else "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError("the URL must be http:// or https:// with a host", shown)
    key = f"{kind} {parts.scheme}://{parts.hostname.lower()}:{port}{parts.path or '/'}"
    return url, Destination(key=key, shown=shown)


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be secret, for ``scrub``: the URL, its path, query and userinfo."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    return [url, parts.path, parts.query, parts.netloc.rpartition("@")[0]]


class Poster:
    """POSTs through one guarded aiohttp session (created on first use, in the running loop)."""

    def __init__(self, policy: AddressPolicy | None = None, max_redirects: int = 3) -> None:
        self.policy = policy or AddressPolicy()
        self.max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = guarded_session(self.policy, limit=200, limit_per_host=8,
                                            headers={"User-Agent": USER_AGENT})
        return self._session

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float,
                   read_detail: bool = False) -> DeliveryResult:
        """One attempt. ``read_detail``: on a non-2xx answer, add the start of the body to the reason
        when it is a short code (Slack answers ``invalid_payload``, ``channel_not_found``)."""
        secrets = url_secrets(url)
        try:
            async with asyncio.timeout(timeout_s):
                return await self._post(URL(url, encoded=False), body, headers, timeout_s, read_detail, secrets)
        except TimeoutError:
            return DeliveryResult.retry(f"no answer within {timeout_s:g} s")
        except aiohttp.InvalidURL:
            return DeliveryResult.failed("invalid URL")
        except (aiohttp.ClientError, OSError) as exc:
            if (refused := blocked_reason(exc)) is not None:
                return DeliveryResult.failed(scrub(f"address not allowed: {refused}", secrets))
            return DeliveryResult.retry(scrub(_network_reason(exc), secrets))

    async def _post(self, url: URL, body: bytes, headers: Mapping[str, str], timeout_s: float,
                    read_detail: bool, secrets: list[str]) -> DeliveryResult:
        timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, 10.0))
        session = self._session_now()
        for hop in range(self.max_redirects + 1):
            async with session.post(url, data=body, headers=dict(headers), timeout=timeout,
                                    allow_redirects=False) as response:
                status = response.status
                if status in (307, 308) and hop < self.max_redirects:
                    location = response.headers.get("Location")
                    target = url.join(URL(location)) if location else None
                    if target is None or target.scheme not in ("http", "https") or (
                            url.scheme == "https" and target.scheme == "http"):
                        return DeliveryResult.failed(f"HTTP {status}: redirect to a missing, non-HTTP or "
                                                     "unencrypted address refused")
                    secrets.extend(url_secrets(str(target)))
                    url = target
                    continue
                if 300 <= status < 400:
                    return DeliveryResult.failed(f"HTTP {status}: redirect not followed (only 307/308 are; "
                                                 "update the URL)")
                detail = ""
                if read_detail and not 200 <= status < 300:
                    raw = (await response.content.read(200)).decode("utf-8", "replace").strip()
                    detail = raw if raw and not _DETAIL.search(raw) and len(raw) <= 60 else ""
                result = classify_status(status, response.headers.get("Retry-After"), detail)
                return DeliveryResult(result.outcome, scrub(result.reason, secrets), result.retry_after_s)
        return DeliveryResult.failed(f"more than {self.max_redirects} redirects")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _network_reason(exc: BaseException) -> str:
    """``cannot connect (Connection refused)``-like text without the address or URL."""
    os_error = getattr(exc, "os_error", None)
    if isinstance(os_error, OSError) and os_error.strerror:
        return f"cannot connect ({os_error.strerror})"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS certificate not accepted"
    if isinstance(exc, aiohttp.ClientSSLError):
        return "TLS error"
    return f"network error ({type(exc).__name__})"
