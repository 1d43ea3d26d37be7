"""Three alert workers in one consumer group on the real broker and search server: the enriched
stream is keyed by region, incident state is local and changelog-backed, and every alert is
delivered exactly once, also when a worker leaves and another restores its partition's state."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from pipeline.alert.rules import parse_config
from pipeline.alert.worker import alert_worker, ensure_alert_topics
from pipeline.schemas import Actor, EnrichedArticle, Location, dump, region_key
from tests.alert.receivers import HttpReceiver
from tests.alert.stories import DAY, T0
from tests.alert.test_alert_worker import alert_settings, ledger_of
from tests.helpers import produce_raw

pytestmark = pytest.mark.e2e

TOWNS = [("Maiduguri", "NG", "Borno", 11.85, 13.16), ("Goma", "CD", "North Kivu", -1.68, 29.22),
         ("Mopti", "ML", "Mopti", 14.49, -4.19), ("Kharkiv", "UA", "Kharkiv", 49.99, 36.23),
         ("Idlib", "SY", "Idlib", 35.93, 36.63), ("Culiacán", "MX", "Sinaloa", 24.8, -107.39),
         ("Cali", "CO", "Valle del Cauca", 3.45, -76.53), ("Peshawar", "PK", "Khyber Pakhtunkhwa", 34.01, 71.58),
         ("Imphal", "IN", "Manipur", 24.81, 93.94)]
RULES = """
sinks:
  hook: {{type: webhook, url: "{url}/ok/hook"}}
rules:
  - name: everything
    triggers: {{new: true, escalation: {{fatalities_rise: 2}}}}
"""


def reports(wave: int) -> list[EnrichedArticle]:
    """Two outlets' reports of one clash in each town; wave 2 raises each death toll (an escalation)."""
    out = []
    for n, (town, cc, admin1, lat, lon) in enumerate(TOWNS):
        loc = Location(name=town, country_code=cc, admin1=admin1, lat=lat, lon=lon, precision="city",
                       is_event_location=True)
        for k in range(2):
            dead = 3 if wave == 1 else 8
            out.append(EnrichedArticle(
                id=f"w{wave}-{cc}-{k}", url=f"https://outlet{k}.example/{cc}/{wave}", source=f"outlet{k}-{wave}",
                title=f"Gunmen kill {dead} in attack on {town} market",
                body=f"Gunmen attacked the central market of {town} in {admin1} on {DAY}, killing {dead} people, "
                     f"officials said. Witnesses said the attackers arrived on motorbikes.",
                published_at=T0.replace(minute=n), violent=True, event_type="Violence against civilians",
                sub_event_type="Attack", confidence=0.8, location=loc, locations=[loc],
                actors=[Actor(name="Gunmen", category="External/Other", role="initiator"),
                        Actor(name="Civilians", category="Civilians", role="target")],
                fatalities=dead, event_date=DAY, event_date_precision="day"))
    return out


def run_group(workers, wait_for, timeout_s: float = 90.0):
    threads = [threading.Thread(target=w.run, kwargs={"idle_exit_s": 600}) for w in workers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not wait_for():
        time.sleep(0.5)
    return threads


def stop_all(workers, threads):
    for w in workers:
        w.stop()
    for t in threads:
        t.join(timeout=60)


def test_three_alert_workers_no_duplicate_no_lost_alert(radar_settings):
    s = alert_settings(radar_settings)
    ensure_alert_topics(s)
    receiver = HttpReceiver().start()
    try:
        config = parse_config(RULES.format(url=receiver.url))
        workers = [alert_worker(s, config) for _ in range(3)]
        threads = run_group(workers, lambda: all(w.consumer is not None and w.consumer.assignment() for w in workers)
                            and sum(len(w.consumer.assignment()) for w in workers) == s.topic_partitions)
        assignments = [{tp.partition for tp in w.consumer.assignment()} for w in workers]
        assert sorted(p for a in assignments for p in a) == list(range(s.topic_partitions)), assignments

        first = reports(1)
        produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in first])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(receiver.on("/ok/hook")) < len(TOWNS):
            time.sleep(0.5)
        time.sleep(2)
        busy = [w for w in workers if w.stats.records]
        assert len(busy) >= 2, [w.stats for w in workers]

        # one worker leaves; its partitions move, and their incident state is restored from the changelog
        leaving = busy[0]
        leaving.stop()
        threads[workers.index(leaving)].join(timeout=60)
        staying = [w for w in workers if w is not leaving]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(len(w.consumer.assignment()) for w in staying) < s.topic_partitions:
            time.sleep(0.5)
        second = reports(2)
        produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in [*first, *second]])  # wave 1 again
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(receiver.on("/ok/hook")) < 2 * len(TOWNS):
            time.sleep(0.5)
        time.sleep(3)
        stop_all(staying, [t for w, t in zip(workers, threads) if w is not leaving])
    finally:
        receiver.stop()

    delivered = Counter(r.json()["id"] for r in receiver.on("/ok/hook"))
    triggers = Counter((r.json()["trigger"]) for r in receiver.on("/ok/hook"))
    assert triggers == {"new": len(TOWNS), "escalation": len(TOWNS)}, triggers
    assert set(delivered.values()) == {1}, delivered
    ledger = ledger_of(s)
    assert set(ledger) == set(delivered) and all(d["status"] == "delivered" for d in ledger.values())
    assert sum(w.stats.records for w in workers) >= len(first) * 2 + len(second)


def test_embedded_launcher_rebuilds_the_incident_changelog_from_the_archive(radar_settings):
    from pipeline.alert.state import IncidentState
    from pipeline.alert.tracker import incident_document
    from pipeline.index.archive import Archive
    from pipeline.schemas import Incident
    from pipeline.stack import recover_incident_state

    s = alert_settings(radar_settings)
    old = Incident(id="inc-old", article_ids=["a1"], countries=["NG"], event_type="Battles")
    new = old.model_copy(update={"article_ids": ["a1", "a2"], "version": 2})
    Archive("incidents", s).append([incident_document(old, 1), incident_document(new, 1)])
    assert recover_incident_state(s) == 1
    state, restored = IncidentState(s).get(1)
    assert restored and state.holding("a2").version == 2 and list(state.incidents) == ["inc-old"]
