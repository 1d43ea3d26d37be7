"""Small helpers for tests that talk to the real local servers."""

from __future__ import annotations

import time
import uuid

from pipeline import bus
from pipeline.settings import Settings


def consume_all(s: Settings, topic: str, expect: int, timeout_s: float = 40.0) -> list:
    """Read ``topic`` from the beginning in a fresh group until ``expect`` records or the timeout."""
    consumer = bus.make_consumer(f"test-{uuid.uuid4().hex[:6]}", [topic], s)
    records: list = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expect and time.monotonic() < deadline:
            for part in consumer.poll(timeout_ms=500).values():
                records.extend(part)
    finally:
        consumer.close()
    return records


def produce_raw(s: Settings, topic: str, items: list[tuple[str | None, bytes]]) -> None:
    """Produce (key, value) pairs and wait for acknowledgement."""
    producer = bus.make_producer(s)
    try:
        for key, value in items:
            bus.send(producer, topic, key, value, s)
        producer.flush()
    finally:
        producer.close()
