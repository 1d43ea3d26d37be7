"""Offline demo feeds: bundled RSS/Atom/RDF files and the article pages they link to, served on
loopback (``make demo``, tests), so the demo exercises full-text fetching.

Files in ``configs/demo_feeds`` (feeds and ``pages/``) may contain time markers ``@RFC822:NOW-3h@`` /
``@ISO:NOW-2d@`` that are rendered to real timestamps when served, so the demo always shows recent
incidents, and ``@BASE@``, rendered to the server's base URL.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable
from datetime import timedelta
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from pipeline.schemas import RawArticle, utcnow
from pipeline.settings import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / "configs" / "demo_feeds"
_MARK = re.compile(r"@(RFC822|ISO):NOW-(\d+)([mhd])@")
_UNIT = {"m": "minutes", "h": "hours", "d": "days"}
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"


def render_times(text: str) -> str:
    """Replace time markers with timestamps relative to now (UTC)."""
    now = utcnow().replace(microsecond=0)

    def sub(m: re.Match[str]) -> str:
        when = now - timedelta(**{_UNIT[m.group(3)]: int(m.group(2))})
        return format_datetime(when, usegmt=True) if m.group(1) == "RFC822" else when.isoformat().replace("+00:00", "Z")

    return _MARK.sub(sub, text)


def write_site(www: Path, base: str, name: str, articles: Iterable[RawArticle]) -> str:
    """Write ``articles`` as an article page each (``www/<name>/<n>.html``) and an RSS feed
    ``www/<name>.xml`` linking to them (newest first, as feeds list them); return the feed's URL.
    Benchmarks and tests use it to serve generated articles through ingestion and the fetch stage."""
    (www / name).mkdir(parents=True, exist_ok=True)
    items = []
    for n, art in enumerate(articles):
        link = f"{base}/{name}/{n}.html"
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in art.body.split(". ") if p)
        page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(art.title)}"
                f"</title></head><body><article><h1>{html.escape(art.title)}</h1>{paragraphs}</article></body></html>")
        (www / name / f"{n}.html").write_text(page, encoding="utf-8")
        when = format_datetime(art.published_at or utcnow(), usegmt=True)
        items.append(f"<item><title>{html.escape(art.title)}</title><link>{link}</link>"
                     f"<description>{html.escape(art.body[:200])}</description><pubDate>{when}</pubDate></item>")
    feed = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{name}</title><link>{base}/</link>{''.join(reversed(items))}</channel></rss>")
    (www / f"{name}.xml").write_text(feed, encoding="utf-8")
    if not (www / "robots.txt").exists():
        (www / "robots.txt").write_text(ROBOTS_TXT, encoding="utf-8")
    return f"{base}/{name}.xml"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class FeedServer:
    """Serve a directory of feed files over HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, directory: Path, port: int = 0) -> None:
        self.directory = directory
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(directory)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="feed-server")

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self) -> str:
        """Start serving; return the base URL."""
        self.thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class DemoFeedServer:
    """Render the bundled demo feeds into ``out_dir``, serve them, and write a feeds.yaml for them."""

    def __init__(self, port: int = 0, source: Path = DEMO_DIR) -> None:
        self.port = port
        self.source = source
        self.server: FeedServer | None = None

    def start(self, out_dir: Path) -> Path:
        """Serve the demo feeds; return the path of the generated feeds file."""
        www = out_dir / "www"
        www.mkdir(parents=True, exist_ok=True)
        spec = yaml.safe_load((self.source / "feeds.yaml").read_text(encoding="utf-8"))
        self.server = FeedServer(www, self.port)
        base = self.server.base_url
        files = [self.source / e["file"] for e in spec["feeds"]] + sorted((self.source / "pages").rglob("*.html"))
        for src in files:
            dest = www / src.relative_to(self.source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(render_times(src.read_text(encoding="utf-8")).replace("@BASE@", base), encoding="utf-8")
        (www / "robots.txt").write_text(ROBOTS_TXT, encoding="utf-8")
        self.server.serve()
        feeds = [{k: v for k, v in e.items() if k != "file"} | {"url": f"{base}/{e['file']}"} for e in spec["feeds"]]
        path = out_dir / "feeds.yaml"
        path.write_text(yaml.safe_dump({"defaults": spec.get("defaults", {}), "feeds": feeds}, sort_keys=False),
                        encoding="utf-8")
        return path

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.stop()
