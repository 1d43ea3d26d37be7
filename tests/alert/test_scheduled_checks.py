"""Scheduled rule checks and sink health on the real search server: a spike-down rule alerts for a
country gone quieter than its reference window with no arrival (once per window bucket, however
often the check reruns), quiet hours hold a flatline alert's sinks to people until they end (Kafka
and log get it at once), and a sink's failure streak survives an alert-worker restart."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from pipeline.alert.checks import run_checks
from pipeline.alert.delivery import Dispatcher, Ledger, ledger_document
from pipeline.alert.rules import AlertsConfig, parse_config
from pipeline.alert.sinks import build_sinks
from pipeline.alert.tracker import incident_document
from pipeline.index.client import make_client
from pipeline.index.indexer import bulk_index
from pipeline.index.setup import alias_name, setup_indices
from pipeline.schemas import Alert, Incident, Location, utcnow
from pipeline.settings import Settings
from tests.alert.receivers import HttpReceiver
from tests.alert.test_alert_worker import alert_settings, ledger_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    r = HttpReceiver().start()
    yield r
    r.stop()


def config_of(receiver: HttpReceiver, rules: str) -> AlertsConfig:
    """A rules file with a webhook (to people) and a log sink."""
    return parse_config(f"""sinks:
  hook: {{type: webhook, url: "{receiver.url}/ok/hook"}}
  broken: {{type: webhook, url: "{receiver.url}/fail"}}
  log: {{type: log}}
defaults:
  sinks: [hook, log]
rules:
{rules}""")


def index_incidents(s: Settings, incidents: list[Incident]) -> None:
    es = make_client(s)
    setup_indices(es, s)
    assert bulk_index(es, alias_name("incidents", s), [incident_document(i) for i in incidents]) == []
    es.indices.refresh(index=alias_name("incidents", s))


def incident(n: int, at, cc: str) -> Incident:
    loc = Location(name=f"town{n}", country_code=cc, admin1="A", lat=11.0, lon=13.0, precision="city")
    return Incident(id=f"inc-{n}", title=f"Attack {n}", event_type="Battles", location=loc, countries=[cc],
                    first_seen=at, n_sources=1, sources=["a"])


def test_spike_down_without_arrivals_alerts_once_per_bucket(radar_settings, receiver):
    s = alert_settings(radar_settings)
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    end -= timedelta(hours=end.hour % 6)  # a 6 h bucket boundary
    ref = [incident(i, end - timedelta(hours=7 + i), "NG") for i in range(4)]
    steady = [incident(10 + i, end - timedelta(hours=h), "ML") for i, h in enumerate((1, 2, 8, 9))]
    index_incidents(s, ref + steady + [incident(20, end - timedelta(hours=2), "NG")])
    config = config_of(receiver, """  - name: quieter
    type: spike
    filters: {countries: [NG, ML]}
    spike_type: down
    spike_height: 2
    timeframe: 6h
""")
    result = run_checks(end, s, config)
    assert result["rules"] == 1 and len(result["alerts"]) == 1
    assert list(result["alerts"].values()) == [{"hook": "delivered", "log": "delivered"}]
    hooks = [r.json() for r in receiver.on("/ok/hook")]
    assert len(hooks) == 1 and hooks[0]["rule"] == "quieter" and "spike down" in hooks[0]["headline"]
    run_checks(end, s, config)  # a rerun of the same interval
    run_checks(end + timedelta(minutes=15), s, config)  # the next check, same bucket
    assert len(receiver.on("/ok/hook")) == 1
    assert [d["alert"]["key"] for d in ledger_of(s).values()] == ["NG"]


def test_quiet_hours_hold_a_flatline_alert_until_they_end(radar_settings, receiver):
    s = alert_settings(radar_settings)
    now = utcnow()
    start, stop = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    index_incidents(s, [])
    config = config_of(receiver, f"""  - name: gone-quiet
    type: flatline
    filters: {{countries: [ML]}}
    query_key: country
    threshold: 1
    timeframe: 1h
    quiet_hours: {{start: "{start}", end: "{stop}", timezone: UTC}}
""")
    result = run_checks(now, s, config)
    [(alert_id, outcome)] = result["alerts"].items()
    assert outcome["log"] == "delivered" and outcome["hook"].startswith("deferred until ")
    assert result["deferred"] == 1 and receiver.on("/ok/hook") == []
    assert run_checks(now, s, config)["deferred"] == 1 and receiver.on("/ok/hook") == []

    # The quiet hours end: the next check sends what they held, once.
    doc = ledger_of(s)[alert_id]
    doc["deliveries"]["hook"]["not_before"] = (utcnow() - timedelta(seconds=1)).isoformat()
    es = make_client(s)
    es.index(index=alias_name("alerts", s), id=alert_id, document=doc, refresh=True)
    assert run_checks(now, s, config)["alerts"][alert_id] == {"hook": "delivered"}
    run_checks(now, s, config)
    assert [r.json()["id"] for r in receiver.on("/ok/hook")] == [alert_id]


def worker_life(s: Settings, config: AlertsConfig, ledger: Ledger, n: int) -> None:
    """One alert-worker life: alert ``n`` to the broken sink fails ``alert_sink_retries`` attempts in
    a row (then waits for redelivery), and the worker stops."""
    dispatcher = Dispatcher(build_sinks(config, s), ledger, s)
    dispatcher.start()
    alert = Alert(id=f"alr-streak-{n}", rule="fragile", trigger="new", trigger_key="new", incident_id=f"inc-{n}",
                  headline=f"alert {n}")
    for doc in ledger.record([ledger_document(alert, ["broken"], {})]):
        dispatcher.submit(doc)
    time.sleep(0.5)
    dispatcher.stop(drain_s=20)


def test_sink_failure_streak_survives_a_restart(radar_settings, receiver):
    s = alert_settings(radar_settings).model_copy(update={
        "alert_sink_failure_threshold": 5, "alert_sink_failure_realert_s": 86_400.0 * 365})
    es = make_client(s)
    setup_indices(es, s)
    config = config_of(receiver, "  - name: fragile\n    sinks: [broken]\n")
    ledger = Ledger(es, s, None)
    worker_life(s, config, ledger, 1)
    assert len(receiver.on("/fail")) == 3 and receiver.on("/ok/hook") == []
    worker_life(s, config, ledger, 2)  # failures 4 to 6 after a restart: the threshold is reached
    assert len(receiver.on("/fail")) == 6
    health = [d for d in ledger_of(s).values() if d["rule"] == "sink-health"]
    assert len(health) == 1 and health[0]["sinks"] == ["hook", "log"]
    assert [r.json()["rule"] for r in receiver.on("/ok/hook")] == ["sink-health"]
    worker_life(s, config, ledger, 3)  # still failing after another restart: same bucket, no new alert
    assert len(receiver.on("/fail")) == 9 and len(receiver.on("/ok/hook")) == 1
