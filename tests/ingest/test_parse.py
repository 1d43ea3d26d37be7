import pytest

from pipeline.ingest.fetch import FeedError
from pipeline.ingest.parse import parse_feed

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>http://e.com/1</link><pubDate>Sun, 22 Mar 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;First&lt;/p&gt;</description></item>
<item><title>Two</title><link>http://e.com/2</link><description>Second</description></item></channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2026-03-22T10:00:00Z</updated><entry><title>A</title><id>urn:a</id><link href="http://e.com/a"/>
<updated>2026-03-22T09:00:00+02:00</updated><content type="html">&lt;p&gt;Long content body&lt;/p&gt;</content>
<summary>short</summary></entry></feed>"""

RSS091 = b"""<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>t</title><link>http://e.com</link>
<description>d</description><item><title>Old</title><link>http://e.com/old</link><description>x</description></item></channel></rss>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]><rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title><link>http://e.com/1</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""


def test_rss2_entries_dates_and_html():
    entries = parse_feed("f", RSS2, 100)
    assert [e.title for e in entries] == ["One", "Two"]
    assert entries[0].published is not None and entries[0].published.isoformat() == "2026-03-22T10:00:00+00:00"
    assert entries[1].published is None


def test_atom_prefers_content_and_converts_to_utc():
    (entry,) = parse_feed("f", ATOM, 100)
    assert "Long content body" in entry.html
    assert entry.published.isoformat() == "2026-03-22T07:00:00+00:00"


def test_rss091_with_public_doctype_is_accepted():
    assert [e.title for e in parse_feed("f", RSS091, 100)] == ["Old"]


def test_max_entries_cap():
    assert len(parse_feed("f", RSS2, 1)) == 1


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_declarations_are_refused(payload):
    with pytest.raises(FeedError) as err:
        parse_feed("hostile", payload, 100)
    assert err.value.kind == "hostile-xml"
    assert "hostile" in str(err.value)


def test_malformed_xml_without_entries_is_an_error():
    with pytest.raises(FeedError) as err:
        parse_feed("broken", b"<rss><channel><title>oops</channel", 100)
    assert err.value.kind in {"malformed-xml", "not-a-feed"}


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedError):
        parse_feed("html", b"<!doctype html><html><body><p>Hello</p></body></html>", 100)


def test_undecodable_bytes_are_an_error():
    payload = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>t</title></channel></rss>'.encode("utf-8")
    with pytest.raises(FeedError) as err:
        parse_feed("enc", payload, 100)
    assert err.value.kind in {"encoding", "malformed-xml", "not-a-feed"}


def test_wrongly_declared_latin1_is_recovered():
    payload = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item>'
               '<title>Ataque en Le\u00f3n</title><link>http://e.com/leon</link></item></channel></rss>').encode("latin-1")
    (entry,) = parse_feed("latin", payload, 100)
    assert entry.title.startswith("Ataque en Le")
