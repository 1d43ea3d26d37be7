"""A worker process drains and commits on SIGTERM: a successor in its group finds nothing left to do."""

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline import bus
from pipeline.schemas import EnrichedArticle, dump
from pipeline.settings import PROJECT_ROOT
from pipeline.workers import index_worker
from tests.helpers import produce_raw

pytestmark = pytest.mark.e2e


def test_sigterm_drains_commits_and_exits_cleanly(radar_settings):
    s = radar_settings
    bus.ensure_topics(s)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "worker", "index"], cwd=PROJECT_ROOT,
                            env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        docs = [EnrichedArticle(id=f"term-{i}", title=f"Story {i}", body="Text.") for i in range(6)]
        produce_raw(s, s.topic_enriched, [(d.id, dump(d)) for d in docs])
        from pipeline.index.client import make_client

        es = make_client(s)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if es.indices.exists_alias(name=s.articles_alias):
                es.indices.refresh(index=s.articles_alias)
                if es.count(index=s.articles_alias)["count"] == 6:
                    break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert '"records": 6' in out
    successor = index_worker(s).run(idle_exit_s=12)
    assert successor.records == 0
