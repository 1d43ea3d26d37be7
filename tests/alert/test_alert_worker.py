"""The alert worker on a real broker and search server, with a real SMTP server and HTTP receiver."""

from __future__ import annotations

import argparse
import email
import hashlib
import hmac
import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from pipeline.alert import cli as alert_cli
from pipeline.alert.delivery import Ledger, ledger_document
from pipeline.alert.rules import parse_config
from pipeline.alert.worker import alert_worker, ensure_alert_topics
from pipeline.index.client import make_client
from pipeline.index.indexer import bulk_index, search_document
from pipeline.index.setup import alias_name, setup_indices
from pipeline.schemas import Alert, Incident, dump, region_key
from pipeline.search import SearchQuery, run_search
from pipeline.settings import Settings
from pipeline.stack import free_port
from tests.alert.receivers import HttpReceiver, SmtpReceiver
from tests.alert.stories import ambush_articles, nearby_clash, toll_update
from tests.helpers import consume_all, produce_raw

pytestmark = pytest.mark.e2e

SECRET = "test-hmac-secret"


@pytest.fixture
def receiver():
    r = HttpReceiver(slow_s=3.0).start()
    yield r
    r.stop()


@pytest.fixture
def smtp():
    server = SmtpReceiver(free_port(), user="radar", password="pw").start()
    yield server
    server.stop()


def alert_settings(s: Settings) -> Settings:
    tag = s.topic_raw.split(".")[0]
    return s.model_copy(update={
        "topic_incidents": f"{tag}.incidents", "topic_alerts": f"{tag}.alerts", "alert_sink_retries": 3,
        "alert_sink_backoff_s": 0.05, "alert_sink_timeout_s": 1.0, "alert_redeliver_interval_s": 3600.0,
        "alert_drain_timeout_s": 20.0,
        "alert_sink_failure_threshold": 1_000,  # sink_failure alerts: tests/alert/test_rule_types_worker.py
    })


def rules_yaml(receiver: HttpReceiver, smtp_port: int, extra_sinks: str = "", rule_sinks: str = "") -> str:
    return f"""
sinks:
  hook: {{type: webhook, url: "{receiver.url}/ok/hook", secret_env: RADAR_TEST_HOOK_SECRET}}
  slack: {{type: slack, url: "{receiver.url}/ok/slack"}}
  mail:
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    starttls: false
    username: radar
    password_env: RADAR_TEST_SMTP_PASSWORD
    sender: radar@test.local
    to: [desk@test.local]
  kafka: {{type: kafka}}
  log: {{type: log}}
{extra_sinks}
defaults:
  sinks: [hook, slack, mail, kafka, log{rule_sinks}]
rules:
  - name: michoacan
    filters: {{countries: [MX], admin1: [Michoacán], min_fatalities: 1}}
    triggers: {{new: true, escalation: {{fatalities_rise: 2}}}}
  - name: cartels
    filters: {{actor_categories: [Criminal groups], min_sources: 3, keywords: [ambush]}}
    triggers: {{new: true, escalation: {{fatalities_rise: 2}}}}
  - name: sahel
    filters: {{countries: [ML]}}
"""


@pytest.fixture(autouse=True)
def _secrets(monkeypatch):
    monkeypatch.setenv("RADAR_TEST_HOOK_SECRET", SECRET)
    monkeypatch.setenv("RADAR_TEST_SMTP_PASSWORD", "pw")


def verify_signature(req) -> bool:
    ts = req.headers["x-radar-timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, req.headers["x-radar-signature"])


def incidents_of(s: Settings) -> list[Incident]:
    es = make_client(s)
    es.indices.refresh(index=alias_name("incidents", s))
    hits = es.search(index=alias_name("incidents", s), query={"match_all": {}}, size=100)["hits"]["hits"]
    return [Incident.model_validate(h["_source"]) for h in hits]


def ledger_of(s: Settings) -> dict[str, dict]:
    es = make_client(s)
    es.indices.refresh(index=alias_name("alerts", s))
    hits = es.search(index=alias_name("alerts", s), query={"match_all": {}}, size=100)["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_ambush_one_incident_alerts_once_per_rule_escalates_and_survives_restart(radar_settings, receiver, smtp):
    s = alert_settings(radar_settings)
    ensure_alert_topics(s)
    arts = ambush_articles()
    config = parse_config(rules_yaml(receiver, smtp.controller.port))

    # First worker: three reports arrive while the webhook and Slack receiver are down.
    receiver.down = True
    produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in arts[:3]])
    stats = alert_worker(s, config).run(max_records=3, idle_exit_s=30)
    assert stats.records == 3 and stats.failures == 0
    [inc] = incidents_of(s)
    assert inc.n_articles == 3 and inc.n_sources == 3 and inc.fatalities == 6
    ledger = ledger_of(s)
    assert sorted((d["rule"], d["trigger"]) for d in ledger.values()) == [("cartels", "new"), ("michoacan", "new")]
    assert all(d["pending_sinks"] == ["hook", "slack"] for d in ledger.values())
    assert len(smtp.messages) == 2 and len(receiver.on("/ok/hook")) >= 2 * 3

    # Restart: the receiver is back; the rest of the reports, one re-delivered copy, then the new toll.
    receiver.down = False
    receiver.requests.clear()
    produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in [*arts[3:], arts[0], toll_update()]])
    stats = alert_worker(s, config).run(max_records=4, idle_exit_s=30)
    assert stats.records == 4 and stats.failures == 0

    [inc] = incidents_of(s)
    assert inc.n_articles == 6 and inc.n_sources == 6 and inc.fatalities == 9 and inc.status == "escalated"
    assert sorted(inc.article_ids) == sorted([a.id for a in arts] + ["amb-9"])
    ledger = ledger_of(s)
    assert sorted((d["rule"], d["trigger"]) for d in ledger.values()) == [
        ("cartels", "escalation"), ("cartels", "new"), ("michoacan", "escalation"), ("michoacan", "new")]
    assert all(d["status"] == "delivered" and d["pending_sinks"] == [] for d in ledger.values()), {
        k: (d["status"], d["pending_sinks"], d.get("failed_sinks")) for k, d in ledger.items()}

    hooks = [r.json() for r in receiver.on("/ok/hook")]
    assert Counter(h["id"] for h in hooks) == Counter(set(ledger))  # each alert exactly once after the outage
    assert all(verify_signature(r) for r in receiver.on("/ok/hook"))
    assert all(r.headers["idempotency-key"] == r.json()["id"] == r.json()["idempotency_key"]
               for r in receiver.on("/ok/hook"))
    assert all(r.headers["idempotency-key"] in ledger for r in receiver.on("/ok/slack"))
    assert all(m.content.count(b"X-Radar-Idempotency-Key: alr-") == 1 for m in smtp.messages)
    assert len(receiver.on("/ok/slack")) == 4
    assert len(smtp.messages) == 4
    subjects = [email.message_from_bytes(m.content)["Subject"] for m in smtp.messages]
    assert sum("Escalation" in x for x in subjects) == 2
    kafka_alerts = [json.loads(r.value) for r in consume_all(s, s.topic_alerts, 4, timeout_s=20)]
    assert sorted(a["id"] for a in kafka_alerts) == sorted(ledger)
    esc = next(h for h in hooks if h["rule"] == "michoacan" and h["trigger"] == "escalation")
    assert esc["fatalities"] == 9 and esc["n_sources"] == 6 and "rose from 5 to 9" in esc["reason"]
    assert esc["where"] == "Tepalcatepec, Michoacán, MX" and esc["links"][0].startswith("https://valle-diario")
    published = [json.loads(r.value)["id"] for r in consume_all(s, s.topic_incidents, 6, timeout_s=20)]
    assert set(published) == {inc.id}


def test_nearby_towns_separate_and_broken_sinks_do_not_block_others(radar_settings, receiver, smtp, capsys):
    s = alert_settings(radar_settings)
    ensure_alert_topics(s)
    closed = free_port()
    extra = f"""  broken: {{type: webhook, url: "{receiver.url}/fail"}}
  hang: {{type: webhook, url: "{receiver.url}/slow"}}
  refused: {{type: email, host: 127.0.0.1, port: {closed}, starttls: false, to: [x@test.local]}}
"""
    config = parse_config(rules_yaml(receiver, smtp.controller.port, extra, ", broken, hang, refused"))
    arts = [*ambush_articles(), nearby_clash()]
    produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in [*arts, arts[1]]])
    stats = alert_worker(s, config).run(max_records=len(arts) + 1, idle_exit_s=30)
    assert stats.records == len(arts) + 1 and stats.failures == 0

    incidents = sorted(incidents_of(s), key=lambda i: i.n_articles)
    assert [(i.location.name, i.n_articles, i.n_sources) for i in incidents] == [("Buenavista", 1, 1),
                                                                                 ("Tepalcatepec", 5, 5)]
    ledger = ledger_of(s)
    rules = Counter((d["rule"], d["incident_id"]) for d in ledger.values())
    assert rules == Counter({("michoacan", incidents[0].id): 1, ("michoacan", incidents[1].id): 1,
                             ("cartels", incidents[1].id): 1})
    for doc in ledger.values():
        assert doc["sinks"] == ["hook", "kafka", "log", "mail", "slack"]
        assert sorted(doc["pending_sinks"]) == ["broken", "hang", "refused"]
        for name in ("broken", "hang", "refused"):
            assert doc["deliveries"][name]["attempts"] == 3 and doc["deliveries"][name]["status"] == "retrying"
    assert "HTTP 500" in next(iter(ledger.values()))["deliveries"]["broken"]["last_error"]
    assert len(receiver.on("/fail")) == 3 * 3 and len(receiver.on("/slow")) == 3 * 3
    assert len(receiver.on("/ok/hook")) == 3 and len(smtp.messages) == 3

    parser = argparse.ArgumentParser()
    alert_cli.add_commands(parser.add_subparsers(dest="command"))
    capsys.readouterr()
    args = parser.parse_args(["incidents", "--json"])
    assert args.func(args) == 0
    assert {i["id"] for i in json.loads(capsys.readouterr().out)} == {i.id for i in incidents}
    args = parser.parse_args(["alerts", "--since", "1h"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 alert(s)") and "pending: broken, hang, refused" in out
    rules_file = Path(s.data_dir) / "alerts.yaml"
    rules_file.write_text(rules_yaml(receiver, smtp.controller.port))
    args = parser.parse_args(["alerts", "test", "cartels", "--file", str(rules_file)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "rule cartels: 1 incident(s)" in out and "Tepalcatepec" in out and "Buenavista" not in out


def test_incident_links_have_their_own_writer_and_survive_a_reindex(radar_settings):
    """The alert worker never writes article documents: its links live in their own index and search
    joins them, so an article indexed after the alert (or indexed again) still shows its incident."""
    s = alert_settings(radar_settings)
    ensure_alert_topics(s)
    arts = ambush_articles()[:2]
    config = parse_config("rules: []")
    produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in arts])
    assert alert_worker(s, config).run(max_records=2, idle_exit_s=30).records == 2
    [inc] = incidents_of(s)
    es = make_client(s)
    bulk_index(es, s.articles_alias, [search_document(a) for a in arts])  # indexed after the alert worker ran
    bulk_index(es, s.articles_alias, [search_document(arts[0])])  # and re-indexed
    es.indices.refresh(index=s.articles_alias)
    es.indices.refresh(index=s.links_alias)
    assert es.get(index=s.articles_alias, id=arts[0].id)["_source"].get("incident_id") is None
    hits = run_search(es, s.articles_alias, SearchQuery(text="ambush", size=10), links_index=s.links_alias)["hits"]
    assert {h["id"]: h["incident_id"] for h in hits} == {a.id: inc.id for a in arts}


def test_sinks_finishing_together_leave_the_ledger_delivered(radar_settings):
    """Sink threads marking the same alert at once: the stored status is the last one, never an older one."""
    s = alert_settings(radar_settings)
    es = make_client(s)
    setup_indices(es, s)
    ledger = Ledger(es, s, archive=None)
    sinks = ["hook", "slack", "mail", "kafka", "log"]
    docs = [ledger_document(Alert(id=f"alr-race-{i}", rule="r", trigger="new", trigger_key="k", incident_id=f"inc-{i}"),
                            sinks, {}) for i in range(8)]
    ledger.record(docs)
    for doc in docs:
        start = threading.Barrier(len(sinks))

        def deliver(name: str, doc: dict = doc, start: threading.Barrier = start) -> None:
            start.wait()
            ledger.mark(doc, name, "delivered")

        threads = [threading.Thread(target=deliver, args=(name,)) for name in sinks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    stored = ledger_of(s)
    assert {k: (d["status"], d["pending_sinks"]) for k, d in stored.items()} == {
        d["id"]: ("delivered", []) for d in docs}
