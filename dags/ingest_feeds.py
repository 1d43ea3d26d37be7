"""Airflow DAG ``ingest_feeds``: poll every enabled feed of configs/feeds.yaml into Kafka
(``articles.entries``; the fetch workers add each article's full text).

One dynamically mapped task per feed: a feed that fails (timeout, HTTP error, malformed or hostile
XML, bad encoding) fails only its own mapped task, with the error in its log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from pipeline.settings import get_settings

SETTINGS = get_settings()


@dag(
    dag_id="ingest_feeds",
    schedule=timedelta(minutes=SETTINGS.ingest_schedule_minutes),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["incident-radar", "ingest"],
    default_args={"retries": 0},
    doc_md=__doc__,
)
def ingest_feeds() -> None:
    """Poll every enabled feed into ``articles.entries``."""

    @task
    def list_feeds() -> list[dict]:
        """Enabled feeds from configs/feeds.yaml (validated), as plain dicts for mapping."""
        from pipeline.ingest.feeds import load_feeds

        return [f.model_dump() for f in load_feeds()]

    @task(map_index_template="{{ feed_name }}")
    def ingest(feed: dict) -> str:
        """Fetch one feed (when its poll interval has passed) and produce its new articles to Kafka."""
        from airflow.exceptions import AirflowSkipException
        from airflow.sdk import get_current_context

        from pipeline.ingest.feeds import FeedConfig
        from pipeline.ingest.run import ingest_feed, is_due

        config = FeedConfig(**feed)
        get_current_context()["feed_name"] = config.name
        if not is_due(config):
            raise AirflowSkipException(f"{config.name}: polled less than {config.poll_minutes} min ago")
        return str(ingest_feed(config))

    ingest.expand(feed=list_feeds())


ingest_feeds()
