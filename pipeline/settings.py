"""All settings in one place. Read from environment variables prefixed ``RADAR_`` and from ``.env``.

Every limit (sizes, timeouts, retries, batch sizes) is a named field here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Incident Radar settings; the same code talks to embedded or real servers by URL only."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", env_file=".env", extra="ignore")

    # Where things live
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Archive, feed state, Airflow home, logs")
    configs_dir: Path = PROJECT_ROOT / "configs"
    feeds_file: Path = PROJECT_ROOT / "configs" / "feeds.yaml"

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_username: str | None = None
    kafka_password: str | None = None
    topic_raw: str = "articles.raw"
    topic_enriched: str = "articles.enriched"
    topic_dlq: str = "articles.dlq"
    extra_topics: list[str] = Field(default_factory=lambda: ["incidents", "alerts"])
    consumer_group_prefix: str = Field("", description="prepended to the consumer group names enrich/index/alert")
    topic_partitions: int = 3
    topic_replication: int = 1
    kafka_max_message_bytes: int = 1_000_000
    kafka_request_timeout_ms: int = 30_000
    kafka_producer_retries: int = 5
    kafka_poll_timeout_ms: int = 1_000
    kafka_max_poll_records: int = 200
    kafka_session_timeout_ms: int = 15_000

    # Elasticsearch / OpenSearch-compatible search server
    es_url: str = "http://127.0.0.1:19200"
    es_username: str | None = None
    es_password: str | None = None
    es_api_key: str | None = None
    es_ca_certs: str | None = None
    es_verify_certs: bool = True
    es_timeout_s: float = 30.0
    es_max_retries: int = 3
    index_prefix: str = "radar"
    index_bulk_max_docs: int = 500
    index_bulk_max_wait_s: float = 1.0
    index_retry_backoff_s: float = 1.0
    archive_enabled: bool = True

    # Ingestion
    feed_timeout_s: float = 20.0
    feed_max_bytes: int = 10_000_000
    feed_max_entries: int = 500
    feed_user_agent: str = "IncidentRadar/0.1 (+https://github.com/incident-radar)"
    article_max_body_chars: int = 100_000
    ingest_schedule_minutes: int = 5

    # Enrichment
    enrich_max_chars: int = 20_000
    enrich_workers: int = 1

    # Workers
    worker_shutdown_grace_s: float = 10.0
    worker_idle_exit_s: float | None = None
    worker_max_backoff_s: float = 30.0

    # Embedded stack (make up / make demo)
    embedded: bool = True
    embedded_kafka_port: int = 19092
    embedded_es_port: int = 19200
    airflow_port: int = 18080
    airflow_parallelism: int = 4
    airflow_startup_timeout_s: float = 240.0
    demo_feed_port: int = 18765
    startup_timeout_s: float = 60.0
    max_restarts: int = 5

    # Evaluation
    benchmarks_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "benchmarks",
                                 description="Public benchmark corpora (read-only, evaluation only)")

    @property
    def archive_dir(self) -> Path:
        """Append-only archive of enriched articles (durability for the embedded stack)."""
        return self.data_dir / "archive"

    @property
    def feed_state_dir(self) -> Path:
        """Per-feed conditional-GET state and last run/error."""
        return self.data_dir / "feeds"

    @property
    def articles_alias(self) -> str:
        """Alias that search and indexing use for articles."""
        return f"{self.index_prefix}-articles"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached). Tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
