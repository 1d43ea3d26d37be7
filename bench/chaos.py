"""Reliability command: faults thrown at the embedded stack on loopback, and what survived them.

    .venv/bin/python bench/chaos.py --quick     # one round of every fault, a few minutes' worth
    .venv/bin/python bench/chaos.py             # 20 worker kill cycles, 3 stack kills, 60 s outages

Starts ``radar up --no-airflow`` (the real launcher and its supervisor) in a temporary data
directory on free ports, serves generated articles (``bench/pipeline_bench.make_articles``) as
feeds and article pages on loopback, ingests them as the Airflow DAG would (re-polling on a
schedule), and delivers alerts to a local webhook receiver that deduplicates on the
``Idempotency-Key`` header. Scenarios: ``kill -9`` cycles of each worker kind, whole-stack
``kill -9`` and restart, search-server and broker pauses (SIGSTOP/SIGCONT) and ``kill -9``
restarts, hostile feeds and pages, malformed Kafka messages.

One line per scenario: articles sent, searchable, lost, duplicated, dead-lettered; alerts expected
(recorded in the delivery ledger), delivered (distinct keys received), duplicated (two accepted
"new incident" alerts of one rule sharing an article: a duplicate the key cannot catch),
redelivered (same key again: dropped by the receiver, the cost of at-least-once); seconds to
recover (from the end of the fault until the scenario's articles were all searchable). The last
line sums up after a final drain. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline_bench import make_articles  # noqa: E402

from pipeline import bus  # noqa: E402
from pipeline.demo import FeedServer, write_site  # noqa: E402
from pipeline.fetch.ledger import fetch_ledger_path  # noqa: E402
from pipeline.index.archive import Archive  # noqa: E402
from pipeline.index.client import make_client  # noqa: E402
from pipeline.ingest.feeds import load_feeds  # noqa: E402
from pipeline.ingest.normalize import article_id, canonical_url  # noqa: E402
from pipeline.ingest.poll import poll_feeds  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stack import free_port, port_open, read_stack_state  # noqa: E402
from pipeline.schemas import DeadLetter, SchemaError, load  # noqa: E402

WORKER_KINDS = ("fetch", "enrich", "index", "alert")
MALFORMED: list[bytes | None] = [
    b"not json at all", b"\xff\xfe\x00binary\x80", b"[1, 2, 3]", b"{}", b'{"id": 5, "title": []}',
    b'{"schema_version": 999, "id": "x", "title": "t"}', b'{"id": "", "title": "", "body": ""}', None,
    b'{"id": "' + b"x" * 500 + b'", "title": "t"}', b"{" * 10_000, b'"just a string"',
]
HOSTILE_PATHS = ["/article", "/amp", "/paywall", "/missing", "/broken", "/busy", "/trickle", "/slow-headers",
                 "/huge", "/bomb", "/report.pdf", "/hop", "/alias", "/story/1"]
HOSTILE_FEEDS = {
    "hostile-encoding": b'<?xml version="1.0" encoding="x-unknown"?><rss version="2.0"><channel><title>t</title>'
                        b"<item><title>a</title><link>http://127.0.0.1/a</link></item></channel></rss>",
    "hostile-links": b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                     b"<item><title>f</title><link>file:///etc/passwd</link><description>x</description></item>"
                     b"<item><title>j</title><link>javascript:alert(1)</link><description>x</description></item>"
                     b"</channel></rss>",
    "hostile-truncated": b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut',
}


@dataclass
class Mode:
    """How hard to push: articles per round, kill cycles per worker kind, stack kills, outage length."""

    articles: int
    cycles_per_kind: int
    stack_kills: int
    outage_s: float
    words: int = 80
    scenario_timeout_s: float = 600.0


QUIET_S = 15.0
QUICK = Mode(articles=10, cycles_per_kind=1, stack_kills=1, outage_s=15.0, scenario_timeout_s=300.0)
FULL = Mode(articles=20, cycles_per_kind=5, stack_kills=3, outage_s=60.0)


class Receiver:
    """A webhook receiver on loopback that accepts each ``Idempotency-Key`` once (later copies are
    answered 200 and dropped)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: dict[str, dict[str, Any]] = {}
        self.redelivered: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get("Idempotency-Key", "")
                with outer.lock:
                    if key in outer.accepted:
                        outer.redelivered[key] += 1
                    else:
                        outer.accepted[key] = json.loads(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def logical_duplicates(self) -> int:
        """Accepted "new incident" alerts of a rule that announce an article an earlier one announced."""
        seen: set[tuple[str, str]] = set()
        dups = 0
        with self.lock:
            alerts = sorted(self.accepted.values(), key=lambda a: a.get("created_at") or "")
        for alert in alerts:
            if alert.get("trigger") != "new":
                continue
            keys = {(alert.get("rule", ""), link) for link in alert.get("links", [])}
            dups += bool(keys & seen)
            seen |= keys
        return dups


@dataclass
class Tally:
    """One scenario's numbers."""

    name: str
    ids: set[str] = field(default_factory=set)
    round_ids: set[str] = field(default_factory=set)
    letter_keys: set[str] = field(default_factory=set)
    searchable: int = 0
    duplicated: int = 0
    dead_letters: int = 0
    expected_letters: int = 0
    alerts: set[str] = field(default_factory=set)
    delivered: int = 0
    redelivered: int = 0
    recover_s: float = 0.0

    def line(self, alerts_duplicated: int) -> str:
        letters = f"{self.dead_letters}" + (f"/{self.expected_letters}" if self.expected_letters else "")
        return (f"{self.name}: sent={len(self.ids)} searchable={self.searchable} lost={len(self.ids) - self.searchable} "
                f"duplicated={self.duplicated} dead_lettered={letters} alerts expected={len(self.alerts)} "
                f"delivered={self.delivered} duplicated={alerts_duplicated} redelivered={self.redelivered} "
                f"recover_s={self.recover_s:.1f}")


class Chaos:
    """The stack under test, its feeds, and the counters."""

    def __init__(self, mode: Mode, seed: int, keep: bool) -> None:
        self.mode = mode
        self.rng = random.Random(seed)
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="radar-chaos-"))
        self.www = self.root / "www"
        self.www.mkdir()
        self.site = FeedServer(self.www)
        self.site.serve()
        self.receiver = Receiver()
        kp, ep, wp = free_port(), free_port(), free_port()
        self.feeds_file = self.root / "feeds.yaml"
        self.feeds: list[dict[str, str]] = []
        alerts_file = self.root / "alerts.yaml"
        alerts_file.write_text(yaml.safe_dump({
            "defaults": {"sinks": ["chaos"]},
            "sinks": {"chaos": {"type": "webhook", "url": self.receiver.url}},
            "rules": [{"name": "chaos-any", "description": "every incident", "triggers": {"new": True}}],
        }), encoding="utf-8")
        self.env = {
            "RADAR_DATA_DIR": str(self.root / "data"), "RADAR_FEEDS_FILE": str(self.feeds_file),
            "RADAR_ALERTS_FILE": str(alerts_file), "RADAR_KAFKA_BOOTSTRAP": f"127.0.0.1:{kp}",
            "RADAR_ES_URL": f"http://127.0.0.1:{ep}", "RADAR_EMBEDDED_KAFKA_PORT": str(kp),
            "RADAR_EMBEDDED_ES_PORT": str(ep), "RADAR_WEB_PORT": str(wp),
            "RADAR_FETCH_ALLOW_PRIVATE_NETWORKS": "true", "RADAR_FETCH_PER_HOST_DELAY_S": "0",
            "RADAR_INGEST_SCHEDULE_MINUTES": "1440", "RADAR_SUPERVISE_BACKOFF_S": "0.5",
            "RADAR_WORKER_SHUTDOWN_GRACE_S": "5", "RADAR_ALERT_REDELIVER_INTERVAL_S": "10",
            "RADAR_ALERT_SINK_BACKOFF_S": "0.5", "RADAR_FETCH_DEADLINE_S": "10",
        }
        self.s = Settings(**{k[len("RADAR_"):].lower(): v for k, v in self.env.items()})
        self.write_feeds()
        self.up: subprocess.Popen | None = None
        self.tallies: list[Tally] = []
        self.attributed: set[str] = set()
        self.hostile_site: Any = None
        self._ingest: threading.Thread | None = None

    # --- the stack -------------------------------------------------------------------------
    def start_stack(self) -> None:
        """Start ``radar up --no-airflow`` and wait until every process it supervises runs."""
        log = (self.root / "radar-up.log").open("ab")
        self.up = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "up", "--no-airflow"], cwd=ROOT,
                                   env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.wait_healthy()

    def wait_healthy(self, timeout_s: float = 600.0) -> None:
        """Until the launcher's state file lists every process (4 workers, web, servers) running."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = read_stack_state(self.s)
            if (state and self.up is not None and state["launcher_pid"] == self.up.pid
                    and len(state["services"]) >= self.expected_processes
                    and all(svc["state"] == "running" for svc in state["services"])):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not come up within {timeout_s}s: see {self.root / 'radar-up.log'}")

    @property
    def expected_processes(self) -> int:
        """Broker, search server, one worker of each kind and the web page."""
        return 2 + len(WORKER_KINDS) + 1

    def pids(self, prefix: str) -> list[int]:
        """Pids of the running processes whose name starts with ``prefix`` (kafka, search, worker-enrich)."""
        state = read_stack_state(self.s) or {"services": []}
        return [svc["pid"] for svc in state["services"] if svc["name"].startswith(prefix) and svc["state"] == "running"]

    def kill_stack(self) -> None:
        """``kill -9`` the launcher and every process it started."""
        state = read_stack_state(self.s) or {"services": []}
        if self.up is not None:
            self.up.kill()
            self.up.wait()
        for svc in state["services"]:
            if svc["pid"]:
                try:
                    os.killpg(svc["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 30
        while any(port_open(p) for p in (self.s.embedded_kafka_port, self.s.embedded_es_port, self.s.web_port)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the stack gently and the loopback servers; remove the data unless ``keep``."""
        if self.up is not None and self.up.poll() is None:
            self.up.send_signal(signal.SIGTERM)
            try:
                self.up.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill_stack()
        self.site.stop()
        if self.hostile_site is not None:
            self.hostile_site.stop()
        self.receiver.httpd.shutdown()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- feeds and ingestion ---------------------------------------------------------------
    def write_feeds(self) -> None:
        self.feeds_file.write_text(yaml.safe_dump({"defaults": {"poll_minutes": 1}, "feeds": self.feeds}),
                                   encoding="utf-8")

    def publish(self, tag: str) -> set[str]:
        """Serve a round of generated articles as feed ``tag``; return the ids ingestion will give them."""
        n = self.mode.articles
        articles = make_articles(n, self.mode.words, seed=self.rng.randrange(1 << 30))
        self.feeds.append({"name": tag, "url": write_site(self.www, self.site.base_url, tag, articles)})
        self.write_feeds()
        return {article_id(canonical_url(f"{self.site.base_url}/{tag}/{i}.html")) for i in range(n)}

    def ingest(self) -> None:
        """Poll every feed in the background (as the scheduler does), unless a poll is still running."""
        if self._ingest is not None and self._ingest.is_alive():
            return
        self._ingest = threading.Thread(target=lambda: poll_feeds(load_feeds(self.feeds_file, self.s), self.s),
                                        daemon=True)
        self._ingest.start()

    # --- counting --------------------------------------------------------------------------
    def searchable(self, ids: set[str]) -> tuple[int, int]:
        """(ids searchable, duplicate documents: more documents than distinct URLs) for ``ids``."""
        es = make_client(self.s)
        try:
            es.indices.refresh(index=self.s.articles_alias)
            hits = es.search(index=self.s.articles_alias, size=10_000, source=["url"],
                             query={"ids": {"values": sorted(ids)}})["hits"]["hits"]
            urls = [h["_source"].get("url") for h in hits]
            same_url = es.count(index=self.s.articles_alias, query={"terms": {"url": sorted(set(urls))}})["count"]
            return len({h["_id"] for h in hits}), same_url - len(set(urls))
        except Exception:  # noqa: BLE001 - the search server may be down right now
            return -1, 0
        finally:
            es.close()

    def ledger_ids(self) -> set[str]:
        """Alert ids the delivery ledger recorded (on-disk archive: survives every fault here)."""
        return {i for i, doc in Archive("alerts", self.s).latest().items() if "chaos" in (doc.get("deliveries") or {})}

    def dead_letters(self, keys: set[str]) -> int:
        """Dead letters (any stage) whose key is one of ``keys``, read from the DLQ's beginning."""
        consumer = bus.make_consumer(f"chaos-dlq-{self.rng.randrange(1 << 30)}", [self.s.topic_dlq], self.s)
        found: set[tuple[str, str]] = set()
        quiet_since = time.monotonic()
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() - quiet_since < 8 and time.monotonic() < deadline:
                polled = consumer.poll(timeout_ms=500)
                if not consumer.assignment():  # still joining the group: nothing read yet
                    quiet_since = time.monotonic()
                for rec in (r for part in polled.values() for r in part):
                    quiet_since = time.monotonic()
                    try:
                        letter = load(DeadLetter, rec.value)
                    except SchemaError:
                        continue
                    if letter.key in keys:
                        found.add((letter.stage, letter.key))
        finally:
            consumer.close()
        return len(found)

    # --- running a scenario ----------------------------------------------------------------
    def settle(self, tally: Tally, fault_over: float) -> None:
        """Re-ingest on a schedule until the round's articles are searchable (bounded), then wait for
        the alerts the ledger recorded to reach the receiver; add the round's numbers to ``tally``."""
        deadline = time.monotonic() + self.mode.scenario_timeout_s
        next_poll = 0.0
        found, dups = -1, 0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_poll:
                self.ingest()
                next_poll = time.monotonic() + 10
            found, dups = self.searchable(tally.round_ids)
            if found == len(tally.round_ids):
                break
            time.sleep(1)
        searchable_at = time.monotonic()
        tally.searchable += max(found, 0)
        tally.duplicated += dups
        last_change = self.settle_alerts()
        tally.recover_s = max(tally.recover_s, max(searchable_at, last_change) - fault_over)
        new = self.ledger_ids() - self.attributed
        self.attributed |= new
        tally.alerts |= new

    def alert_progress(self) -> tuple[int, int, int]:
        """Bytes in the links and alerts archives, and alerts accepted: changes while the alert stage works."""
        size = sum(f.stat().st_size for kind in ("links", "alerts") for f in Archive(kind, self.s).files())
        return size, len(self.receiver.accepted), len(self.pids(""))

    def settle_alerts(self) -> float:
        """Wait until the alert stage is quiet (no new link, ledger entry or delivery for ``QUIET_S``,
        every process running) and every ledger alert was accepted, or a bounded time; return when
        the last change was seen."""
        deadline = time.monotonic() + self.mode.scenario_timeout_s
        progress, last_change = self.alert_progress(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(1)
            now = self.alert_progress()
            if now != progress:
                progress, last_change = now, time.monotonic()
            elif (time.monotonic() - last_change >= QUIET_S and now[2] == self.expected_processes
                  and not self.ledger_ids() - set(self.receiver.accepted)):
                break
        return last_change

    def drain_alerts(self, deadline: float) -> None:
        """Wait until every alert of the ledger was accepted by the receiver, or the deadline."""
        while time.monotonic() < deadline and self.ledger_ids() - set(self.receiver.accepted):
            time.sleep(1)

    def scenario(self, name: str, fault: Callable[[Tally], None], rounds: int = 1) -> Tally:
        """``rounds`` times: publish a round of articles, ingest it, apply ``fault`` (it returns when the
        fault is over), settle and wait until every process runs again. Print the summed line."""
        tally = Tally(name)
        dups_before = self.receiver.logical_duplicates()
        redelivered_before = sum(self.receiver.redelivered.values())
        for _ in range(rounds):
            tally.round_ids = self.publish(f"r{self.rng.randrange(1 << 30)}")
            self.ingest()
            fault(tally)
            tally.ids |= tally.round_ids
            self.settle(tally, time.monotonic())
            self.wait_healthy()
        if tally.letter_keys:
            tally.dead_letters = self.dead_letters(tally.letter_keys)
        tally.delivered = len(tally.alerts & set(self.receiver.accepted))
        tally.redelivered = sum(self.receiver.redelivered.values()) - redelivered_before
        self.tallies.append(tally)
        print(tally.line(self.receiver.logical_duplicates() - dups_before), flush=True)
        return tally

    def kill_worker(self, kind: str) -> Callable[[Tally], None]:
        """A random moment into the round, ``kill -9`` one ``kind`` worker."""
        def fault(t: Tally) -> None:
            time.sleep(self.rng.uniform(0.5, 4.0))
            pids = self.pids(f"worker-{kind}")
            if pids:
                os.kill(self.rng.choice(pids), signal.SIGKILL)
        return fault

    def kill_stack_fault(self, t: Tally) -> None:
        """A random moment into the round, ``kill -9`` the launcher and all its processes; start it again."""
        time.sleep(self.rng.uniform(1.0, 4.0))
        self.kill_stack()
        self.start_stack()

    def pause(self, server: str) -> Callable[[Tally], None]:
        """SIGSTOP ``server`` for the mode's outage, then SIGCONT."""
        def fault(t: Tally) -> None:
            time.sleep(1.0)
            pids = self.pids(server)
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            time.sleep(self.mode.outage_s)
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        return fault

    def restart(self, server: str) -> Callable[[Tally], None]:
        """``kill -9`` ``server``; the supervisor restarts it and replays."""
        def fault(t: Tally) -> None:
            time.sleep(self.rng.uniform(1.0, 4.0))
            for pid in self.pids(server):
                os.kill(pid, signal.SIGKILL)
        return fault

    def hostile(self, t: Tally) -> None:
        """Add hostile feeds: the hostile site of tests/fetch/site.py (paywall, 404/500/503, trickling,
        50 MB and gzip-bomb pages, a PDF, redirects, two URLs of one story) and broken feeds (unknown
        encoding, non-web links, truncated XML, a trickling feed). The site's entries count as sent,
        except those the fetch stage merges by design (same canonical URL)."""
        from tests.fetch.site import Site

        site = Site()
        self.hostile_site = site
        site.feed_paths = HOSTILE_PATHS
        self.feeds.append({"name": "hostile-site", "url": f"{site.base}/feed.xml"})
        for name, body in HOSTILE_FEEDS.items():
            (self.www / f"{name}.xml").write_bytes(body)
            self.feeds.append({"name": name, "url": f"{self.site.base_url}/{name}.xml"})
        self.feeds.append({"name": "hostile-trickle", "url": f"{site.base}/trickle"})
        self.write_feeds()
        deadline = time.monotonic() + 120
        sent: set[str] = set()
        while time.monotonic() < deadline and not sent:
            self.ingest()
            time.sleep(2)
            sent = {i for i, d in Archive("raw", self.s).latest().items() if d.get("feed") == "hostile-site"}
        time.sleep(30)  # the fetch stage's deadlines for the slow pages
        t.round_ids |= sent - self.merged()

    def merged(self) -> set[str]:
        """Entries the fetch stage merged into an earlier entry with the same canonical URL (by design)."""
        with sqlite3.connect(fetch_ledger_path(self.s)) as db:
            return {r[0] for r in db.execute("SELECT entry_id FROM entries WHERE status = 'duplicate'")}

    def malformed(self, t: Tally) -> None:
        """Produce every malformed message to each input topic (bypassing the size check)."""
        producer = bus.make_producer(self.s)
        readers = {self.s.topic_entries: 1, self.s.topic_raw: 1, self.s.topic_enriched: 2}  # index + alert
        try:
            for topic, n in readers.items():
                for i, value in enumerate(MALFORMED):
                    key = f"chaos-bad-{topic}-{i}"
                    t.letter_keys.add(key)
                    t.expected_letters += n
                    producer.send(topic, key=key.encode(), value=value)
            producer.flush()
        finally:
            producer.close()

    def final(self) -> str:
        """Recount everything after a final drain; the summary line."""
        every = set().union(*(t.ids for t in self.tallies))
        deadline = time.monotonic() + self.mode.scenario_timeout_s
        found, dups = self.searchable(every)
        while found != len(every) and time.monotonic() < deadline:
            self.ingest()
            time.sleep(5)
            found, dups = self.searchable(every)
        self.drain_alerts(deadline=time.monotonic() + 120)
        expected = self.ledger_ids()
        lost_alerts = len(expected - set(self.receiver.accepted))
        return (f"chaos: lost={len(every) - max(found, 0)} duplicated={dups} "
                f"alerts_duplicated={self.receiver.logical_duplicates()} alerts_lost={lost_alerts}")


def main(argv: list[str] | None = None) -> int:
    """Run every scenario once (``--quick``) or the full set; print one line each and the summary."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="one round of each fault, 15 s outages")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory and logs")
    args = p.parse_args(argv)
    mode = QUICK if args.quick else FULL
    chaos = Chaos(mode, args.seed, args.keep)
    started = time.time()
    print(f"chaos {'quick' if args.quick else 'full'}: data in {chaos.root}; cores: {os.cpu_count()}", flush=True)
    try:
        chaos.start_stack()
        print(f"stack up in {time.time() - started:.1f}s", flush=True)
        chaos.scenario("baseline (no fault)", lambda t: None)
        for kind in WORKER_KINDS:
            chaos.scenario(f"kill -9 {kind} worker x{mode.cycles_per_kind}", chaos.kill_worker(kind),
                           mode.cycles_per_kind)
        chaos.scenario(f"whole-stack kill -9 + restart x{mode.stack_kills}", chaos.kill_stack_fault, mode.stack_kills)
        for server in ("search", "kafka"):
            chaos.scenario(f"{server} paused {mode.outage_s:.0f}s", chaos.pause(server))
            chaos.scenario(f"{server} kill -9 + restart", chaos.restart(server))
        chaos.scenario("hostile feeds and pages", chaos.hostile)
        chaos.scenario("malformed kafka messages", chaos.malformed)
        print(f"total {time.time() - started:.0f}s", flush=True)
        print(chaos.final(), flush=True)
    finally:
        chaos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
