"""All settings in one place. Read from environment variables prefixed ``RADAR_`` and from ``.env``.

Every limit (sizes, timeouts, retries, batch sizes) is a named field here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Incident Radar settings; the same code talks to embedded or real servers by URL only."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", env_file=".env", extra="ignore")

    # Where things live
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Archive, feed state, Airflow home, logs")
    cache_dir: Path = Field(PROJECT_ROOT / "data" / "cache", description="Derived data (gazetteer index), rebuilt if missing")
    configs_dir: Path = PROJECT_ROOT / "configs"
    feeds_file: Path = PROJECT_ROOT / "configs" / "feeds.yaml"

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_username: str | None = None
    kafka_password: str | None = None
    topic_entries: str = Field("articles.entries", description="feed entries from ingestion, read by the fetch stage")
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
    kafka_max_poll_interval_ms: int = Field(300_000, description="a member that does not poll this long leaves its group")

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
    archive_enabled: bool = True
    index_rollover_max_age: str = "30d"
    index_rollover_max_primary_shard_size: str = "50gb"
    index_hot_days: int = 30
    index_after_hot: Literal["delete", "warm"] = "delete"
    index_warm_delete_days: int = 365

    # Ingestion
    feed_timeout_s: float = 20.0
    feed_max_bytes: int = 10_000_000
    feed_max_entries: int = 500
    feed_user_agent: str = "IncidentRadar/0.1 (+https://github.com/incident-radar)"
    article_max_body_chars: int = 100_000
    ingest_schedule_minutes: int = 5
    alert_check_minutes: int = Field(15, description="scheduled rule checks with --no-airflow (the alert_checks DAG's interval)")
    ingest_seen_days: int = Field(30, description="ingestion remembers the ids it sent this long")
    ingest_seen_lock_timeout_s: float = 30.0
    feed_deadline_s: float = Field(30.0, description="total time for one feed download, however slowly it trickles")
    feed_max_redirects: int = 5
    ingest_parallel_feeds: int = Field(4, description="feeds polled at once by `radar ingest` / `radar up --no-airflow`")

    # Article fetching (pipeline/fetch, consumer group "fetch"; the guard also covers feed URLs)
    fetch_allow_private_networks: bool = Field(
        False, description="allow loopback/private/link-local addresses (tests and the demo only)")
    fetch_allowed_private: list[str] = Field(
        default_factory=list, description="ip:port pairs allowed even with the guard on (an intranet server)")
    fetch_allowed_ports: list[int] = Field(
        default_factory=lambda: [80, 443, 8000, 8080, 8443], description="ports allowed with the guard on")
    fetch_user_agent: str = "IncidentRadar/0.1 (+https://github.com/incident-radar/incident-radar; news monitoring)"
    fetch_connect_timeout_s: float = 5.0
    fetch_read_timeout_s: float = 10.0
    fetch_deadline_s: float = Field(20.0, description="total time for one page, however slowly it trickles")
    fetch_max_bytes: int = Field(5_000_000, description="cap on a page, compressed and after decompression")
    fetch_max_redirects: int = 5
    fetch_retries: int = Field(2, description="retries after 429/503 (and connection errors)")
    fetch_backoff_s: float = 1.0
    fetch_max_retry_after_s: float = Field(30.0, description="a longer Retry-After gives up on the page")
    fetch_per_host_concurrency: int = 2
    fetch_per_host_delay_s: float = Field(1.0, description="minimum time between two requests to one host")
    fetch_max_crawl_delay_s: float = Field(10.0, description="cap on a robots.txt Crawl-delay")
    fetch_concurrency: int = Field(16, description="pages fetched at once by one fetch worker")
    fetch_batch_size: int = Field(50, description="entries one fetch worker takes from Kafka at a time")
    fetch_batch_deadline_s: float = Field(
        60.0, description="entries not started by then go back to the topic so one slow host delays no other")
    fetch_robots_ttl_s: float = 3600.0
    fetch_robots_max_bytes: int = 500_000
    fetch_min_text_chars: int = Field(80, description="shorter extracted text counts as a failed extraction")
    fetch_ledger_days: int = Field(30, description="how long the fetch ledger remembers an entry")
    fetch_workers: int = Field(1, description="fetch worker processes started by `radar up`")

    # Enrichment
    enrich_max_chars: int = 20_000
    enrich_event_model: bool = Field(True, description="decide the event type with the learned event model (rules decide when off)")
    enrich_workers: int = 1
    geo_ranker: bool = Field(False, description="choose toponyms and their senses with the learned geo ranker "
                                                "(pipeline/geo/model, `radar train geo`); the rules decide when off")

    # Workers
    worker_shutdown_grace_s: float = 10.0
    worker_idle_exit_s: float | None = None
    worker_backoff_s: float = Field(1.0, description="first pause of a worker's partitions after a downstream outage")
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
    supervise_backoff_s: float = Field(1.0, description="first wait before `radar up` restarts a dead process")
    supervise_max_backoff_s: float = Field(60.0, description="the wait doubles per crash up to this; it never gives up")
    supervise_reset_after_s: float = Field(
        60.0, description="a process up this long counts as healthy: its next crash waits the first backoff again")
    supervise_interval_s: float = Field(1.0, description="how often `radar up` checks its processes")

    # Evaluation
    benchmarks_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "benchmarks",
                                 description="Public benchmark corpora (read-only, evaluation only)")

    # Incidents and alerts (pipeline/alert)
    topic_incidents: str = Field("incidents", description="keep in extra_topics so it is created")
    topic_alerts: str = Field("alerts", description="keep in extra_topics so it is created")
    alerts_file: Path = PROJECT_ROOT / "configs" / "alerts.yaml"
    incident_max_distance_km: float = Field(50.0, description="farthest two reports of one incident may be placed")
    incident_same_place_km: float = Field(5.0, description="closer than this counts as the same place")
    incident_date_window_days: int = Field(2, description="event dates of one incident differ by at most this")
    incident_lookback_days: int = Field(7, description="incidents not updated for longer are closed to new articles")
    incident_match_threshold: float = Field(2.5, description="evidence score an article needs to join an incident")
    incident_duplicate_jaccard: float = Field(0.5, description="MinHash similarity above which texts are copies")
    incident_minhash_perm: int = 64
    incident_max_candidates: int = 50
    incident_max_article_ids: int = 1_000
    incident_max_signatures: int = 20
    incident_max_terms: int = 80
    incident_fatalities_outlier_ratio: float = Field(3.0, description="a lone figure this many times the next is not credible")
    alert_sink_retries: int = Field(4, description="attempts per sink before an alert waits for redelivery")
    alert_sink_backoff_s: float = 1.0
    alert_sink_max_backoff_s: float = 60.0
    alert_sink_timeout_s: float = 10.0
    alert_redeliver_interval_s: float = 300.0
    alert_give_up_after_s: float = 86_400.0
    alert_max_links: int = 10
    alert_restore_timeout_s: float = Field(120.0, description="longest read of a partition's incident changelog")
    alert_drain_timeout_s: float = Field(30.0, description="on shutdown, wait this long for due deliveries")
    alert_silence_refresh_s: float = Field(5.0, description="how often an alert worker re-reads the silences index")
    alert_sink_failure_threshold: int = Field(
        5, description="consecutive failed attempts of one sink that raise a sink_failure alert to the other sinks")
    alert_sink_failure_realert_s: float = Field(3600.0, description="at most one sink_failure alert per sink this often")
    alert_new_term_max_terms: int = Field(10_000, description="terms a new_term rule remembers per country (oldest dropped)")
    alert_template_max_chars: int = Field(4_000, description="longest rendered alert_subject / alert_text")
    alert_template_value_chars: int = Field(500, description="longest value one template field inserts")
    alert_check_max_incidents: int = Field(10_000, description="incidents one scheduled rule check or digest reads")
    alert_check_max_resume: int = Field(
        1_000, description="pending alerts of scheduled checks (quiet hours, failed sinks) one check re-sends")
    alert_sink_streak_scan_docs: int = Field(
        500, description="newest ledger alerts of a sink read at start to resume its failures in a row")
    enrich_selective_parse: bool = Field(True, description="tag/parse only title, lead and cue sentences (NER: see enrich_selective_ner)")
    enrich_parse_batch_tokens: int = Field(
        4000, ge=1, description="tokens spaCy's tagger, parser and NER take at once (their buffers grow with it)")
    enrich_lead_sentences: int = Field(3, description="body sentences always parsed when selective parsing is on")
    enrich_selective_ner: bool = Field(
        True, description="with selective parsing, skip NER on sentences that cannot hold a named entity")

    # Web page and JSON API (pipeline/web, `radar web`)
    web_host: str = Field("127.0.0.1", description="bind address of `radar web`; set a token or basic auth beyond loopback")
    web_port: int = 18000
    web_token: str | None = Field(None, description="when set, every request needs it (Bearer header or ?token= once)")
    web_username: str | None = Field(None, description="with web_password: HTTP basic auth for every request")
    web_password: str | None = None
    web_page_size_max: int = 100
    web_facet_size: int = Field(12, description="values listed per facet")
    web_map_max_points: int = Field(2_000, description="most map places (points with their article counts) drawn on the map")
    web_facet_cache_s: float = Field(30.0, description="facet counts and timeline of a query are reused this long (0: off)")
    web_facet_cache_entries: int = Field(256, description="queries whose facets are kept")
    web_facet_terms_max: int = Field(
        10_000, description="facet values and timeline days counted by the one facet aggregation; the rarest past it are left out")
    web_max_query_chars: int = 500
    web_incident_max_articles: int = 200
    web_alerts_recent: int = 50
    web_sse_poll_s: float = Field(0.5, description="how often the live-alert stream looks for new alerts")
    web_sse_heartbeat_s: float = 15.0

    @property
    def archive_dir(self) -> Path:
        """Append-only archive of enriched articles (durability for the embedded stack)."""
        return self.data_dir / "archive"

    @property
    def feed_state_dir(self) -> Path:
        """Per-feed conditional-GET state and last run/error."""
        return self.data_dir / "feeds"

    def consumer_group(self, worker: str) -> str:
        """Consumer group of a worker (``enrich``, ``index``, ``alert``), with the configured prefix."""
        return f"{self.consumer_group_prefix}{worker}"

    @property
    def articles_alias(self) -> str:
        """Alias that search and indexing use for articles."""
        return f"{self.index_prefix}-articles"

    @property
    def links_alias(self) -> str:
        """Alias of the article → incident links, written by the alert stage, joined by search."""
        return f"{self.index_prefix}-links"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached). Tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
