"""The ``daily_digest`` DAG: imports cleanly and posts one digest per rule through the rule's sinks."""

from __future__ import annotations

import pytest

from pipeline.alert.incidents import ClusterConfig, cluster
from pipeline.alert.tracker import incident_document
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name, setup_indices
from pipeline.settings import PROJECT_ROOT, get_settings
from tests.alert.receivers import HttpReceiver
from tests.alert.stories import ambush_articles, nearby_clash

pytestmark = pytest.mark.e2e


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
        monkeypatch.setenv("RADAR_ALERTS_FILE", str(rules))
        get_settings.cache_clear()
        s = get_settings()
        es = make_client(s)
        setup_indices(es, s)
        for inc in cluster([*ambush_articles(), nearby_clash()], ClusterConfig()):
            es.index(index=alias_name("incidents", s), id=inc.id, document=incident_document(inc), refresh=True)

        bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "daily_digest.py"))
        assert bag.import_errors == {}
        run = bag.get_dag("daily_digest").test()
        assert run.state == "success"
        digests = {r.json()["rule"]: r.json() for r in receiver.on("/ok/digest")}
        assert set(digests) == {"mexico", "sahel"}
        assert len(digests["mexico"]["incidents"]) == 2 and digests["sahel"]["incidents"] == []
        assert digests["mexico"]["incidents"][0]["where"].startswith("Tepalcatepec")
    finally:
        receiver.stop()
