"""The ``alert`` worker: incident tracker + alerter in consumer group ``<prefix>alert`` on
``articles.enriched``.

    python -m pipeline.alert.worker [--max-records N] [--idle-exit SECONDS]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from pipeline import bus
from pipeline.alert.delivery import Dispatcher, Ledger
from pipeline.alert.rules import AlertsConfig, load_config
from pipeline.alert.silences import Silences
from pipeline.alert.sinks import build_sinks
from pipeline.alert.state import changelog_topic
from pipeline.alert.tracker import IncidentTracker
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name, setup_indices, wait_for_search
from pipeline.settings import Settings, get_settings
from pipeline.stream import StreamWorker, WorkerStats

log = logging.getLogger(__name__)


class AlertWorker(StreamWorker):
    """A :class:`StreamWorker` that also runs the delivery threads."""

    def __init__(self, s: Settings, tracker: IncidentTracker) -> None:
        super().__init__("alert", s.consumer_group("alert"), [s.topic_enriched], tracker.handle, s)
        self.tracker = tracker

    def partitions_revoked(self, revoked: list[Any]) -> None:
        """Drop the incident state and queued deliveries of partitions now owned by another worker."""
        self.tracker.revoked([tp.partition for tp in revoked])

    def run(self, max_records: int | None = None, idle_exit_s: float | None = None) -> WorkerStats:
        """Consume until stopped; undelivered alerts resume as each partition's state is restored."""
        t = self.tracker
        t.dispatcher.start()
        try:
            return super().run(max_records=max_records, idle_exit_s=idle_exit_s)
        finally:
            t.dispatcher.stop()
            t.state.close()


def ensure_alert_topics(s: Settings) -> list[str]:
    """Create the incidents and alerts topics and the compacted incident changelog (with the
    pipeline's topics) if missing."""
    extra = list(dict.fromkeys([*s.extra_topics, s.topic_incidents, s.topic_alerts]))
    return bus.ensure_topics(s.model_copy(update={"extra_topics": extra}), compacted=(changelog_topic(s),))


def alert_worker(s: Settings | None = None, config: AlertsConfig | None = None) -> AlertWorker:
    """The alert worker, wired from settings and ``alerts_file`` (validated: bad rules fail here)."""
    s = s or get_settings()
    config = config or load_config(s.alerts_file)
    es = make_client(s)
    wait_for_search(es, s.startup_timeout_s)
    setup_indices(es, s)
    ensure_alert_topics(s)
    ledger = Ledger(es, s, Archive("alerts", s) if s.archive_enabled else None)
    dispatcher = Dispatcher(build_sinks(config, s), ledger, s)
    archive = Archive("incidents", s) if s.archive_enabled else None
    links_archive = Archive("links", s) if s.archive_enabled else None
    tracker = IncidentTracker(es, s, config, ledger, dispatcher, archive, links_archive,
                              silences=Silences(es, s), rule_archive=Archive("rulestate", s) if s.archive_enabled else None)
    log.info("alert worker: %d rule(s), sinks %s, incidents in %s", len(config.active_rules),
             ", ".join(dispatcher.sinks) or "none", alias_name("incidents", s))
    return AlertWorker(s, tracker)


def main(argv: list[str] | None = None) -> int:
    """Run the alert worker process."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--max-records", type=int, default=None)
    p.add_argument("--idle-exit", type=float, default=None, help="exit after this many idle seconds")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    stats = alert_worker().run(max_records=args.max_records, idle_exit_s=args.idle_exit)
    print(json.dumps({"worker": "alert", **stats.__dict__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
