"""Kafka plumbing (kafka-python): producers, consumers and topic administration from settings."""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


class MessageTooLarge(ValueError):
    """A message is bigger than ``kafka_max_message_bytes``."""


def client_config(s: Settings) -> dict[str, Any]:
    """Connection settings shared by every Kafka client (bootstrap servers, security, timeouts)."""
    conf: dict[str, Any] = {
        "bootstrap_servers": s.kafka_bootstrap.split(","),
        "security_protocol": s.kafka_security_protocol,
        "request_timeout_ms": s.kafka_request_timeout_ms,
    }
    if s.kafka_sasl_mechanism:
        conf.update(
            sasl_mechanism=s.kafka_sasl_mechanism,
            sasl_plain_username=s.kafka_username,
            sasl_plain_password=s.kafka_password,
        )
    return conf


def all_topics(s: Settings | None = None) -> list[str]:
    """Topics the pipeline uses."""
    s = s or get_settings()
    return [s.topic_entries, s.topic_raw, s.topic_enriched, s.topic_dlq, *s.extra_topics]


def make_producer(s: Settings | None = None) -> KafkaProducer:
    """Producer with acks=all, retries and a size cap; use :func:`send` (str keys, bytes values)."""
    s = s or get_settings()
    return KafkaProducer(
        **client_config(s),
        acks="all",
        retries=s.kafka_producer_retries,
        max_request_size=s.kafka_max_message_bytes + 10_000,
        linger_ms=5,
    )


def send(producer: KafkaProducer, topic: str, key: str | None, value: bytes, s: Settings | None = None,
         partition: int | None = None, headers: list[tuple[str, bytes]] | None = None) -> Any:
    """Send one message after checking the size cap (to ``partition``, else by key); returns the send future."""
    s = s or get_settings()
    if len(value) > s.kafka_max_message_bytes:
        raise MessageTooLarge(
            f"message for {topic} key={key} is {len(value)} bytes > limit {s.kafka_max_message_bytes} "
            "(RADAR_KAFKA_MAX_MESSAGE_BYTES)"
        )
    return producer.send(topic, key=key.encode("utf-8") if key is not None else None, value=value, partition=partition,
                         headers=headers)


def make_consumer(group: str, topics: list[str], s: Settings | None = None, listener: Any = None,
                  **overrides: Any) -> KafkaConsumer:
    """Consumer in ``group`` with manual commits, starting from the earliest uncommitted offset;
    ``listener`` is an optional ``ConsumerRebalanceListener``."""
    s = s or get_settings()
    conf: dict[str, Any] = {
        **client_config(s),
        "group_id": group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": s.kafka_max_poll_records,
        "session_timeout_ms": s.kafka_session_timeout_ms,
        "max_poll_interval_ms": s.kafka_max_poll_interval_ms,
        "heartbeat_interval_ms": max(1_000, s.kafka_session_timeout_ms // 5),
        "fetch_max_bytes": max(s.kafka_max_message_bytes * 2, 52_428_800),
        "max_partition_fetch_bytes": s.kafka_max_message_bytes + 10_000,
    }
    conf.update(overrides)
    consumer = KafkaConsumer(**conf)
    consumer.subscribe(topics, listener=listener)
    return consumer


def ensure_topics(s: Settings | None = None, timeout_s: float | None = None,
                  compacted: tuple[str, ...] = ()) -> list[str]:
    """Create the pipeline's topics and ``compacted`` (cleanup.policy=compact) if missing (explicit
    partitions); return the ones created."""
    s = s or get_settings()
    deadline = time.monotonic() + (timeout_s if timeout_s is not None else s.startup_timeout_s)
    while True:
        try:
            admin = KafkaAdminClient(**client_config(s))
            break
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kafka at {s.kafka_bootstrap} is not reachable: {exc}") from exc
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        wanted = [t for t in dict.fromkeys([*all_topics(s), *compacted]) if t not in existing]
        created: list[str] = []
        for topic in wanted:
            try:
                admin.create_topics(
                    [NewTopic(topic, num_partitions=s.topic_partitions, replication_factor=s.topic_replication,
                              topic_configs={"cleanup.policy": "compact"} if topic in compacted else {})]
                )
                created.append(topic)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
