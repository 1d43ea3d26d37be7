"""One safe HTTP GET for feeds, article pages and robots.txt.

Every limit comes from settings: http(s) only; the SSRF guard on every connection (also after each
redirect, see :mod:`pipeline.ingest.guard`); at most N redirects, each checked again; a total deadline
per request on top of the per-read timeout; a size cap enforced while streaming, on the compressed and
on the decompressed bytes (a gzip bomb stops at the cap); a content-type check; retries with backoff
on 429/503 and connection errors, honouring ``Retry-After``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from pipeline.ingest.guard import BlockedURL, Guard, GuardedTransport, deadline, deadline_passed
from pipeline.schemas import utcnow

RETRY_STATUSES = (429, 503)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class FetchFailed(RuntimeError):
    """A GET that did not give a usable answer; ``kind`` is one word (http, timeout, size, blocked, ...)."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class Limits:
    """The limits of one kind of request; ``setting`` names the env prefix quoted in error messages."""

    setting: str
    deadline_s: float
    connect_timeout_s: float
    read_timeout_s: float
    max_bytes: int
    max_redirects: int
    retries: int = 0
    backoff_s: float = 1.0
    max_retry_after_s: float = 30.0
    content_types: tuple[str, ...] = ()


@dataclass
class Response:
    """A complete, size-checked answer (status 2xx or 304)."""

    status: int
    content: bytes
    headers: httpx.Headers
    url: str
    redirects: list[str] = field(default_factory=list)

    @property
    def mime(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return mime_of(self.headers)


def mime_of(headers: httpx.Headers) -> str:
    """Media type of a response's Content-Type header, lower case, without parameters."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


class _Decoder:
    """Content-Encoding decoding with a cap on the decompressed size."""

    def __init__(self, encoding: str, cap: int) -> None:
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self.z = None
        elif encoding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.z = zlib.decompressobj()
        else:
            raise FetchFailed("encoding", f"unsupported Content-Encoding {encoding!r}")
        self.cap = cap
        self.out = bytearray()

    def feed(self, chunk: bytes) -> None:
        if self.z is None:
            self.out += chunk
        else:
            data = chunk
            while data:
                try:
                    self.out += self.z.decompress(data, self.cap + 1 - len(self.out))
                except zlib.error as exc:
                    raise FetchFailed("encoding", f"corrupt compressed body: {exc}") from exc
                data = self.z.unconsumed_tail
                if len(self.out) > self.cap:
                    break
        if len(self.out) > self.cap:
            raise FetchFailed("size", f"more than {self.cap} bytes after decompression")


class SafeClient:
    """A guarded HTTP client (no proxies from the environment, redirects followed by hand)."""

    def __init__(self, guard: Guard, user_agent: str, max_connections: int = 100) -> None:
        self.guard = guard
        self.client = httpx.Client(
            transport=GuardedTransport(guard, max_connections), follow_redirects=False, trust_env=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        """Close pooled connections."""
        self.client.close()

    def __enter__(self) -> "SafeClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, limits: Limits, headers: dict[str, str] | None = None,
            before_request: Callable[[str], None] | None = None,
            sleep: Callable[[float], None] = time.sleep) -> Response:
        """GET ``url`` within ``limits``; raise :class:`FetchFailed` with a clear message otherwise.

        ``before_request(url)`` runs before every request (the first and each redirect hop), for
        politeness: it may wait, or raise :class:`FetchFailed` (e.g. robots.txt disallows).
        """
        attempt = 0
        while True:
            try:
                return self._get_once(url, limits, headers or {}, before_request)
            except FetchFailed as exc:
                wait = getattr(exc, "retry_after", None)
                retryable = exc.kind == "network" or exc.status in RETRY_STATUSES
                if not retryable or attempt >= limits.retries:
                    raise
                if wait is None:
                    wait = limits.backoff_s * 2 ** attempt
                if wait > limits.max_retry_after_s:
                    raise FetchFailed(exc.kind, f"{exc} and Retry-After {wait:.0f}s > limit "
                                      f"{limits.max_retry_after_s:.0f}s ({limits.setting}_MAX_RETRY_AFTER_S)",
                                      exc.status) from exc
                attempt += 1
                sleep(wait)

    def _get_once(self, url: str, limits: Limits, headers: dict[str, str],
                  before_request: Callable[[str], None] | None) -> Response:
        redirects: list[str] = []
        spent = 0.0
        while True:
            try:
                self.guard.check_url(url)
            except BlockedURL as exc:
                raise FetchFailed("blocked", f"{'redirect to ' if redirects else ''}{exc}") from exc
            if before_request is not None:
                before_request(url)
            started = time.monotonic()
            try:
                with deadline(limits.deadline_s - spent):
                    result = self._exchange(url, limits, headers)
            finally:
                spent += time.monotonic() - started
            if isinstance(result, Response):
                result.redirects = redirects
                return result
            redirects.append(url)
            if len(redirects) > limits.max_redirects:
                raise FetchFailed("redirects", f"more than {limits.max_redirects} redirects "
                                  f"({limits.setting}_MAX_REDIRECTS): {' -> '.join(redirects)}")
            url = result

    def _exchange(self, url: str, limits: Limits, headers: dict[str, str]) -> Response | str:
        """One request: a complete Response, or the absolute URL of a redirect."""
        timeout = httpx.Timeout(limits.read_timeout_s, connect=limits.connect_timeout_s)
        received = 0
        try:
            with self.client.stream("GET", url, headers=headers, timeout=timeout) as resp:
                status = resp.status_code
                if status in REDIRECT_STATUSES:
                    location = resp.headers.get("location")
                    if not location:
                        raise FetchFailed("http", f"HTTP {status} without Location from {url}", status)
                    return urljoin(url, location.strip())
                if status in RETRY_STATUSES:
                    exc = FetchFailed("http", f"HTTP {status} from {url}", status)
                    exc.retry_after = retry_after_s(resp.headers.get("retry-after"))  # type: ignore[attr-defined]
                    raise exc
                if status >= 400 or status < 200 or (status >= 300 and status != 304):
                    raise FetchFailed("http", f"HTTP {status} from {url}", status)
                if status == 304:
                    return Response(304, b"", resp.headers, str(resp.url))
                mime = mime_of(resp.headers)
                if limits.content_types and mime and not mime.startswith(limits.content_types):
                    raise FetchFailed("content-type", f"{mime} from {url} is not one of {', '.join(limits.content_types)}")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_bytes:
                    raise FetchFailed("size", f"{declared} bytes declared by {url} > limit {limits.max_bytes} "
                                      f"({limits.setting}_MAX_BYTES)")
                decoder = _Decoder(resp.headers.get("content-encoding", ""), limits.max_bytes)
                for chunk in resp.iter_raw():
                    received += len(chunk)
                    if received > limits.max_bytes:
                        raise FetchFailed("size", f"more than {limits.max_bytes} bytes from {url} "
                                          f"({limits.setting}_MAX_BYTES)")
                    try:
                        decoder.feed(chunk)
                    except FetchFailed as exc:
                        raise FetchFailed(exc.kind, f"{exc} from {url} ({limits.setting}_MAX_BYTES)") from exc
                return Response(status, bytes(decoder.out), resp.headers, str(resp.url))
        except BlockedURL as exc:
            raise FetchFailed("blocked", f"{url}: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise FetchFailed("timeout", _timeout_message(url, limits, received, exc, deadline_passed())) from exc
        except httpx.HTTPError as exc:
            raise FetchFailed("network", f"{type(exc).__name__} from {url}: {exc}") from exc


def _timeout_message(url: str, limits: Limits, received: int, exc: Exception, past_deadline: bool) -> str:
    if past_deadline:
        return (f"{url} did not finish within the total deadline of {limits.deadline_s:g}s "
                f"({limits.setting}_DEADLINE_S); {received} body bytes had arrived")
    phase = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
    limit = limits.connect_timeout_s if phase == "connect" else limits.read_timeout_s
    return f"{url}: no data for {limit:g}s ({phase} timeout); {received} body bytes had arrived"
