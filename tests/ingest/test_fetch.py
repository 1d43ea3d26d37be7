"""fetch() against a real HTTP server on loopback."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.ingest.fetch import FeedError, fetch
from pipeline.settings import Settings

BODY = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


class Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/error":
            self.send_response(500)
            self.end_headers()
            return
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x" * 1000)
            return
        if self.path == "/etag" and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Last-Modified", "Sun, 22 Mar 2026 10:00:00 GMT")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that stop reading (size cap) break the pipe: expected here


@pytest.fixture(scope="module")
def base_url():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_ok_with_validators_and_user_agent(base_url):
    s = Settings(feed_user_agent="RadarTest/1")
    res = fetch("f", f"{base_url}/etag", s=s)
    assert res.status == 200 and res.content == BODY and res.etag == '"v1"'
    assert res.last_modified.startswith("Sun, 22 Mar 2026")
    assert "RadarTest/1" in Handler.seen_agents


def test_conditional_get_returns_not_modified(base_url):
    res = fetch("f", f"{base_url}/etag", etag='"v1"', s=Settings())
    assert res.not_modified


def test_timeout_is_a_clear_error(base_url):
    with pytest.raises(FeedError) as err:
        fetch("slow-feed", f"{base_url}/slow", s=Settings(feed_timeout_s=0.5))
    assert err.value.kind == "timeout" and "slow-feed" in str(err.value)


def test_http_error(base_url):
    with pytest.raises(FeedError) as err:
        fetch("f", f"{base_url}/error", s=Settings())
    assert err.value.kind == "http" and "500" in str(err.value)


def test_size_cap(base_url):
    with pytest.raises(FeedError) as err:
        fetch("f", f"{base_url}/big", s=Settings(feed_max_bytes=10_000))
    assert err.value.kind == "size"


def test_connection_refused():
    with pytest.raises(FeedError) as err:
        fetch("f", "http://127.0.0.1:9/feed", s=Settings(feed_timeout_s=2))
    assert err.value.kind in {"network", "timeout"}
