"""ArticleFetcher against the hostile local site: every case gives the full text or the teaser with a
clear reason, within its limits."""

from __future__ import annotations

import time

import pytest

from pipeline.fetch.article import ArticleFetcher
from pipeline.ingest.normalize import article_id
from pipeline.schemas import RawArticle
from pipeline.settings import Settings
from tests.fetch.site import CANONICAL, DEEP_SENTENCE, TEASER, Site


@pytest.fixture(scope="module")
def site():
    other = Site()
    main = Site(redirect_target=f"{other.base}/article")
    yield main
    main.stop()
    other.stop()


def settings(**kw) -> Settings:
    base = dict(fetch_allow_private_networks=True, fetch_per_host_delay_s=0.0, fetch_deadline_s=5.0,
                fetch_read_timeout_s=3.0, fetch_max_bytes=2_000_000, fetch_backoff_s=0.1)
    return Settings(**{**base, **kw})


def entry(url: str) -> RawArticle:
    return RawArticle(id=article_id(url), url=url, title="Story", body=TEASER, summary=TEASER, text_source="feed")


def outcome(site: Site, path: str, **kw):
    fetcher = ArticleFetcher(settings(**kw))
    try:
        return fetcher.fetch(entry(site.base + path))
    finally:
        fetcher.close()


def test_boilerplate_page_gives_main_text_metadata_and_canonical_url(site):
    out = outcome(site, "/article?utm_source=rss")
    a = out.article
    assert a.text_source == "article" and a.fetch_error is None
    assert DEEP_SENTENCE in a.body and a.summary == TEASER
    for junk in ("cookies", "Cotton harvest", "Very sad news", "Privacy", "Podcasts"):
        assert junk not in a.body, junk
    assert a.url == "https://news.example.org/2026/mali-checkpoint-attack" == CANONICAL
    assert a.source == "news.example.org" and a.language == "en"
    assert out.canonical[0] == CANONICAL


def test_amp_page(site):
    a = outcome(site, "/amp").article
    assert a.text_source == "article" and DEEP_SENTENCE in a.body
    assert "newsletter" not in a.body.lower() and "cookies" not in a.body


@pytest.mark.parametrize(("path", "reason"), [
    ("/paywall", "paywall"),
    ("/missing", "HTTP 404"),
    ("/broken", "HTTP 500"),
    ("/report.pdf", "application/pdf"),
    ("/private/story", "disallowed"),
    ("/huge", "more than 2000000 bytes"),
    ("/bomb", "after decompression"),
])
def test_failures_fall_back_to_the_teaser_with_the_reason(site, path, reason):
    a = outcome(site, path).article
    assert a.text_source == "feed" and a.body == TEASER and a.summary == TEASER
    assert reason in (a.fetch_error or ""), a.fetch_error


def test_trickling_page_stops_at_the_total_deadline(site):
    started = time.monotonic()
    a = outcome(site, "/trickle", fetch_deadline_s=2.0, fetch_read_timeout_s=1.0).article
    took = time.monotonic() - started
    assert a.text_source == "feed" and "total deadline of 2s" in a.fetch_error and "RADAR_FETCH_DEADLINE_S" in a.fetch_error
    assert took < 5, took


def test_headers_trickled_byte_by_byte_also_stop_at_the_deadline(site):
    started = time.monotonic()
    a = outcome(site, "/slow-headers", fetch_deadline_s=1.5, fetch_read_timeout_s=1.0).article
    assert "total deadline" in a.fetch_error and time.monotonic() - started < 4


def test_retry_after_is_honoured(site):
    started = time.monotonic()
    a = outcome(site, "/busy").article
    assert a.text_source == "article" and site.hits["/busy"] == 2
    assert time.monotonic() - started >= 1.0  # Retry-After: 1, not the 0.1 s backoff


def test_too_long_retry_after_gives_up(site):
    a = outcome(site, "/busy-forever", fetch_max_retry_after_s=0.5).article
    assert a.text_source == "feed" and "HTTP 404" in a.fetch_error  # unknown path: no retry on 404


def test_redirect_is_followed_and_checked(site):
    a = outcome(site, "/hop").article
    assert a.text_source == "article" and site.hits["/article-after-hop"] >= 1


def test_redirect_to_loopback_is_refused_with_the_guard_on(site):
    s = dict(fetch_allow_private_networks=False, fetch_allowed_private=[f"127.0.0.1:{site.port}"])
    a = outcome(site, "/to-other-port", **s).article
    assert a.text_source == "feed"
    assert "loopback" in a.fetch_error and "RADAR_FETCH_ALLOW_PRIVATE_NETWORKS" in a.fetch_error, a.fetch_error


def test_the_guard_refuses_loopback_pages():
    fetcher = ArticleFetcher(settings(fetch_allow_private_networks=False))
    try:
        for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x", "http://169.254.169.254/latest/meta-data"):
            a = fetcher.fetch(entry(url)).article
            assert a.text_source == "feed" and "blocked" in a.fetch_error, (url, a.fetch_error)
        a = fetcher.fetch(entry("file:///etc/passwd")).article
        assert "not an http(s) URL" in a.fetch_error
    finally:
        fetcher.close()


def test_politeness_user_agent_and_min_delay_per_host(site):
    fetcher = ArticleFetcher(settings(fetch_per_host_delay_s=0.5, fetch_user_agent="RadarTest/1 (+https://example.org/contact)"))
    try:
        for _ in range(3):
            fetcher.fetch(entry(site.base + "/article?n=polite"))
    finally:
        fetcher.close()
    starts = [t for p, t in site.times if p == "/article?n=polite"]
    assert len(starts) == 3
    assert all(b - a >= 0.45 for a, b in zip(starts, starts[1:])), starts
    assert "RadarTest/1 (+https://example.org/contact)" in site.agents
