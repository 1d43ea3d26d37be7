from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.normalize import article_id, canonical_url, html_to_text, normalize_entry
from pipeline.ingest.parse import Entry

FEED = FeedConfig(name="test-feed", url="http://127.0.0.1/feed.xml", tags=["world"])


def test_canonical_url_drops_tracking_fragment_default_port_and_www():
    a = canonical_url("HTTPS://www.Example.com:443/news/story/?utm_source=rss&b=2&a=1#top")
    assert a == "https://example.com/news/story?a=1&b=2"


def test_same_story_different_tracking_has_same_id():
    one = article_id(canonical_url("http://example.com/a?utm_medium=x"))
    two = article_id(canonical_url("http://EXAMPLE.com/a#comments"))
    assert one == two and len(one) == 32


def test_different_stories_have_different_ids():
    assert article_id(canonical_url("http://example.com/a")) != article_id(canonical_url("http://example.com/b"))


def test_html_to_text_removes_tags_scripts_and_entities():
    text = html_to_text("<p>Gunmen&nbsp;attacked <b>the</b> town.</p><script>alert(1)</script><p>Two died &amp; more.</p>")
    assert text == "Gunmen attacked the town.\n\nTwo died & more."


def test_normalize_entry_builds_raw_article():
    entry = Entry(link="http://www.example.com/x?utm_source=a", title="<b>Clash</b> in town", html="<p>Body text</p>",
                  published=datetime(2026, 3, 1, 12, tzinfo=timezone.utc), tags=["mexico"])
    art = normalize_entry(entry, FEED, 1000)
    assert art is not None
    assert art.url == "http://example.com/x"
    assert art.title == "Clash in town" and art.body == "Body text"
    assert art.feed == "test-feed" and art.source == "example.com"
    assert art.tags == ["mexico", "world"]
    assert art.published_at.tzinfo is not None


def test_normalize_entry_without_link_or_text_is_skipped():
    assert normalize_entry(Entry(link=None, title="t", html="b", published=None), FEED, 100) is None
    assert normalize_entry(Entry(link="http://e.com/1", title="", html=" ", published=None), FEED, 100) is None


def test_body_is_capped():
    art = normalize_entry(Entry(link="http://e.com/1", title="t", html="x" * 500, published=None), FEED, 100)
    assert art is not None and len(art.body) == 100


def test_the_feed_region_is_validated_and_travels_with_its_articles():
    feed = FeedConfig(name="ohio-local", url="http://127.0.0.1/feed.xml", region="us-oh")
    art = normalize_entry(Entry(link="http://e.com/1", title="Crash in Dublin", html="b", published=None), feed, 100)
    assert feed.region == "US-OH" and art is not None and art.region == "US-OH"
    assert normalize_entry(Entry(link="http://e.com/2", title="t", html="b", published=None), FEED, 100).region is None
    with pytest.raises(ValidationError, match="ISO 3166"):
        FeedConfig(name="bad", url="http://127.0.0.1/feed.xml", region="Ohio")
