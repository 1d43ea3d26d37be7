"""The ``daily_digest`` DAG: imports cleanly, posts one digest per rule through the rule's sinks for the
run's logical interval, and goes through the delivery ledger (a retry sends only what is pending)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.alert.digest import send_rule_digest
from pipeline.alert.incidents import ClusterConfig, cluster
from pipeline.alert.tracker import incident_document
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name, setup_indices
from pipeline.settings import PROJECT_ROOT, Settings, get_settings
from tests.alert.receivers import HttpReceiver
from pipeline.alert.sinks import SinkError
from tests.alert.stories import T0, ambush_articles, nearby_clash
from tests.alert.test_alert_worker import ledger_of

pytestmark = pytest.mark.e2e


def _index_story_incidents(rules, monkeypatch) -> Settings:  # noqa: ANN001 - Path, pytest.MonkeyPatch
    """Settings with ``rules`` as the alerts file, and the story's incidents in the search index."""
    monkeypatch.setenv("RADAR_ALERTS_FILE", str(rules))
    get_settings.cache_clear()
    s = get_settings()
    es = make_client(s)
    try:
        setup_indices(es, s)
        for inc in cluster([*ambush_articles(), nearby_clash()], ClusterConfig()):
            es.index(index=alias_name("incidents", s), id=inc.id, document=incident_document(inc), refresh=True)
    finally:
        es.close()
    return s


def test_daily_digest_dag_posts_per_rule_digest(radar_settings, airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    receiver = HttpReceiver().start()
    try:
        rules = tmp_path / "alerts.yaml"
        rules.write_text(f"""
sinks:
  hook: {{type: webhook, url: "{receiver.url}/ok/digest"}}
rules:
  - name: mexico
    filters: {{countries: [MX]}}
  - name: sahel
    filters: {{countries: [ML]}}
  - name: quiet
    filters: {{countries: [MX]}}
    digest: false
""")
        s = _index_story_incidents(rules, monkeypatch)

        bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "daily_digest.py"))
        assert bag.import_errors == {}
        run = bag.get_dag("daily_digest").test(logical_date=T0 + timedelta(hours=2))
        assert run.state == "success"
        assert run.data_interval_end - run.data_interval_start == timedelta(days=1)
        digests = {r.json()["rule"]: r.json() for r in receiver.on("/ok/digest")}
        assert set(digests) == {"mexico", "sahel"}
        assert len(digests["mexico"]["incidents"]) == 2 and digests["sahel"]["incidents"] == []
        assert digests["mexico"]["incidents"][0]["where"].startswith("Tepalcatepec")
        assert digests["mexico"]["until"] == (T0 + timedelta(hours=2)).isoformat()
        # the interval of the day before holds none of these incidents (event time, not the run's clock)
        earlier = bag.get_dag("daily_digest").test(logical_date=T0 - timedelta(days=1))
        assert earlier.state == "success"
        assert [r.json()["incidents"] for r in receiver.on("/ok/digest")][-2:] == [[], []]
    finally:
        receiver.stop()


def test_digest_goes_through_the_ledger_and_a_retry_sends_only_what_is_pending(radar_settings, tmp_path,
                                                                                 monkeypatch):
    receiver = HttpReceiver().start()
    try:
        rules = tmp_path / "alerts.yaml"
        rules.write_text(f"""
sinks:
  hook: {{type: webhook, url: "{receiver.url}/ok/digest"}}
  log: {{type: log}}
rules:
  - name: mexico
    filters: {{countries: [MX]}}
""")
        s = _index_story_incidents(rules, monkeypatch)
        since, until = T0 - timedelta(hours=1), T0 + timedelta(hours=23)
        receiver.down = True
        with pytest.raises(SinkError, match="hook"):
            send_rule_digest("mexico", since, until, s)
        receiver.down = False
        second = send_rule_digest("mexico", since, until, s)
        assert second["sinks"] == {"hook": "delivered"} and second["incidents"] == 2
        third = send_rule_digest("mexico", since, until, s)
        assert third["sinks"] == {}
        [doc] = ledger_of(s).values()
        assert doc["id"] == second["id"] == third["id"] and doc["status"] == "delivered"
        assert doc["deliveries"]["log"]["attempts"] == 1 and doc["deliveries"]["hook"]["attempts"] == 2
        delivered = [r for r in receiver.on("/ok/digest") if r.json()["idempotency_key"] == doc["id"]]
        assert len(receiver.on("/ok/digest")) == 2 and len(delivered) == 2  # one 503 while down, one 200
        assert delivered[-1].headers["idempotency-key"] == doc["id"]
    finally:
        receiver.stop()
