"""A small consume → process → produce → commit loop shared by every worker.

A worker is a plain *handler* function from a batch of Kafka records to a :class:`BatchResult`
(messages to produce, records that failed). Handlers are testable without a broker. The loop:

* commits offsets only after the outputs and dead letters of a batch were acknowledged;
* sends every record a handler rejects, or that crashes it, to the dead-letter topic with the error
  and the original payload, and keeps going;
* retries a batch whose handler raised :class:`RetryableError` (a downstream outage) with backoff,
  without committing, so nothing is lost;
* on SIGTERM/SIGINT finishes the batch in flight, commits and leaves the group.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import CommitFailedError

from pipeline import bus
from pipeline.schemas import DeadLetter, dump
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


class RetryableError(RuntimeError):
    """A downstream outage: the batch is retried later and its offsets are not committed."""


@dataclass(frozen=True)
class Output:
    """A message to produce."""

    topic: str
    key: str | None
    value: bytes


@dataclass
class BatchResult:
    """What a handler made of a batch: messages to produce and records that failed."""

    outputs: list[Output] = field(default_factory=list)
    failures: list[tuple[Any, str]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Handler = Callable[[Sequence[Any]], BatchResult]


def dead_letter(record: Any, stage: str, error: str) -> DeadLetter:
    """Wrap a failed Kafka record (anything with topic/partition/offset/key/value) as a dead letter."""
    value = record.value
    payload = value.decode("utf-8", errors="backslashreplace") if isinstance(value, bytes) else str(value)
    key = record.key.decode("utf-8", errors="replace") if isinstance(record.key, bytes) else record.key
    return DeadLetter(
        stage=stage,
        error=error,
        source_topic=getattr(record, "topic", None),
        partition=getattr(record, "partition", None),
        offset=getattr(record, "offset", None),
        key=key,
        payload=payload,
    )


def run_handler(handler: Handler, records: Sequence[Any], stage: str) -> BatchResult:
    """Run ``handler`` on a batch; if it crashes, retry record by record so only the bad ones fail."""
    try:
        return handler(records)
    except RetryableError:
        raise
    except Exception:
        if len(records) == 1:
            return BatchResult(failures=[(records[0], f"{stage} crashed: {traceback.format_exc(limit=3)}")])
        log.exception("%s: batch handler crashed, isolating the bad records", stage)
    merged = BatchResult()
    for record in records:
        one = run_handler(handler, [record], stage)
        merged.outputs.extend(one.outputs)
        merged.failures.extend(one.failures)
        merged.after_commit.extend(one.after_commit)
    return merged


@dataclass
class WorkerStats:
    """Counters a worker keeps while it runs."""

    records: int = 0
    outputs: int = 0
    failures: int = 0
    batches: int = 0
    retries: int = 0


class StreamWorker:
    """Consume ``topics`` in consumer group ``group``, apply ``handler``, produce, commit."""

    def __init__(
        self,
        name: str,
        group: str,
        topics: list[str],
        handler: Handler,
        settings: Settings | None = None,
    ) -> None:
        self.name = name
        self.group = group
        self.topics = topics
        self.handler = handler
        self.s = settings or get_settings()
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self.consumer: KafkaConsumer | None = None
        self.producer: KafkaProducer | None = None

    def stop(self, *_: Any) -> None:
        """Ask the loop to finish the batch in flight and exit."""
        self._stop.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)

    def _publish(self, result: BatchResult) -> None:
        assert self.producer is not None
        futures = []
        for out in result.outputs:
            try:
                futures.append(bus.send(self.producer, out.topic, out.key, out.value, self.s))
            except bus.MessageTooLarge as exc:
                log.warning("%s: %s", self.name, exc)
                self.stats.failures += 1
        for record, error in result.failures:
            letter = dead_letter(record, self.name, error)
            data = dump(letter)
            if len(data) > self.s.kafka_max_message_bytes:
                letter.payload = letter.payload[: self.s.kafka_max_message_bytes // 2] + "…[truncated]"
                data = dump(letter)
            futures.append(bus.send(self.producer, self.s.topic_dlq, letter.key, data, self.s))
            log.warning("%s: dead-lettered %s[%s]@%s: %s", self.name, letter.source_topic,
                        letter.partition, letter.offset, error.splitlines()[0] if error else "")
        self.producer.flush(timeout=self.s.kafka_request_timeout_ms / 1000)
        for fut in futures:
            fut.get(timeout=self.s.kafka_request_timeout_ms / 1000)

    def _process(self, records: list[Any]) -> bool:
        """Process one batch until it succeeds; False if asked to stop before it did."""
        backoff = self.s.index_retry_backoff_s
        while True:
            try:
                result = run_handler(self.handler, records, self.name)
                self._publish(result)
                break
            except RetryableError as exc:
                self.stats.retries += 1
                log.warning("%s: downstream unavailable (%s); retrying in %.1fs", self.name, exc, backoff)
                if self._stop.wait(backoff):
                    return False
                backoff = min(backoff * 2, self.s.worker_max_backoff_s)
        assert self.consumer is not None
        try:
            self.consumer.commit()
        except CommitFailedError as exc:
            log.warning("%s: commit failed after a rebalance (%s); the new owner re-processes the batch, "
                        "which is harmless: outputs are keyed and indexed by id", self.name, exc)
        for callback in result.after_commit:
            callback()
        self.stats.records += len(records)
        self.stats.outputs += len(result.outputs)
        self.stats.failures += len(result.failures)
        self.stats.batches += 1
        return True

    def run(self, max_records: int | None = None, idle_exit_s: float | None = None) -> WorkerStats:
        """Run until stopped (signal or :meth:`stop`), ``max_records`` processed, or idle too long."""
        self._install_signals()
        idle_exit_s = idle_exit_s if idle_exit_s is not None else self.s.worker_idle_exit_s
        self.consumer = bus.make_consumer(self.group, self.topics, self.s)
        self.producer = bus.make_producer(self.s)
        last_data = time.monotonic()
        log.info("%s: consuming %s as group %s", self.name, self.topics, self.group)
        try:
            while not self._stop.is_set():
                polled = self.consumer.poll(
                    timeout_ms=self.s.kafka_poll_timeout_ms, max_records=self.s.kafka_max_poll_records
                )
                records = [r for part in polled.values() for r in part]
                if not records:
                    if idle_exit_s is not None and time.monotonic() - last_data > idle_exit_s:
                        break
                    continue
                last_data = time.monotonic()
                if not self._process(records):
                    break
                if max_records is not None and self.stats.records >= max_records:
                    break
        finally:
            self.close()
        log.info("%s: stopped after %s", self.name, self.stats)
        return self.stats

    def close(self) -> None:
        """Flush the producer and leave the consumer group."""
        if self.producer is not None:
            self.producer.flush(timeout=self.s.worker_shutdown_grace_s)
            self.producer.close(timeout=self.s.worker_shutdown_grace_s)
            self.producer = None
        if self.consumer is not None:
            self.consumer.close(autocommit=False)
            self.consumer = None
