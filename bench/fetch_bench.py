"""Fetch-stage throughput against local servers: pages/s through the real fetch handler (guarded
client, robots.txt, per-host lanes and delays, trafilatura extraction, SQLite ledger), and
extraction alone for comparison.

Each of ``--hosts`` loopback servers (one host each) serves distinct article pages of ~600 words after
``--latency-ms`` of simulated network delay. No Kafka: the handler is what a fetch worker runs per batch.

Usage: ``python bench/fetch_bench.py [--pages 300] [--hosts 6] [--latency-ms 50] [--per-host-delay 0]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.fetch.article import ArticleFetcher  # noqa: E402
from pipeline.fetch.extract import extract_article  # noqa: E402
from pipeline.fetch.ledger import FetchLedger  # noqa: E402
from pipeline.fetch.worker import make_fetch_handler  # noqa: E402
from pipeline.ingest.normalize import article_id  # noqa: E402
from pipeline.schemas import RawArticle, dump, load  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from tests.fetch.site import BOILERPLATE, PARAGRAPHS, TEASER  # noqa: E402

Record = namedtuple("Record", "topic partition offset key value")
BODY = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS * 8)


def page_bytes(path: str) -> bytes:
    return BOILERPLATE.format(title=f"Story {path}", canonical=f"https://bench.example.org{path}", body=BODY).encode()


def serve(latency_s: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency_s)
            body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else page_bytes(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", type=int, default=300)
    p.add_argument("--hosts", type=int, default=6)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--per-host-delay", type=float, default=0.0, help="fetch_per_host_delay_s (production: 1.0)")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--per-host-concurrency", type=int, default=2)
    args = p.parse_args()

    servers = [serve(args.latency_ms / 1000) for _ in range(args.hosts)]
    urls = [f"http://127.0.0.1:{servers[i % args.hosts].server_address[1]}/news/{i}" for i in range(args.pages)]
    entries = [RawArticle(id=article_id(u), url=u, title=f"Story {i}", body=TEASER, summary=TEASER)
               for i, u in enumerate(urls)]
    records = [Record("entries", 0, i, e.id.encode(), dump(e)) for i, e in enumerate(entries)]
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(fetch_allow_private_networks=True, fetch_per_host_delay_s=args.per_host_delay,
                     fetch_concurrency=args.concurrency, fetch_per_host_concurrency=args.per_host_concurrency,
                     fetch_batch_deadline_s=3600, data_dir=Path(tmp))
        fetcher = ArticleFetcher(s)
        handle = make_fetch_handler(s, fetcher, FetchLedger(Path(tmp) / "ledger.sqlite3"),
                                    ThreadPoolExecutor(max_workers=s.fetch_concurrency))
        started = time.monotonic()
        cpu0 = time.process_time()
        outputs = []
        for i in range(0, len(records), s.fetch_batch_size):
            outputs += handle(records[i:i + s.fetch_batch_size]).outputs
        wall, cpu = time.monotonic() - started, time.process_time() - cpu0
        fetcher.close()
    full = sum(load(RawArticle, o.value).text_source == "article" for o in outputs)

    html = page_bytes("/news/x")
    t0 = time.process_time()
    n_extract = 100
    for _ in range(n_extract):
        extract_article(html, "https://bench.example.org/news/x")
    extract_rate = n_extract / (time.process_time() - t0)
    for srv in servers:
        srv.shutdown()
    rate = args.pages / wall
    print(f"fetch stage: {args.pages} pages ({len(html) // 1024} KB, {len(BODY.split())} words) from {args.hosts} hosts, "
          f"{args.latency_ms:g} ms latency, per-host delay {args.per_host_delay:g}s, concurrency "
          f"{args.concurrency} ({args.per_host_concurrency}/host)")
    print(f"  {rate:.1f} pages/s wall ({args.pages / cpu:.1f} per CPU-second of this process, servers included), "
          f"{full}/{args.pages} full text")
    print(f"  extraction alone: {extract_rate:.1f} pages/s per CPU-second; fetch stage / extraction = "
          f"{rate / extract_rate:.2f}")


if __name__ == "__main__":
    main()
