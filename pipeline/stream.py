"""A small consume → process → produce → commit loop shared by every worker.

A worker is a plain *handler* function from a batch of Kafka records to a :class:`BatchResult`
(messages to produce, records that failed). Handlers are testable without a broker. The loop:

* commits the batch's offsets only after its outputs and dead letters were acknowledged;
* sends every record a handler rejects, or that crashes it, or whose output cannot be produced
  (too large), to the dead-letter topic with the error and the original payload, and keeps going;
* on a downstream outage (:class:`RetryableError`, or Kafka refusing the outputs) backs off the way
  quix-streams does: it seeks each partition of the batch back to the batch's first offset, pauses
  the assigned partitions and *keeps polling* (so the consumer stays in its group however long the
  outage lasts: ``max.poll.interval.ms`` never runs out), then resumes after an exponential backoff
  and reads the same records again. Nothing is committed in between, nothing is processed twice by
  a second group member;
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

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from pipeline import bus
from pipeline.schemas import DeadLetter, dump
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


class RetryableError(RuntimeError):
    """A downstream outage: the batch is read again later and its offsets are not committed."""


@dataclass(frozen=True)
class Output:
    """A message to produce (to ``partition``, else by key); ``record`` is the input it came from
    (dead-lettered if the output cannot be sent)."""

    topic: str
    key: str | None
    value: bytes
    record: Any = field(default=None, compare=False)
    partition: int | None = None


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


@dataclass(frozen=True)
class _Unsent:
    """Stands in for the input of an output that has no source record (dead-lettered as the output)."""

    topic: str
    key: str | None
    value: bytes
    partition: int | None = None
    offset: int | None = None


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


def first_offsets(records: Sequence[Any]) -> dict[TopicPartition, int]:
    """The lowest offset of each partition in a batch (where to seek back to)."""
    out: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        out[tp] = min(out.get(tp, r.offset), r.offset)
    return out


def next_offsets(records: Sequence[Any]) -> dict[TopicPartition, OffsetAndMetadata]:
    """The offsets to commit after a batch: one past the highest offset of each partition."""
    last: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        last[tp] = max(last.get(tp, r.offset), r.offset)
    return {tp: OffsetAndMetadata(off + 1, "", -1) for tp, off in last.items()}


@dataclass
class WorkerStats:
    """Counters a worker keeps while it runs."""

    records: int = 0
    outputs: int = 0
    failures: int = 0
    batches: int = 0
    retries: int = 0
    revocations: int = 0


class _Rebalances(ConsumerRebalanceListener):
    """Counts partitions taken away from a running member (it left the group, or another member joined)."""

    def __init__(self, worker: StreamWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: Any) -> None:
        if revoked and not self.worker.closing:
            self.worker.stats.revocations += 1
            log.info("%s: partitions revoked: %s", self.worker.name, sorted(revoked))
            self.worker.partitions_revoked(sorted(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("%s: partitions assigned: %s", self.worker.name, sorted(assigned))


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
        self._backoff = self.s.worker_backoff_s
        self._resume_at: float | None = None
        self.closing = False

    @property
    def backing_off(self) -> bool:
        """True while the assigned partitions are paused after a downstream outage."""
        return self._resume_at is not None

    def partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Called when a rebalance takes ``revoked`` away from this running member (override to drop
        state kept per partition)."""

    def stop(self, *_: Any) -> None:
        """Ask the loop to finish the batch in flight and exit."""
        self._stop.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)

    def _send_letter(self, record: Any, error: str, futures: list[Any]) -> None:
        assert self.producer is not None
        letter = dead_letter(record, self.name, error)
        data = dump(letter)
        if len(data) > self.s.kafka_max_message_bytes:
            letter.payload = letter.payload[: self.s.kafka_max_message_bytes // 2] + "…[truncated]"
            data = dump(letter)
        futures.append(bus.send(self.producer, self.s.topic_dlq, letter.key, data, self.s))
        log.warning("%s: dead-lettered %s[%s]@%s: %s", self.name, letter.source_topic,
                    letter.partition, letter.offset, error.splitlines()[0] if error else "")

    def _publish(self, result: BatchResult) -> tuple[int, int]:
        """Produce outputs and dead letters, wait for every acknowledgement (KafkaError on failure);
        return (outputs sent, dead letters sent)."""
        assert self.producer is not None
        futures: list[Any] = []
        letters = [*result.failures]
        for out in result.outputs:
            try:
                futures.append(bus.send(self.producer, out.topic, out.key, out.value, self.s, out.partition))
            except bus.MessageTooLarge as exc:
                source = out.record if out.record is not None else _Unsent(out.topic, out.key, out.value)
                letters.append((source, str(exc)))
        sent = len(futures)
        for record, error in letters:
            self._send_letter(record, error, futures)
        self.producer.flush(timeout=self.s.kafka_request_timeout_ms / 1000)
        for fut in futures:
            fut.get(timeout=self.s.kafka_request_timeout_ms / 1000)
        return sent, len(letters)

    def _back_off(self, records: list[Any], reason: object) -> None:
        """Seek the batch's partitions back, pause everything assigned, resume after the backoff."""
        assert self.consumer is not None
        assigned = self.consumer.assignment()
        for tp, offset in first_offsets(records).items():
            if tp in assigned:
                self.consumer.seek(tp, offset)
        self.consumer.pause(*assigned)
        self._resume_at = time.monotonic() + self._backoff
        self.stats.retries += 1
        log.warning("%s: downstream unavailable (%s); partitions paused, polling on, retry in %.1fs",
                    self.name, reason, self._backoff)
        self._backoff = min(self._backoff * 2, self.s.worker_max_backoff_s)

    def _while_paused(self, records: list[Any]) -> None:
        """A poll during the backoff: keep newly assigned partitions paused, put back what came in,
        resume when the backoff is over."""
        assert self.consumer is not None and self._resume_at is not None
        if records:
            for tp, offset in first_offsets(records).items():
                self.consumer.seek(tp, offset)
        self.consumer.pause(*self.consumer.assignment())
        if time.monotonic() >= self._resume_at:
            self.consumer.resume(*self.consumer.paused())
            self._resume_at = None

    def _process(self, records: list[Any]) -> None:
        """Process one batch; on a downstream outage back off instead (the batch is read again)."""
        try:
            result = run_handler(self.handler, records, self.name)
            sent, letters = self._publish(result)
        except (RetryableError, KafkaError) as exc:
            self._back_off(records, exc)
            return
        self._backoff = self.s.worker_backoff_s
        assert self.consumer is not None
        try:
            self.consumer.commit(next_offsets(records))
        except CommitFailedError as exc:
            log.warning("%s: commit failed after a rebalance (%s); the new owner re-processes the batch",
                        self.name, exc)
        for callback in result.after_commit:
            callback()
        self.stats.records += len(records)
        self.stats.outputs += sent
        self.stats.failures += letters
        self.stats.batches += 1

    def run(self, max_records: int | None = None, idle_exit_s: float | None = None) -> WorkerStats:
        """Run until stopped (signal or :meth:`stop`), ``max_records`` processed, or idle too long."""
        self._install_signals()
        idle_exit_s = idle_exit_s if idle_exit_s is not None else self.s.worker_idle_exit_s
        self.consumer = bus.make_consumer(self.group, self.topics, self.s, listener=_Rebalances(self))
        self.producer = bus.make_producer(self.s)
        last_data = time.monotonic()
        log.info("%s: consuming %s as group %s", self.name, self.topics, self.group)
        try:
            while not self._stop.is_set():
                timeout_ms = self.s.kafka_poll_timeout_ms
                if self._resume_at is not None:
                    timeout_ms = max(10, min(timeout_ms, int(1000 * (self._resume_at - time.monotonic()))))
                polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=self.s.kafka_max_poll_records)
                records = [r for part in polled.values() for r in part]
                if self._resume_at is not None:
                    self._while_paused(records)
                    last_data = time.monotonic()
                    continue
                if not records:
                    if idle_exit_s is not None and time.monotonic() - last_data > idle_exit_s:
                        break
                    continue
                last_data = time.monotonic()
                self._process(records)
                if max_records is not None and self.stats.records >= max_records:
                    break
        finally:
            self.close()
        log.info("%s: stopped after %s", self.name, self.stats)
        return self.stats

    def close(self) -> None:
        """Flush the producer and leave the consumer group."""
        self.closing = True
        if self.producer is not None:
            self.producer.flush(timeout=self.s.worker_shutdown_grace_s)
            self.producer.close(timeout=self.s.worker_shutdown_grace_s)
            self.producer = None
        if self.consumer is not None:
            self.consumer.close(autocommit=False)
            self.consumer = None
