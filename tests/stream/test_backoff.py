"""The stream loop under a downstream outage longer than max.poll.interval.ms, on the real broker:
the partitions are paused while the consumer keeps polling, so it stays in its group, and every
record is processed exactly once when the outage ends. Oversized outputs leave dead letters."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from pipeline import bus
from pipeline.schemas import DeadLetter, load
from pipeline.stream import BatchResult, Output, RetryableError, StreamWorker
from tests.helpers import consume_all, produce_raw

pytestmark = pytest.mark.e2e

OUTAGE_S = 9.0
MAX_POLL_INTERVAL_MS = 3_000


def test_outage_longer_than_max_poll_interval_keeps_the_member_and_processes_once(radar_settings):
    s = radar_settings.model_copy(update={
        "kafka_max_poll_interval_ms": MAX_POLL_INTERVAL_MS, "kafka_session_timeout_ms": 6_000,
        "worker_backoff_s": 0.5, "worker_max_backoff_s": 2.0, "kafka_max_poll_records": 5,
    })
    bus.ensure_topics(s)
    out_topic = s.topic_enriched
    n = 12
    produce_raw(s, s.topic_raw, [(f"k{i}", f"v{i}".encode()) for i in range(n)])
    outage: dict[str, float] = {}
    processed: Counter[bytes] = Counter()
    attempts = 0

    def handler(records):
        nonlocal attempts
        attempts += 1
        outage.setdefault("until", time.monotonic() + OUTAGE_S)
        if time.monotonic() < outage["until"]:
            raise RetryableError("search server down")
        processed.update(r.value for r in records)
        return BatchResult(outputs=[Output(out_topic, r.key.decode(), r.value, r) for r in records])

    worker = StreamWorker("backoff", s.consumer_group("backoff"), [s.topic_raw], handler, s)
    stats = worker.run(max_records=n, idle_exit_s=60)

    assert stats.records == n and stats.outputs == n and stats.failures == 0
    assert stats.retries >= 3 and attempts > stats.retries  # it backed off several times, then went on
    assert stats.revocations == 0, "the consumer left its group during the outage"
    assert processed == Counter(f"v{i}".encode() for i in range(n)), processed
    assert Counter(r.value for r in consume_all(s, out_topic, n)) == processed

    # committed: a new member of the same group finds nothing left to do
    again = StreamWorker("backoff", s.consumer_group("backoff"), [s.topic_raw], handler, s)
    assert again.run(idle_exit_s=8).records == 0


def test_oversized_output_leaves_a_dead_letter_and_the_batch_commits(radar_settings):
    s = radar_settings.model_copy(update={"kafka_max_message_bytes": 2_000})
    bus.ensure_topics(s)
    produce_raw(s, s.topic_raw, [("small", b"x"), ("big", b"y"), ("orphan", b"z")])

    def handler(records):
        result = BatchResult()
        for r in records:
            if r.key == b"orphan":  # an output with no source record (e.g. a derived incident)
                result.outputs.append(Output(s.topic_enriched, "derived", b"o" * 5_000))
            else:
                result.outputs.append(Output(s.topic_enriched, r.key.decode(), r.value * (1 if r.key == b"small" else 5_000), r))
        return result

    stats = StreamWorker("big", s.consumer_group("big"), [s.topic_raw], handler, s).run(max_records=3, idle_exit_s=30)
    assert (stats.records, stats.outputs, stats.failures) == (3, 1, 2)
    letters = {dl.key: dl for dl in (load(DeadLetter, r.value) for r in consume_all(s, s.topic_dlq, 2))}
    assert set(letters) == {"big", "derived"}
    assert letters["big"].source_topic == s.topic_raw and letters["big"].payload == "y"
    assert "RADAR_KAFKA_MAX_MESSAGE_BYTES" in letters["big"].error
    assert letters["derived"].source_topic == s.topic_enriched and "truncated" in letters["derived"].payload
