"""Ingestion under hostile input: unknown encodings, trickling servers, non-web links, double-escaped
entities, redirects to loopback; one bad feed fails alone in `radar ingest` and the `radar up` poller."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
import yaml

from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.fetch import FeedError, fetch
from pipeline.ingest.normalize import html_to_text, normalize_entry
from pipeline.ingest.parse import Entry, parse_feed
from pipeline.ingest.poll import poll_feeds
from pipeline.ingest.state import load_state, save_state
from pipeline.schemas import RawArticle, load, utcnow
from pipeline.settings import PROJECT_ROOT, Settings
from tests.fetch.site import Site
from tests.helpers import consume_all

UNKNOWN_ENCODING = b"""<?xml version="1.0" encoding="x-unknown"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>http://e.com/a</link></item></channel></rss>"""
BAD_LINKS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>ok</title><link>https://news.example.org/ok</link><description>Fine.</description></item>
<item><title>f</title><link>file:///etc/passwd</link><description>x</description></item>
<item><title>j</title><link>javascript:alert(1)</link><description>x</description></item>
<item><title>d</title><link>data:text/html,hi</link><description>x</description></item>
<item><title>ftp</title><link>ftp://files.example.org/a</link><description>x</description></item>
</channel></rss>"""
FEED = FeedConfig(name="t", url="http://127.0.0.1/feed.xml")


@pytest.fixture(scope="module")
def site():
    other = Site()
    main = Site(redirect_target=f"{other.base}/feed.xml")
    yield main
    main.stop()
    other.stop()


def test_unknown_declared_encoding_is_a_feed_error():
    with pytest.raises(FeedError) as err:
        parse_feed("enc", UNKNOWN_ENCODING, 10)
    assert err.value.kind == "encoding" and "x-unknown" in str(err.value)


def test_entities_are_unescaped_once():
    assert html_to_text("A &amp;lt; B") == "A &lt; B"
    assert html_to_text("<p>A &amp;lt; B &amp; C</p>") == "A &lt; B & C"


@pytest.mark.parametrize("link", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x", "ftp://e.org/a", "//e.org/a"])
def test_only_http_links_become_articles(link):
    assert normalize_entry(Entry(link=link, title="t", html="b", published=None), FEED, 100) is None


def test_entries_carry_the_teaser_as_summary():
    art = normalize_entry(Entry(link="https://e.org/a", title="t", html="<p>Teaser.</p>", published=None), FEED, 100)
    assert (art.summary, art.body, art.text_source) == ("Teaser.", "Teaser.", "feed")


def test_a_trickling_feed_stops_at_the_total_deadline_and_says_so(site):
    started = time.monotonic()
    with pytest.raises(FeedError) as err:
        fetch("slow", f"{site.base}/trickle", s=Settings(feed_deadline_s=2.0, feed_timeout_s=1.0))
    took = time.monotonic() - started
    assert err.value.kind == "timeout" and took < 4, took
    assert "total deadline of 2s (RADAR_FEED_DEADLINE_S)" in str(err.value)


def test_feed_guard_refuses_loopback_and_cross_port_redirects(site):
    with pytest.raises(FeedError) as err:
        fetch("f", f"{site.base}/feed.xml", s=Settings(fetch_allow_private_networks=False))
    assert err.value.kind == "blocked" and "loopback" in str(err.value)
    guarded = Settings(fetch_allow_private_networks=False, fetch_allowed_private=[f"127.0.0.1:{site.port}"])
    with pytest.raises(FeedError) as err:
        fetch("f", f"{site.base}/to-other-port", s=guarded)
    assert err.value.kind == "blocked" and "loopback" in str(err.value)
    assert fetch("f", f"{site.base}/to-other-port", s=Settings(fetch_allow_private_networks=True)).status == 200


def _serve(tmp_path, files: dict[str, bytes]):
    from pipeline.demo import FeedServer

    www = tmp_path / "www"
    www.mkdir()
    for name, data in files.items():
        (www / name).write_bytes(data)
    server = FeedServer(www)
    return server, server.serve()


def test_one_bad_feed_fails_alone_in_the_cli_and_the_poller(radar_settings, tmp_path):
    from pipeline.bus import ensure_topics
    from pipeline.stack import stack_poll_feeds

    s = radar_settings
    ensure_topics(s)
    server, base = _serve(tmp_path, {"enc.xml": UNKNOWN_ENCODING, "links.xml": BAD_LINKS})
    try:
        feeds = [FeedConfig(name="enc", url=f"{base}/enc.xml"), FeedConfig(name="links", url=f"{base}/links.xml")]
        reports = poll_feeds(feeds, s)
        assert [r.status for r in reports] == ["failed", "ok"]
        assert "feed enc: encoding: unknown declared encoding" in reports[0].error
        assert reports[1].sent == 1 and len(reports[1].bad_links) == 4 and "non-http(s)" in str(reports[1])
        (rec,) = consume_all(s, s.topic_entries, 1)
        assert load(RawArticle, rec.value).url == "https://news.example.org/ok"

        path = tmp_path / "feeds.yaml"
        path.write_text(yaml.safe_dump({"feeds": [f.model_dump() for f in feeds]}))
        out = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", "--feeds", str(path)],
                             capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
        assert out.returncode == 1
        assert "FAILED feed enc: encoding" in out.stderr and "links: " in out.stdout

        # `radar up --no-airflow` polls at once at start, even feeds polled a minute ago, and survives the bad one
        state = load_state("links", s)
        state.last_run = utcnow() - timedelta(minutes=1)
        save_state("links", state, s)
        before = load_state("links", s).last_run
        stack_poll_feeds(s.model_copy(update={"feeds_file": path}), force=True)
        assert load_state("links", s).last_run > before
        assert load_state("enc", s).last_status == "encoding"
    finally:
        server.stop()


def test_broker_down_fails_the_poll_clearly_and_the_next_poll_sends(radar_settings, tmp_path):
    from pipeline.bus import ensure_topics
    from pipeline.stack import free_port

    s = radar_settings
    ensure_topics(s)
    server, base = _serve(tmp_path, {"links.xml": BAD_LINKS})
    try:
        feeds = [FeedConfig(name="down", url=f"{base}/links.xml")]
        (report,) = poll_feeds(feeds, s.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"}))
        assert report.status == "failed" and "broker unavailable" in report.error
        (report,) = poll_feeds(feeds, s)
        assert report.status == "ok" and report.sent == 1
        (rec,) = consume_all(s, s.topic_entries, 1)
        assert load(RawArticle, rec.value).url == "https://news.example.org/ok"
    finally:
        server.stop()
