"""Airflow DAG ``alert_checks``: every 15 minutes, evaluate the scheduled rules of
configs/alerts.yaml, ``flatline`` (a country, region or outlet gone quiet) and ``spike`` down (a
group quieter than its reference window), for event-time windows ending at the run's logical
``data_interval_end``, and deliver their alerts through the ledger (the alert id holds the window
bucket: a retried or re-run check sends nothing twice; quiet hours hold the sinks to people, and a
later run sends them). The alert worker cannot see silence: it only sees incidents that arrive.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable


@dag(
    dag_id="alert_checks",
    schedule=CronTriggerTimetable("*/15 * * * *", timezone="UTC", interval=timedelta(minutes=15)),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["incident-radar", "alerts"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    doc_md=__doc__,
)
def alert_checks() -> None:
    """Scheduled rules (flatline, spike down) for the run's logical interval."""

    @task
    def run_checks() -> dict:
        """Evaluate every scheduled rule for the windows ending at data_interval_end."""
        from airflow.sdk import get_current_context

        from pipeline.alert.checks import run_checks as run

        result = run(get_current_context()["data_interval_end"])
        return {"rules": result["rules"], "alerts": len(result["alerts"]), "silenced": result["silenced"],
                "deferred": result["deferred"]}

    run_checks()


alert_checks()
