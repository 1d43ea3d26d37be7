"""Politeness towards news sites: robots.txt cached per host, a minimum delay between requests to one
host (or the site's Crawl-delay, capped), and the User-Agent with a contact URL (set in the client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from pipeline.ingest.http import FetchFailed, Limits, SafeClient


def host_key(url: str) -> str:
    """``scheme://host[:port]`` of a URL: the unit of robots.txt, delays and concurrency."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass
class _Robots:
    rules: Protego | None
    expires: float
    note: str


class RobotsCache:
    """robots.txt per host, fetched once per ``ttl_s`` through the safe client.

    A missing robots.txt (4xx) allows everything; an unreachable one (5xx, timeout) disallows the host
    until the next fetch, as RFC 9309 asks."""

    def __init__(self, client: SafeClient, limits: Limits, user_agent: str, ttl_s: float,
                 before_request: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.limits = limits
        self.user_agent = user_agent
        self.ttl_s = ttl_s
        self.before_request = before_request
        self._cache: dict[str, _Robots] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _get(self, host: str) -> _Robots:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            entry = self._cache.get(host)
            if entry is None or entry.expires < time.monotonic():
                entry = self._load(host)
                self._cache[host] = entry
            return entry

    def _load(self, host: str) -> _Robots:
        expires = time.monotonic() + self.ttl_s
        try:
            resp = self.client.get(f"{host}/robots.txt", self.limits, before_request=self.before_request)
        except FetchFailed as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return _Robots(None, expires, "no robots.txt")
            return _Robots(Protego.parse("User-agent: *\nDisallow: /"), expires, f"robots.txt unreachable ({exc})")
        return _Robots(Protego.parse(resp.content.decode("utf-8", errors="replace")), expires, "robots.txt")

    def check(self, url: str) -> None:
        """Raise :class:`FetchFailed` (kind ``robots``) when robots.txt disallows ``url`` for us."""
        robots = self._get(host_key(url))
        if robots.rules is not None and not robots.rules.can_fetch(url, self.user_agent):
            raise FetchFailed("robots", f"{url} is disallowed for our User-Agent by {robots.note}")

    def crawl_delay(self, url: str) -> float | None:
        """The host's Crawl-delay for us, if robots.txt has one (cached)."""
        robots = self._get(host_key(url))
        if robots.rules is None:
            return None
        delay = robots.rules.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None


class HostGate:
    """Spaces the start of requests to one host by at least ``delay_s`` (across threads)."""

    def __init__(self, delay_s: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.delay_s = delay_s
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str, delay_s: float | None = None) -> float:
        """Block until a request to ``url``'s host may start; return the seconds waited."""
        gap = max(self.delay_s, delay_s or 0.0)
        host = host_key(url)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + gap
        if start > now:
            self.sleep(start - now)
        return max(0.0, start - now)
