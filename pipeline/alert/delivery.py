"""At-least-once alert delivery with a durable ledger.

The :class:`Ledger` keeps one document per alert (id = deterministic alert id) in the alerts index
and in the on-disk ``alerts`` archive, with the delivery status per sink. An alert is recorded
(``create``, so an alert decided twice is recorded and queued once) *before* anything is sent, so a
crash never loses it; a restart resumes only the sinks still pending, for the input partitions the
worker owns. Delivery is at least once: a worker killed after a sink accepted an alert but before
the ledger says so sends it again, with the same alert id for the receiver to deduplicate on.

The :class:`Dispatcher` runs one thread per sink: a slow or failing sink delays only itself. Each
delivery is retried with exponential backoff; after ``retries`` attempts it waits
``alert_redeliver_interval_s`` and tries again until ``alert_give_up_after_s``. A sink that fails
``alert_sink_failure_threshold`` attempts in a row raises a ``sink_failure`` alert to every other sink
(through the ledger; at most one per sink per ``alert_sink_failure_realert_s``, whichever worker sees it).
The streak survives a restart: every attempt stores the sink's streak after it in the ledger
(``deliveries.<sink>.streak`` with ``attempted_at``), and a starting worker resumes from the latest
one (:meth:`Ledger.sink_streak`); a sink still failing past the threshold after a restart raises
the alert once more, which the bucket's id keeps to one.

Scheduled senders (the daily digest, the scheduled rule checks) use :func:`deliver_now`: the same
ledger, sent synchronously, so a retried task sends only to the sinks still pending. A sink held by
quiet hours (``not_before`` in the future) is left pending; the next scheduled check sends it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.alert.message import Message, alert_message
from pipeline.alert.rules import alert_id
from pipeline.alert.sinks import Sink, SinkError
from pipeline.index.archive import Archive
from pipeline.index.setup import alias_name
from pipeline.schemas import Alert, utcnow
from pipeline.settings import Settings
from pipeline.stream import RetryableError

log = logging.getLogger(__name__)

DONE = {"delivered", "failed"}
DEFERRED = "deferred until "


def streak_after(deliveries: list[dict[str, Any]]) -> int:
    """A sink's failures in a row after the latest of its delivery records that carries a streak (a
    scheduled sender's failure carries none) or delivered; 0 without any, or when it delivered."""
    tried = [d for d in deliveries if d.get("attempted_at") and ("streak" in d or d.get("status") == "delivered")]
    if not tried:
        return 0
    latest = max(tried, key=lambda d: d["attempted_at"])
    return 0 if latest.get("status") == "delivered" else int(latest.get("streak") or 0)


def held(doc: dict[str, Any], sink: str, now: datetime) -> datetime | None:
    """When ``doc``'s delivery to ``sink`` is held until a time after ``now`` (quiet hours), that time."""
    nb = doc.get("deliveries", {}).get(sink, {}).get("not_before")
    until = datetime.fromisoformat(nb) if nb else None
    return until if until is not None and until > now else None


def message_of(doc: dict[str, Any]) -> Message:
    """What the sinks send for a ledger document: its stored message (digests), else the alert's."""
    if doc.get("message"):
        return Message(**doc["message"])
    return alert_message(Alert.model_validate(doc["alert"]))


def ledger_document(alert: Alert, sinks: list[str], not_before: dict[str, datetime],
                    partition: int | None = None, message: Message | None = None) -> dict[str, Any]:
    """The ledger document of a freshly decided alert: every sink pending; ``partition`` is the
    input partition it was decided in (the worker owning it resumes its delivery); ``message``, when
    given, is stored and sent instead of the alert's standard message."""
    extra = {"message": message.__dict__} if message is not None else {}
    return {**extra,
        "id": alert.id, "alert_id": alert.id, "rule": alert.rule, "trigger": alert.trigger,
        "incident_id": alert.incident_id, "created_at": alert.created_at.isoformat(), "sent_at": None,
        "headline": alert.headline, "summary": alert.headline + "\n" + alert.reason,
        "event_type": alert.event_type, "country_code": alert.country_code, "fatalities": alert.fatalities,
        "n_sources": alert.n_sources, "partition": partition,
        "geo": {"lat": alert.lat, "lon": alert.lon} if alert.lat is not None and alert.lon is not None else None,
        "sinks": [], "pending_sinks": list(sinks), "failed_sinks": [],
        "status": "pending" if sinks else "delivered",
        "deliveries": {name: {"status": "pending", "attempts": 0, "last_error": None, "delivered_at": None,
                              "not_before": not_before[name].isoformat() if name in not_before else None}
                       for name in sinks},
        "alert": alert.model_dump(mode="json"),
    }


class Ledger:
    """Durable record of alerts and their per-sink delivery state."""

    def __init__(self, es: Elasticsearch, s: Settings, archive: Archive | None) -> None:
        self.es = es
        self.s = s
        self.alias = alias_name("alerts", s)
        self.archive = archive
        self._lock = threading.Lock()

    def record(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create ledger documents; return those that are new (an id recorded before, by this worker
        or another, answers 409 and is left as it is). Raise RetryableError on an outage."""
        if not docs:
            return []
        ops: list[dict[str, Any]] = []
        for doc in docs:
            ops += [{"create": {"_index": self.alias, "_id": doc["id"]}}, doc]
        try:
            resp = self.es.bulk(operations=ops)
        except (TransportError, ApiError) as exc:
            raise RetryableError(f"alerts ledger write failed: {exc}") from exc
        created, retry = [], []
        for doc, item in zip(docs, resp.get("items", []), strict=True):
            status = int(next(iter(item.values())).get("status", 500))
            if status < 300:
                created.append(doc)
            elif status != 409:
                retry.append(item)
        if retry:
            raise RetryableError(f"alerts ledger write rejected: {retry[0]}")
        if self.archive is not None:
            self.archive.append(created)
        return created

    def mark(self, doc: dict[str, Any], sink: str, status: str, error: str | None = None,
             next_attempt: datetime | None = None, streak: int | None = None) -> None:
        """Record the outcome of one delivery attempt of ``doc`` to ``sink`` (best effort, logged);
        ``streak``: the sink's failures in a row after it (stored to resume after a restart)."""
        with self._lock:
            d = doc["deliveries"].setdefault(sink, {"status": "pending", "attempts": 0})
            d["attempts"] = d.get("attempts", 0) + (0 if status == "pending" else 1)
            d["status"] = status
            d["last_error"] = error
            d["next_attempt"] = next_attempt.isoformat() if next_attempt else None
            if status != "pending":
                d["attempted_at"] = utcnow().isoformat()
            if streak is not None:
                d["streak"] = streak
            if status == "delivered":
                d["delivered_at"] = utcnow().isoformat()
                doc["sent_at"] = doc.get("sent_at") or d["delivered_at"]
            doc["sinks"] = sorted(n for n, v in doc["deliveries"].items() if v["status"] == "delivered")
            doc["failed_sinks"] = sorted(n for n, v in doc["deliveries"].items() if v["status"] == "failed")
            doc["pending_sinks"] = sorted(n for n, v in doc["deliveries"].items() if v["status"] not in DONE)
            doc["status"] = "pending" if doc["pending_sinks"] else ("failed" if doc["failed_sinks"] and not doc["sinks"] else "delivered")
            snapshot = {**doc, "deliveries": {k: dict(v) for k, v in doc["deliveries"].items()}}
            # written under the lock: two sinks finishing together must not store their snapshots
            # out of order (an older one written last would show a delivered sink as pending)
            if self.archive is not None:
                self.archive.append([snapshot])
            try:
                self.es.index(index=self.alias, id=snapshot["id"], document=snapshot)
            except (TransportError, ApiError) as exc:
                log.warning("alerts ledger: could not store delivery status of %s: %s (archived)", snapshot["id"], exc)

    def fetch(self, ids: list[str]) -> list[dict[str, Any]]:
        """The stored ledger documents of ``ids`` (real-time get: no refresh needed)."""
        if not ids:
            return []
        try:
            resp = self.es.mget(index=self.alias, ids=ids)
        except (TransportError, ApiError) as exc:
            raise RetryableError(f"alerts ledger read failed: {exc}") from exc
        return [d["_source"] for d in resp["docs"] if d.get("found")]

    def pending(self, partition: int | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
        """Alerts with sinks still to deliver (to resume after a restart), of one input partition."""
        query: dict[str, Any] = {"exists": {"field": "pending_sinks"}}
        if partition is not None:
            query = {"bool": {"filter": [query, {"term": {"partition": partition}}]}}
        self.es.indices.refresh(index=self.alias)
        resp = self.es.search(index=self.alias, query=query, size=limit, sort=[{"created_at": "asc"}])
        return [h["_source"] for h in resp["hits"]["hits"] if h["_source"].get("pending_sinks")]

    def pending_unowned(self, rules: list[str], since: datetime) -> list[dict[str, Any]]:
        """Pending alerts of ``rules`` created since ``since`` that no input partition owns (those of
        scheduled checks: held by quiet hours or left by a failed sink)."""
        query = {"bool": {"filter": [{"exists": {"field": "pending_sinks"}}, {"terms": {"rule": rules}},
                                     {"range": {"created_at": {"gte": since.isoformat()}}}],
                          "must_not": [{"exists": {"field": "partition"}}]}}
        try:
            self.es.indices.refresh(index=self.alias)
            resp = self.es.search(index=self.alias, query=query, size=self.s.alert_check_max_resume,
                                  sort=[{"created_at": "asc"}])
        except (TransportError, ApiError) as exc:
            raise RetryableError(f"alerts ledger lookup failed: {exc}") from exc
        return [h["_source"] for h in resp["hits"]["hits"]]

    def sink_streak(self, sink: str) -> int:
        """The failures in a row of ``sink`` after its latest attempt recorded among the newest
        ``alert_sink_streak_scan_docs`` alerts to it (0 when the ledger cannot be read: logged)."""
        query = {"bool": {"should": [{"term": {f: sink}} for f in ("sinks", "pending_sinks", "failed_sinks")],
                          "minimum_should_match": 1}}
        try:
            self.es.indices.refresh(index=self.alias)
            resp = self.es.search(index=self.alias, query=query, size=self.s.alert_sink_streak_scan_docs,
                                  sort=[{"created_at": "desc"}])
        except (TransportError, ApiError) as exc:
            log.warning("sink %s: failure streak not restored from the ledger: %s", sink, exc)
            return 0
        return streak_after([h["_source"].get("deliveries", {}).get(sink, {}) for h in resp["hits"]["hits"]])

    def recent(self, since_iso: str, size: int = 100) -> list[dict[str, Any]]:
        """Alerts created since ``since_iso``, newest first."""
        resp = self.es.search(index=self.alias, query={"range": {"created_at": {"gte": since_iso}}}, size=size,
                              sort=[{"created_at": "desc"}])
        return [h["_source"] for h in resp["hits"]["hits"]]


class _SinkThread:
    """One sink's delivery queue and thread."""

    def __init__(self, sink: Sink, ledger: Ledger, s: Settings, on_failing: Any = None) -> None:
        self.sink = sink
        self.ledger = ledger
        self.s = s
        self.on_failing = on_failing
        self.failures_in_row = 0
        self.reported = False
        self.heap: list[tuple[float, int, dict[str, Any]]] = []
        self.cv = threading.Condition()
        self.busy = False
        self.stopping = False
        self.seq = itertools.count()
        self.thread = threading.Thread(target=self._loop, name=f"sink-{sink.name}", daemon=True)

    def put(self, doc: dict[str, Any], due: float) -> None:
        with self.cv:
            heapq.heappush(self.heap, (due, next(self.seq), doc))
            self.cv.notify()

    def due_work(self, horizon: float) -> bool:
        """True while a delivery is in flight or one is due before ``horizon`` (epoch seconds)."""
        with self.cv:
            return self.busy or any(due <= horizon for due, _, _ in self.heap)

    def _loop(self) -> None:
        attempts: dict[str, int] = {}
        while True:
            with self.cv:
                while not self.stopping and (not self.heap or self.heap[0][0] > time.time()):
                    self.cv.wait(timeout=(self.heap[0][0] - time.time()) if self.heap else None)
                if self.stopping:
                    return
                _, _, doc = heapq.heappop(self.heap)
                self.busy = True
            try:
                self._attempt(doc, attempts)
            finally:
                with self.cv:
                    self.busy = False
                    self.cv.notify_all()

    def _attempt(self, doc: dict[str, Any], attempts: dict[str, int]) -> None:
        name, alert_id = self.sink.name, doc["id"]
        try:
            self.sink.send(message_of(doc))
        except Exception as exc:  # noqa: BLE001 - any sink failure is retried, never propagated
            n = attempts.get(alert_id, 0) + 1
            attempts[alert_id] = n
            error = str(exc) if isinstance(exc, SinkError) else f"{type(exc).__name__}: {exc}"
            self._failed(error)
            created = datetime.fromisoformat(doc["created_at"])
            age = (utcnow() - created).total_seconds()
            if age > self.s.alert_give_up_after_s:
                log.error("alert %s: giving up on sink %s after %d attempts: %s", alert_id, name, n, error)
                attempts.pop(alert_id, None)
                self.ledger.mark(doc, name, "failed", error, streak=self.failures_in_row)
                return
            if n % self.sink.retries == 0:
                delay = self.s.alert_redeliver_interval_s
            else:
                delay = min(self.sink.backoff_s * 2 ** ((n % self.sink.retries) - 1), self.sink.max_backoff_s)
            log.warning("alert %s: sink %s failed (attempt %d): %s; next try in %.1fs", alert_id, name, n, error, delay)
            self.ledger.mark(doc, name, "retrying", error,
                             datetime.fromtimestamp(time.time() + delay, timezone.utc), self.failures_in_row)
            self.put(doc, time.time() + delay)
            return
        attempts.pop(alert_id, None)
        self.failures_in_row, self.reported = 0, False
        self.ledger.mark(doc, name, "delivered", streak=0)
        log.info("alert %s delivered to %s", alert_id, name)

    def _failed(self, error: str) -> None:
        """Count a failed attempt; at the threshold (once per streak, and once more after a restart
        that resumed a streak already past it) raise the sink_failure alert."""
        self.failures_in_row += 1
        if self.failures_in_row >= self.s.alert_sink_failure_threshold and not self.reported:
            self.reported = True
            if self.on_failing is not None:
                self.on_failing(self.sink.name, self.failures_in_row, error)


class Dispatcher:
    """Fans alerts out to their sinks, one thread per sink."""

    def __init__(self, sinks: dict[str, Sink], ledger: Ledger, s: Settings) -> None:
        self.sinks = sinks
        self.ledger = ledger
        self.s = s
        self.threads = {name: _SinkThread(sink, ledger, s, self.sink_failing) for name, sink in sinks.items()}
        self._queued: dict[tuple[str, str], int | None] = {}
        self._started = False

    def start(self) -> None:
        """Resume each sink's failure streak from the ledger and start the sink threads."""
        if not self._started:
            for name, t in self.threads.items():
                t.failures_in_row = self.ledger.sink_streak(name)
                if t.failures_in_row:
                    log.info("sink %s: %d failed deliveries in a row before this start", name, t.failures_in_row)
                t.thread.start()
            self._started = True

    def submit(self, doc: dict[str, Any]) -> None:
        """Queue every pending sink of a ledger document (once per alert and sink)."""
        for name in doc.get("pending_sinks", []):
            if (doc["id"], name) in self._queued:
                continue
            thread = self.threads.get(name)
            if thread is None:
                self.ledger.mark(doc, name, "failed", f"sink {name!r} is not configured (or disabled)")
                continue
            self._queued[(doc["id"], name)] = doc.get("partition")
            nb = doc["deliveries"].get(name, {}).get("not_before")
            thread.put(doc, datetime.fromisoformat(nb).timestamp() if nb else time.time())

    def sink_failing(self, name: str, failures: int, error: str) -> None:
        """Raise a ``sink_failure`` alert about sink ``name`` to every other sink (called from its
        thread; a ledger outage only logs)."""
        others = [n for n in self.threads if n != name]
        alert = sink_failure_alert(name, failures, error, utcnow(), self.s)
        try:
            docs = self.ledger.record([ledger_document(alert, others, {})])
        except RetryableError as exc:
            log.error("sink %s keeps failing; the sink_failure alert could not be recorded: %s", name, exc)
            return
        for doc in docs:
            self.submit(doc)

    def cancel(self, partitions: list[int]) -> None:
        """Drop queued deliveries of alerts decided in ``partitions`` (now another worker's)."""
        for t in self.threads.values():
            with t.cv:
                t.heap = [e for e in t.heap if e[2].get("partition") not in partitions]
                heapq.heapify(t.heap)
        self._queued = {q: p for q, p in self._queued.items() if p not in partitions}

    def resume(self, partition: int | None = None) -> int:
        """Queue the undelivered alerts of ``partition`` found in the ledger (after a restart or a
        rebalance); return how many."""
        try:
            docs = self.ledger.pending(partition)
        except (TransportError, ApiError) as exc:
            raise RetryableError(f"alerts ledger lookup failed: {exc}") from exc
        for doc in docs:
            self.submit(doc)
        if docs:
            log.info("resuming delivery of %d alert(s) from the ledger", len(docs))
        return len(docs)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no delivery is in flight or due within ``timeout_s`` (short retries included);
        True when that happened in time."""
        deadline = time.monotonic() + timeout_s
        horizon = time.time() + timeout_s
        while time.monotonic() < deadline:
            if not any(t.due_work(horizon) for t in self.threads.values()):
                return True
            time.sleep(0.05)
        return False

    def stop(self, drain_s: float | None = None) -> None:
        """Deliver what is due (up to ``drain_s``), stop the threads, close the sinks."""
        if self._started:
            self.wait_idle(self.s.alert_drain_timeout_s if drain_s is None else drain_s)
        for t in self.threads.values():
            with t.cv:
                t.stopping = True
                t.cv.notify_all()
        for t in self.threads.values():
            if t.thread.is_alive():
                t.thread.join(timeout=self.s.worker_shutdown_grace_s)
        for sink in self.sinks.values():
            sink.close()


def sink_failure_alert(sink: str, failures: int, error: str, now: datetime, s: Settings) -> Alert:
    """The alert that sink ``sink`` failed ``failures`` attempts in a row; its id is the same for
    every worker within one ``alert_sink_failure_realert_s`` bucket, so the ledger keeps one."""
    bucket = int(now.timestamp() // s.alert_sink_failure_realert_s)
    headline = f"[sink-health] Sink {sink} failing: {failures} failed deliveries in a row"
    return Alert(id=alert_id("sink-health", f"sink:{sink}", f"sink_failure:{bucket}"), rule="sink-health",
                 trigger="sink_failure", trigger_key=f"sink_failure:{bucket}", incident_id=f"sink:{sink}",
                 created_at=now, headline=headline, key=sink, count=failures,
                 reason=f"sink {sink} failed {failures} delivery attempts in a row; last error: {error[:500]}",
                 text=f"{headline}\nLast error: {error[:500]}\nAlerts to {sink} stay pending in the ledger and are "
                      f"retried until RADAR_ALERT_GIVE_UP_AFTER_S.")


def deliver_now(ledger: Ledger, sinks: dict[str, Sink], docs: list[dict[str, Any]],
                resume: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Record ``docs`` in the ledger (``create``) and send each stored document (and those of the
    already recorded ids ``resume``) to its sinks still pending, now, once each; return ``{id: {sink:
    "delivered" | "deferred until <time>" | error}}``: a sink held by quiet hours stays pending. A
    retried caller (the same deterministic ids) sends only what is still pending, the message stored
    the first time."""
    ledger.record(docs)
    outcome: dict[str, dict[str, str]] = {}
    now = utcnow()
    for doc in ledger.fetch(list(dict.fromkeys([d["id"] for d in docs] + (resume or [])))):
        result = outcome.setdefault(doc["id"], {})
        for name in list(doc.get("pending_sinks") or []):
            until = held(doc, name, now)
            if until is not None:
                result[name] = DEFERRED + until.isoformat()
                continue
            sink = sinks.get(name)
            if sink is None:
                ledger.mark(doc, name, "failed", f"sink {name!r} is not configured (or disabled)")
                result[name] = "not configured"
                continue
            try:
                sink.send(message_of(doc))
            except SinkError as exc:
                ledger.mark(doc, name, "retrying", str(exc))
                result[name] = str(exc)
                continue
            ledger.mark(doc, name, "delivered")
            result[name] = "delivered"
    return outcome
