"""End to end on real components: feed (teaser only) → ingest → Kafka → fetch worker (article page) →
enrich → index → `radar search` finds a sentence that only the article body holds."""

import json
import subprocess
import sys

import pytest

from pipeline import bus
from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.poll import poll_feeds
from pipeline.settings import PROJECT_ROOT
from pipeline.workers import enrich_worker, fetch_worker, index_worker
from tests.fetch.site import DEEP_SENTENCE, TEASER, Site

pytestmark = pytest.mark.e2e


def test_a_sentence_deep_in_the_article_is_searchable(radar_settings):
    s = radar_settings
    bus.ensure_topics(s)
    site = Site()
    site.feed_paths = ["/article?utm_source=rss", "/alias", "/missing"]
    try:
        (report,) = poll_feeds([FeedConfig(name="sahel", url=f"{site.base}/feed.xml")], s)
        assert report.sent == 3, report
        assert fetch_worker(s).run(max_records=3, idle_exit_s=40).records == 3
    finally:
        site.stop()
    # /alias has the same canonical URL as /article: one article; /missing keeps its teaser
    assert enrich_worker(s).run(max_records=2, idle_exit_s=40).records == 2
    assert index_worker(s).run(max_records=2, idle_exit_s=40).records == 2

    assert "Tessalit" not in TEASER and "Tessalit" in DEEP_SENTENCE
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "search", "shepherd Tessalit riverbed", "--json"],
                         capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["total"] == 1, result
    hit = result["hits"][0]
    assert hit["url"] == "https://news.example.org/2026/mali-checkpoint-attack"
    assert hit["text_source"] == "article" and hit["summary"] == TEASER
    assert "Tessalit" in " ".join(hit["highlight"]["body"])
    assert hit["violent"] is True and hit["location"]["country_code"] == "ML"
