"""Benchmark: alert latency on the embedded stack, from an article produced to ``articles.raw`` to
its alert received by a local webhook, under a steady stream of articles.

    .venv/bin/python bench/alert_bench.py [--rate 20] [--seconds 30] [--enrich-workers 2] [--words 60]

Starts Kafka and the search server on free loopback ports, runs enrich + index + alert workers as
subprocesses, and a webhook receiver on 127.0.0.1. One rule alerts on every new violent incident and
on every death-toll rise. Latency = receive time − produce time of the article that triggered the
alert. Prints p50/p95/max; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import bus  # noqa: E402
from pipeline.schemas import RawArticle, dump, utcnow  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stack import Service, Stack, free_port, radar_env, start_servers  # noqa: E402

PLACES = ["Culiacán, Sinaloa", "Madera, Chihuahua", "Uruapan, Michoacán", "Celaya, Guanajuato", "Acapulco, Guerrero",
          "Tijuana, Baja California", "Reynosa, Tamaulipas", "Fresnillo, Zacatecas", "Cali, Colombia",
          "Cúcuta, Colombia", "Maiduguri, Nigeria", "Kaduna, Nigeria", "Gao, Mali", "Mopti, Mali",
          "Ouahigouya, Burkina Faso", "Goma, Democratic Republic of the Congo", "Beni, Democratic Republic of the Congo",
          "Mogadishu, Somalia", "Kismayo, Somalia", "Kandahar, Afghanistan", "Peshawar, Pakistan", "Quetta, Pakistan",
          "Kharkiv, Ukraine", "Kherson, Ukraine", "Aleppo, Syria", "Mosul, Iraq", "Port-au-Prince, Haiti",
          "Marawi, Philippines", "Imphal, India", "Juba, South Sudan"]
ACTORS = [("Gunmen", "police officers"), ("Cartel gunmen", "soldiers"), ("Militants", "a military convoy"),
          ("Rebels", "an army post"), ("Unidentified attackers", "villagers")]
VERBS = ["attacked", "ambushed", "opened fire on", "clashed with"]

RULES = """
sinks:
  hook: {{type: webhook, url: "{url}"}}
rules:
  - name: everything-violent
    filters: {{event_types: [Battles, Violence against civilians, Explosions/Remote violence]}}
    triggers: {{new: true, escalation: {{fatalities_rise: 1}}}}
"""


class Receiver:
    """Webhook receiver recording (receive time, alert JSON)."""

    def __init__(self) -> None:
        self.got: list[tuple[float, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.got.append((time.time(), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alert"


def make_article(i: int, rng: random.Random, words: int) -> RawArticle:
    """A short synthetic report; places repeat, so some articles join earlier incidents."""
    place = rng.choice(PLACES)
    who, whom = rng.choice(ACTORS)
    dead = rng.randint(1, 12)
    body = (f"{who} {rng.choice(VERBS)} {whom} in {place} on Sunday, killing {dead} people and wounding "
            f"{rng.randint(0, 9)}, officials said. ")
    filler = "Residents described hearing gunfire for an hour and said shops stayed closed. "
    while len(body.split()) < words:
        body += filler
    return RawArticle(id=f"ab-{i:06d}", url=f"http://bench{i % 7}.example/{i}", source=f"bench{i % 7}.example",
                      title=f"{who} {rng.choice(VERBS)} {whom} in {place.split(',')[0]}", body=body,
                      published_at=utcnow())


def run(rate: float, seconds: float, enrich_workers: int, words: int, settle_s: float) -> dict[str, float]:
    """Produce at ``rate`` articles/s for ``seconds`` and measure alert latency."""
    data = Path(tempfile.mkdtemp(prefix="radar-alert-bench-"))
    kp, ep = free_port(), free_port()
    receiver = Receiver()
    rules = data / "alerts.yaml"
    rules.write_text(RULES.format(url=receiver.url))
    s = Settings(data_dir=data, embedded_kafka_port=kp, embedded_es_port=ep, kafka_bootstrap=f"127.0.0.1:{kp}",
                 es_url=f"http://127.0.0.1:{ep}")
    stack = Stack(s)
    rng = random.Random(11)
    try:
        start_servers(stack)
        env = {**radar_env(s), "RADAR_ALERTS_FILE": str(rules), "RADAR_KAFKA_POLL_TIMEOUT_MS": "200"}
        workers = [("enrich", [sys.executable, "-m", "pipeline.cli", "worker", "enrich"], enrich_workers),
                   ("index", [sys.executable, "-m", "pipeline.cli", "worker", "index"], 1),
                   ("alert", [sys.executable, "-m", "pipeline.alert.worker"], 1)]
        for name, argv, count in workers:
            for k in range(count):
                stack.start(Service(f"bench-{name}-{k}", argv, env=env))
        producer = bus.make_producer(s)
        sent: dict[str, float] = {}
        warm = 0
        deadline = time.time() + 120
        while not receiver.got and time.time() < deadline:  # warm-up: wait until an alert comes through
            a = make_article(900_000 + warm, rng, words)
            bus.send(producer, s.topic_raw, a.id, dump(a), s)
            producer.flush()
            warm += 1
            time.sleep(2)
        receiver.got.clear()
        n = int(rate * seconds)
        start = time.time()
        for i in range(n):
            due = start + i / rate
            if due > time.time():
                time.sleep(due - time.time())
            a = make_article(i, rng, words)
            a.fetched_at = utcnow()
            sent[a.id] = time.time()
            bus.send(producer, s.topic_raw, a.id, dump(a), s)
        producer.flush()
        produce_s = time.time() - start
        time.sleep(settle_s)
        lat = sorted(t - sent[al["trigger_article_id"]] for t, al in receiver.got
                     if al.get("trigger_article_id") in sent)
        return {"articles": n, "produce_s": produce_s, "alerts": len(lat), "warmup_articles": warm,
                "p50": statistics.median(lat) if lat else float("nan"),
                "p95": lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
                "max": lat[-1] if lat else float("nan")}
    finally:
        stack.stop()
        receiver.server.shutdown()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the numbers."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=20.0, help="articles per second")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--enrich-workers", type=int, default=2)
    p.add_argument("--words", type=int, default=60)
    p.add_argument("--settle", type=float, default=20.0, help="seconds to wait for alerts after producing")
    args = p.parse_args(argv)
    r = run(args.rate, args.seconds, args.enrich_workers, args.words, args.settle)
    print(f"steady {args.rate:.0f} articles/s for {args.seconds:.0f}s ({r['articles']} articles of ~{args.words} words, "
          f"produced in {r['produce_s']:.1f}s) · enrich workers {args.enrich_workers} · cores {os.cpu_count()}")
    print(f"alerts received: {r['alerts']} (after {r['warmup_articles']} warm-up article(s))")
    print(f"latency articles.raw → webhook: p50 {r['p50']:.2f}s · p95 {r['p95']:.2f}s · max {r['max']:.2f}s "
          f"(goal p95 < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
