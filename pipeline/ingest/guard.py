"""Server-side request forgery guard for every outbound fetch (feeds, article pages, robots.txt).

The check runs *after* DNS resolution, on the address the socket really connects to: a host name that
resolves to a loopback, private, link-local, multicast, reserved or cloud-metadata address is refused,
so is a port outside ``fetch_allowed_ports``, unless ``RADAR_FETCH_ALLOW_PRIVATE_NETWORKS=true``
(tests and the demo) or the exact ``ip:port`` is in ``fetch_allowed_private``. Every redirect hop
connects through the same check. The connection is made to the checked address itself, so a second
DNS answer (rebinding) cannot slip past it. The same socket layer enforces a total deadline per
request, so a server trickling bytes (headers included) cannot hold a fetch past it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

from pipeline.settings import Settings

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
                      ipaddress.ip_address("100.100.100.200")}


class BlockedURL(ValueError):
    """A URL the guard refuses (scheme, address or port); the message says which rule."""


class DeadlineExceeded(httpx.TimeoutException):
    """The total deadline of a request passed (however the server trickled its bytes)."""


@dataclass(frozen=True)
class Guard:
    """What outbound connections may reach."""

    allow_private: bool = False
    allowed_private: frozenset[str] = field(default_factory=frozenset)
    allowed_ports: frozenset[int] = frozenset({80, 443})

    @classmethod
    def from_settings(cls, s: Settings) -> "Guard":
        """The guard configured by ``fetch_allow_private_networks``, ``fetch_allowed_private`` and ports."""
        return cls(s.fetch_allow_private_networks, frozenset(s.fetch_allowed_private), frozenset(s.fetch_allowed_ports))

    def check_url(self, url: str) -> None:
        """Refuse anything but http(s) URLs with a host (before any connection is made)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise BlockedURL(f"{url[:200]!r}: only http and https URLs are fetched")
        if not parts.hostname:
            raise BlockedURL(f"{url[:200]!r}: no host")
        try:
            _ = parts.port
        except ValueError as exc:
            raise BlockedURL(f"{url[:200]!r}: bad port") from exc
        if parts.username or parts.password:
            raise BlockedURL(f"{url[:200]!r}: credentials in URLs are refused")

    def check_address(self, ip: str, port: int) -> None:
        """Refuse a resolved address unless it is public (or the guard is off / the pair allowed)."""
        if self.allow_private or f"{ip}:{port}" in self.allowed_private:
            return
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        why = _private_reason(addr)
        if why:
            raise BlockedURL(f"{ip}:{port} is a {why} address (RADAR_FETCH_ALLOW_PRIVATE_NETWORKS=false)")
        if port not in self.allowed_ports:
            raise BlockedURL(f"port {port} of {ip} is not allowed (RADAR_FETCH_ALLOWED_PORTS)")


def _private_reason(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if addr in METADATA_ADDRESSES:
        return "cloud metadata"
    for flag in ("is_unspecified", "is_loopback", "is_link_local", "is_multicast", "is_reserved", "is_private"):
        if getattr(addr, flag):
            return flag[3:].replace("_", "-")
    if not addr.is_global:
        return "non-global"
    return None


_deadline = threading.local()


class deadline:  # noqa: N801 - used as a context manager like a function
    """``with deadline(seconds):`` every socket read, write and connect in this thread must finish by then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> "deadline":
        self.previous = getattr(_deadline, "at", None)
        _deadline.at = time.monotonic() + self.seconds
        return self

    def __exit__(self, *_: Any) -> None:
        _deadline.at = self.previous


def deadline_passed(margin_s: float = 0.05) -> bool:
    """True when this thread's deadline (if any) has passed or is within ``margin_s``."""
    at = getattr(_deadline, "at", None)
    return at is not None and time.monotonic() >= at - margin_s


def _remaining(timeout: float | None) -> float | None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, _remaining(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, check every address with the guard, connect to the checked address, apply the deadline."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        for ip in addresses:
            self.guard.check_address(ip, port)
        last: Exception | None = None
        for ip in addresses:
            try:
                stream = self.inner.connect_tcp(ip, port, _remaining(timeout), local_address, socket_options)
                return _DeadlineStream(stream)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise BlockedURL("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes through :class:`GuardedBackend`."""

    def __init__(self, guard: Guard, max_connections: int = 100) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(guard),
        )
