"""The SSRF guard: outgoing HTTP (feed fetches, webhook deliveries) reaches public addresses only.

A feed URL, a feed's redirect, a stored permanent-redirect target or a webhook URL is chosen by
someone outside: pointed at 169.254.169.254 (cloud metadata), loopback (Elasticsearch on 9200) or a
private network, the pipeline would fetch or post there on their behalf. The check runs on the
address every connection is really made to — after DNS, at every redirect hop — so neither a name
resolving to a private address nor a redirect gets around it. ``ATTACHE_ALLOW_PRIVATE_ADDRESSES``
names the exceptions (the bundled sample feed, local test servers, an intranet feed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddressError(OSError):
    """The address a connection would go to is not public and not allowed; ``str()`` says which and why."""


def _kind(ip: IPAddress) -> str | None:
    """What makes the address non-public, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata services live there)"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Non-public addresses that may be reached anyway: (network, port or None for any port)."""

    allowed: tuple[tuple[IPNetwork, int | None], ...] = ()

    @classmethod
    def parse(cls, text: str) -> AddressPolicy:
        """``127.0.0.1:8470, 10.0.0.0/8, [::1]:9000, 192.168.1.7``; raises ``ValueError`` naming a bad entry."""
        allowed = []
        for raw in (part.strip() for part in text.split(",")):
            if not raw:
                continue
            address, port = raw, None
            if raw.startswith("["):  # [v6] or [v6]:port
                address, _, rest = raw[1:].partition("]")
                port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
            elif raw.count(":") == 1:
                address, _, port_text = raw.partition(":")
                if not port_text.isdigit():
                    raise ValueError(f"{raw!r} is not an address, address:port or network")
                port = int(port_text)
            try:
                allowed.append((ipaddress.ip_network(address, strict=False), port))
            except ValueError as exc:
                raise ValueError(f"{raw!r} is not an address, address:port or network") from exc
        return cls(tuple(allowed))

    def refusal(self, address: str, port: int) -> str | None:
        """Why a connection to ``address``:``port`` is refused, or None when it may be made."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
        except ValueError:
            return f"{address} is not an IP address"
        kind = _kind(ip)
        if kind is None:
            return None
        candidates = [ip, ip.ipv4_mapped] if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else [ip]
        for network, allowed_port in self.allowed:
            if any(c.version == network.version and c in network for c in candidates if c is not None) and (
                    allowed_port is None or allowed_port == port):
                return None
        return (f"{address} is a {kind} address; refused (set ATTACHE_ALLOW_PRIVATE_ADDRESSES to allow "
                f"{address}:{port})")


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector whose every connection, including each redirect hop, goes only where the policy
    allows. It filters what the host resolves to (IP literals included), so a name cannot point it
    elsewhere between a check and the connection."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    async def _resolve_host(self, host: str, port: int, traces: Sequence[Any] | None = None
                            ) -> list[ResolveResult]:
        hosts = await super()._resolve_host(host, port, traces=traces)  # type: ignore[arg-type]
        allowed = [h for h in hosts if self.policy.refusal(h["host"], port) is None]
        if not allowed:
            reason = self.policy.refusal(hosts[0]["host"], port) if hosts else "no address"
            named = "" if hosts and hosts[0]["host"] == host.strip("[]") else f"{host} resolves to "
            raise BlockedAddressError(f"refused: {named}{reason}")
        return allowed


def guarded_session(policy: AddressPolicy, *, limit: int = 100, limit_per_host: int = 0,
                    **session_options: Any) -> aiohttp.ClientSession:
    """An aiohttp session whose connections all pass ``policy``."""
    connector = GuardedConnector(policy, limit=limit, limit_per_host=limit_per_host, ttl_dns_cache=300)
    return aiohttp.ClientSession(connector=connector, **session_options)


def blocked_reason(exc: BaseException) -> str | None:
    """The guard's refusal inside an aiohttp connection error, if that is what it was."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, BlockedAddressError):
            return str(current)
        os_error = getattr(current, "os_error", None)
        if isinstance(os_error, BlockedAddressError):
            return str(os_error)
        current = current.__cause__ or current.__context__
    return None
