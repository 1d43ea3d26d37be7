"""Airflow DAG ``daily_digest``: for every rule with ``digest: true`` in configs/alerts.yaml, post or
email a digest of the incidents first seen in the run's logical interval (``data_interval_start`` to
``data_interval_end``, the 24 h before 06:00 UTC) that match it, through the rule's sinks.

One mapped task per rule: a sink that fails fails only its rule's task (Airflow retries it). Every
digest goes through the delivery ledger (id = rule + interval): a retried or cleared run sends only
to the sinks that did not take it yet, and a re-run of an old interval lists the same incidents.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable


@dag(
    dag_id="daily_digest",
    schedule=CronTriggerTimetable("0 6 * * *", timezone="UTC", interval=timedelta(days=1)),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["incident-radar", "alerts"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
)
def daily_digest() -> None:
    """Digest of the incidents of the run's logical interval, per rule."""

    @task
    def list_rules() -> list[str]:
        """Names of the enabled rules that want a digest (the rules file is validated here)."""
        from pipeline.alert.rules import load_config
        from pipeline.settings import get_settings

        config = load_config(get_settings().alerts_file)
        return [r.name for r in config.active_rules if r.digest]

    @task(map_index_template="{{ rule_name }}")
    def send_digest(rule_name: str) -> dict:
        """Build the rule's digest for the logical interval and send it to each sink still pending."""
        from airflow.sdk import get_current_context

        from pipeline.alert.digest import send_rule_digest

        context = get_current_context()
        context["rule_name"] = rule_name
        return send_rule_digest(rule_name, context["data_interval_start"], context["data_interval_end"])

    send_digest.expand(rule_name=list_rules())


daily_digest()
