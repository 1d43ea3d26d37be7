"""``radar status``: consumer lag per topic and group, index counts, feed runs and errors."""

from __future__ import annotations

from typing import Any

from pipeline.settings import Settings

GROUP_TOPICS = {"fetch": "topic_entries", "enrich": "topic_raw", "index": "topic_enriched", "alert": "topic_enriched"}


def kafka_lag(s: Settings) -> dict[str, Any]:
    """End offset minus committed offset, per group and topic (end offsets of the embedded broker can be
    under-reported: treat the numbers as indicative there)."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    from pipeline.bus import client_config

    admin = KafkaAdminClient(**client_config(s))
    consumer = KafkaConsumer(**client_config(s), enable_auto_commit=False)
    try:
        out: dict[str, Any] = {}
        for group, attr in GROUP_TOPICS.items():
            topic = getattr(s, attr)
            parts = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            ends = consumer.end_offsets(tps) if tps else {}
            group_id = s.consumer_group(group)
            committed = admin.list_group_offsets({group_id: tps}).get(group_id, {}) if tps else {}
            lag = 0
            for tp in tps:
                done = committed.get(tp)
                lag += max(0, ends.get(tp, 0) - (done.offset if done is not None and done.offset >= 0 else 0))
            out[group] = {"topic": topic, "partitions": len(tps), "end": sum(ends.values()), "lag": lag}
        dlq = [TopicPartition(s.topic_dlq, p) for p in sorted(consumer.partitions_for_topic(s.topic_dlq) or set())]
        out["dead_letters"] = sum(consumer.end_offsets(dlq).values()) if dlq else 0
        return out
    finally:
        consumer.close()
        admin.close()


def index_counts(s: Settings) -> dict[str, Any]:
    """Documents per alias, and violent articles."""
    from pipeline.index.client import make_client
    from pipeline.index.setup import TEMPLATES, alias_name

    es = make_client(s)
    try:
        counts: dict[str, Any] = {}
        for name in TEMPLATES:
            alias = alias_name(name, s)
            counts[alias] = es.count(index=alias)["count"] if es.indices.exists_alias(name=alias) else None
        if counts.get(s.articles_alias):
            counts["violent_articles"] = es.count(index=s.articles_alias, query={"term": {"violent": True}})["count"]
        return counts
    finally:
        es.close()


def collect_status(s: Settings) -> dict[str, Any]:
    """Everything ``radar status`` shows; unreachable parts are reported as errors, not raised."""
    from pipeline.ingest.state import all_states
    from pipeline.stack import read_stack_state

    report: dict[str, Any] = {"kafka": s.kafka_bootstrap, "search": s.es_url}
    for key, fn in (("consumers", kafka_lag), ("indices", index_counts)):
        try:
            report[key] = fn(s)
        except Exception as exc:  # noqa: BLE001 - status must show what it can
            report[key] = {"error": f"{type(exc).__name__}: {exc}"}
    report["feeds"] = {name: st.model_dump(mode="json") for name, st in all_states(s).items()}
    report["processes"] = read_stack_state(s)
    return report


def format_status(report: dict[str, Any]) -> str:
    """Human-readable status."""
    lines = [f"Kafka {report['kafka']} · search {report['search']}", "", "Consumer groups:"]
    consumers = report["consumers"]
    if "error" in consumers:
        lines.append(f"  unreachable: {consumers['error']}")
    else:
        for group, info in consumers.items():
            if isinstance(info, dict):
                lines.append(f"  {group:<8} {info['topic']:<20} partitions={info['partitions']} "
                             f"end={info['end']} lag={info['lag']}")
        lines.append(f"  dead letters: {consumers.get('dead_letters', 0)}")
    lines += ["", "Indices:"]
    for name, count in report["indices"].items():
        lines.append(f"  {name:<22} {count}")
    lines += ["", "Feeds:"]
    for name, st in report["feeds"].items():
        err = f"  ERROR {st['last_error']}" if st.get("last_error") else ""
        lines.append(f"  {name:<28} last run {st.get('last_run') or '-'} · {st.get('last_status') or '-'} · "
                     f"sent {st.get('last_sent', 0)} (total {st.get('total_sent', 0)}){err}")
    if not report["feeds"]:
        lines.append("  no feed has run yet")
    lines += ["", *format_processes(report.get("processes"))]
    return "\n".join(lines)


def format_processes(state: dict[str, Any] | None) -> list[str]:
    """The ``radar up`` supervisor's processes: state, pid and restart count of each."""
    if not state:
        return ["Processes: no `radar up` has run with this data directory"]
    alive = "running" if state.get("launcher_alive") else "not running"
    lines = [f"Processes (radar up pid {state.get('launcher_pid')}, {alive}):"]
    for svc in state.get("services", []):
        exit_info = f" · last exit {svc['last_exit']}" if svc.get("last_exit") is not None else ""
        lines.append(f"  {svc['name']:<18} {svc['state']:<10} pid {svc.get('pid') or '-'} · "
                     f"restarts {svc['restarts']}{exit_info}")
    return lines
