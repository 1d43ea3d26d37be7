"""Rule types through the real alert worker on the real broker and search server: a frequency rule
per admin1 fires once, a new_term rule once per new actor, a silenced rule never, a sink that keeps
failing raises a sink_failure alert to the other sink, and a replay from scratch (fresh state, fresh
consumer group) re-alerts nothing, because windows and alert ids are on event time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from pipeline.alert.rules import parse_config
from pipeline.alert.silences import Silences
from pipeline.alert.worker import alert_worker, ensure_alert_topics
from pipeline.index.client import make_client
from pipeline.index.setup import setup_indices
from pipeline.schemas import Actor, EnrichedArticle, Location, dump, region_key
from tests.alert.receivers import HttpReceiver
from tests.alert.stories import T0
from tests.alert.test_alert_worker import alert_settings, ledger_of
from tests.helpers import produce_raw

pytestmark = pytest.mark.e2e

RULES = """
sinks:
  hook: {{type: webhook, url: "{url}/ok/hook"}}
  broken: {{type: webhook, url: "{url}/fail"}}
defaults:
  sinks: [hook]
rules:
  - name: borno-burst
    type: frequency
    filters: {{countries: [NG]}}
    query_key: admin1
    num_events: 3
    timeframe: 6h
    alert_subject: "{{count}} incidents in {{key}}"
  - name: new-actor
    type: new_term
    fields: [actor]
  - name: muted
    filters: {{countries: [NG]}}
  - name: fragile
    filters: {{countries: [NG]}}
    sinks: [broken]
"""
TOWNS = [("Maiduguri", 11.85, 13.16, "Boko Haram"), ("Monguno", 12.67, 13.61, "Boko Haram"),
         ("Gwoza", 11.08, 13.69, "ISWAP"), ("Damboa", 11.15, 12.76, "Boko Haram")]


def attacks() -> list[EnrichedArticle]:
    """Four separate attacks in Borno, 30 minutes apart in event time, days apart in event date."""
    out = []
    for n, (town, lat, lon, actor) in enumerate(TOWNS):
        loc = Location(name=town, country_code="NG", admin1="Borno", lat=lat, lon=lon, precision="city",
                       is_event_location=True)
        day = (T0 - timedelta(days=3 * n)).date().isoformat()
        out.append(EnrichedArticle(
            id=f"borno-{n}", url=f"https://outlet.example/borno/{n}", source="outlet", title=f"{actor} attack {town}",
            body=f"Fighters of {actor} attacked {town} in Borno state on {day}, killing {n + 2} people.",
            published_at=T0 + timedelta(minutes=30 * n), violent=True, event_type="Battles",
            sub_event_type="Armed clash", confidence=0.8, location=loc, locations=[loc],
            actors=[Actor(name=actor, category="Rebel groups", role="initiator")], fatalities=n + 2, event_date=day,
            event_date_precision="day"))
    return out


def test_frequency_and_new_term_fire_once_silenced_rule_never_and_replay_realerts_nothing(radar_settings):
    s = alert_settings(radar_settings).model_copy(update={
        "alert_sink_failure_threshold": 3, "alert_sink_failure_realert_s": 86_400.0 * 365})
    ensure_alert_topics(s)
    es = make_client(s)
    setup_indices(es, s)
    receiver = HttpReceiver().start()
    try:
        config = parse_config(RULES.format(url=receiver.url))
        Silences(es, s).put("muted", 7200, reason="test")
        arts = attacks()
        produce_raw(s, s.topic_enriched, [(region_key(a), dump(a)) for a in arts])
        stats = alert_worker(s, config).run(max_records=len(arts), idle_exit_s=30)
        assert stats.records == len(arts) and stats.failures == 0

        ledger = ledger_of(s)
        by_rule = Counter(d["rule"] for d in ledger.values())
        assert by_rule == Counter({"borno-burst": 1, "new-actor": 2, "fragile": 4, "sink-health": 1})
        burst = next(d for d in ledger.values() if d["rule"] == "borno-burst")
        assert burst["alert"]["key"] == "NG|Borno" and burst["alert"]["count"] == 3
        assert burst["alert"]["headline"] == "3 incidents in NG|Borno"
        assert burst["alert"]["trigger_key"] == f"frequency:NG|Borno:{(T0 + timedelta(minutes=60)).isoformat()}"
        terms = sorted(d["alert"]["reason"].split(" (")[0] for d in ledger.values() if d["rule"] == "new-actor")
        assert terms == ["first incident with Boko Haram", "first incident with ISWAP"]
        health = next(d for d in ledger.values() if d["rule"] == "sink-health")
        assert health["trigger"] == "sink_failure" and health["sinks"] == ["hook"]
        hooks = [r.json() for r in receiver.on("/ok/hook")]
        assert Counter(h["rule"] for h in hooks) == Counter({"borno-burst": 1, "new-actor": 2, "sink-health": 1})
        assert all(r.headers["idempotency-key"] == r.json()["id"] for r in receiver.on("/ok/hook"))

        # Replay from the start with the state lost: a fresh changelog and consumer group.
        replay = s.model_copy(update={"topic_incidents": s.topic_incidents + "-replay",
                                      "consumer_group_prefix": s.consumer_group_prefix + "replay."})
        ensure_alert_topics(replay)
        stats = alert_worker(replay, config).run(max_records=len(arts), idle_exit_s=30)
        assert stats.records == len(arts)
        assert Counter(d["rule"] for d in ledger_of(s).values()) == by_rule
        assert len(receiver.on("/ok/hook")) == len(hooks)

        # Lifting the silence: the next incident alerts under `muted`.
        Silences(es, s).put("muted", 0)
        late = arts[0].model_copy(update={"id": "borno-9", "url": "https://outlet.example/borno/9",
                                          "event_date": (T0 - timedelta(days=20)).date().isoformat(),
                                          "published_at": T0 + timedelta(hours=30)})
        produce_raw(s, s.topic_enriched, [(region_key(late), dump(late))])
        assert alert_worker(s, config).run(max_records=1, idle_exit_s=30).records == 1
        assert Counter(d["rule"] for d in ledger_of(s).values())["muted"] == 1
    finally:
        receiver.stop()
