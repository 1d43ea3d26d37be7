"""A hostile little news site on loopback for the fetch tests: boilerplate-heavy and AMP pages, a
paywall stub, 404/500/503, a trickling page, a 50 MB page, a gzip bomb, a PDF, robots.txt rules,
redirects (also to another port), two URLs with one canonical URL, and a feed linking to all of them."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPHS = [
    "Gunmen attacked a police checkpoint on the road to Kidal in northern Mali on Tuesday, killing three officers, "
    "regional officials said.",
    "The attackers arrived on motorcycles shortly before dawn and opened fire on the post, which guards the main road "
    "north of the town, according to a local councillor reached by telephone.",
    "Two other officers were wounded and taken to the hospital in Gao. The army sent reinforcements from its base at "
    "Anefis later in the morning.",
    "Residents said the shooting lasted about twenty minutes before the attackers withdrew towards the hills.",
    "A shepherd named Oumar Maiga found the abandoned motorcycles near a dry riverbed outside Tessalit two days later.",
]
DEEP_SENTENCE = PARAGRAPHS[-1]
TEASER = PARAGRAPHS[0]
CANONICAL = "https://news.example.org/2026/mali-checkpoint-attack"

BOILERPLATE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{title} | Sahel Post</title>
<link rel="canonical" href="{canonical}"><meta property="og:url" content="{canonical}">
<meta property="article:published_time" content="2026-03-10T08:00:00Z">
<script>var tracking = {{"section": "africa", "paywall": false}};</script>
<style>.cookie{{position:fixed}}</style></head>
<body>
<div class="cookie-consent">We value your privacy. We and our partners use cookies to personalise ads. <button>Accept</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/africa">Africa</a></li><li><a href="/business">Business</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/podcasts">Podcasts</a></li></ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">Sahel Post reporters</p>
{body}
</article>
<aside class="related"><h3>Related</h3><ul><li><a href="/r1">Cotton harvest down for a second year</a></li>
<li><a href="/r2">New bridge opens over the Niger river</a></li><li><a href="/r3">Football: league resumes in Bamako</a></li></ul></aside>
<section id="comments"><h3>Comments</h3><div class="comment">Very sad news from the north again.</div>
<div class="comment">The government must protect these roads.</div></section></main>
<footer><p>© 2026 Sahel Post (test site). <a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>
</body></html>
"""

AMP = """<!doctype html><html ⚡ lang="en"><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script><title>{title}</title>
<link rel="canonical" href="{canonical}"><meta name="viewport" content="width=device-width">
<style amp-custom>body{{margin:0}}</style></head><body>
<amp-consent id="c" layout="nodisplay"><div>This site uses cookies. <button on="tap:c.accept">OK</button></div></amp-consent>
<header><amp-sidebar id="menu" layout="nodisplay"><ul><li>Home</li><li>World</li><li>Video</li></ul></amp-sidebar></header>
<article><h1>{title}</h1>{body}</article>
<div class="newsletter">Get our newsletter. <a href="/nl">Sign up</a></div>
<footer>Sahel Post AMP (test site)</footer></body></html>
"""

PAYWALL = """<!DOCTYPE html><html lang="en"><head><title>Subscribers only</title>
<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script></head>
<body><nav><a href="/">Home</a> <a href="/subscribe">Subscribe</a></nav><article><h1>Attack on checkpoint</h1>
<p>Gunmen attacked a police checkpoint on the road to Kidal in northern Mali on Tuesday.</p>
<div class="paywall">Subscribe to keep reading. Already a subscriber? Log in.</div></article></body></html>
"""


def body_html() -> str:
    return "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def page(template: str = BOILERPLATE, canonical: str = CANONICAL, title: str = "Gunmen kill three officers near Kidal") -> bytes:
    return template.format(title=title, canonical=canonical, body=body_html()).encode("utf-8")


def gzip_bomb(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Story {p}</title><link>{base}{p}</link><description>{TEASER}</description>"
                    f"<pubDate>Tue, 10 Mar 2026 08:00:00 GMT</pubDate></item>" for p in paths)
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Sahel Post</title>{items}</channel></rss>".encode()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # clients that stop reading (size caps, deadlines) break the pipe: expected here


class Site:
    """Start/stop the site; ``hits`` counts requests per path, ``times`` their start times, ``agents`` the
    User-Agents seen."""

    def __init__(self, redirect_target: str | None = None) -> None:
        self.hits: Counter[str] = Counter()
        self.times: list[tuple[str, float]] = []
        self.agents: set[str] = set()
        self.redirect_target = redirect_target
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: C901 - one branch per hostile case
                path = self.path
                with site.lock:
                    site.hits[path] += 1
                    site.times.append((path, time.monotonic()))
                    site.agents.add(self.headers.get("User-Agent", ""))
                try:
                    self.route(path)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def route(self, path: str) -> None:
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
                if path.startswith("/feed.xml"):
                    return self.send(200, feed(site.base, site.feed_paths), "application/rss+xml")
                if path.startswith("/article") or path.startswith("/private/"):
                    return self.send(200, page())
                if path.startswith("/story/"):  # many distinct stories
                    return self.send(200, page(canonical=f"https://news.example.org{path}"))
                if path.startswith("/alias"):  # another URL of the same story (same canonical URL)
                    return self.send(200, page(title="Three officers killed near Kidal"))
                if path == "/amp":
                    return self.send(200, page(AMP, "https://news.example.org/2026/amp-story"))
                if path == "/paywall":
                    return self.send(200, PAYWALL.encode())
                if path == "/missing":
                    return self.send(404, b"<h1>Not found</h1>")
                if path == "/broken":
                    return self.send(500, b"<h1>Internal error</h1>")
                if path == "/busy":
                    if site.hits[path] == 1:
                        return self.send(503, b"busy", "text/plain", Retry_After="1")
                    return self.send(200, page(canonical="https://news.example.org/2026/busy"))
                if path.startswith("/trickle"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    for _ in range(60):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.25)
                    return None
                if path == "/slow-headers":
                    for ch in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 40:
                        self.wfile.write(bytes([ch]))
                        self.wfile.flush()
                        time.sleep(0.1)
                    return None
                if path == "/huge":  # 50 MB, no Content-Length
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    chunk = b"<p>" + b"padding " * 8000 + b"</p>"
                    sent = 0
                    while sent < 50_000_000:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                    return None
                if path == "/bomb":
                    return self.send(200, site.bomb, Content_Encoding="gzip")
                if path == "/report.pdf":
                    return self.send(200, b"%PDF-1.4 not really", "application/pdf")
                if path == "/hop":
                    return self.send(302, b"", Location="/article-after-hop")
                if path == "/to-other-port":
                    return self.send(302, b"", Location=site.redirect_target or "/")
                return self.send(404, b"no such page")

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.port = self.httpd.server_address[1]
        self.feed_paths: list[str] = []
        self.bomb = gzip_bomb(200_000_000)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
