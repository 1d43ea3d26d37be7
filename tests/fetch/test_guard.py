"""The SSRF guard's address rules and the Retry-After parser (no network)."""

from datetime import timedelta
from email.utils import format_datetime

import pytest

from pipeline.ingest.guard import BlockedURL, Guard
from pipeline.ingest.http import retry_after_s
from pipeline.schemas import utcnow

ON = Guard(allow_private=False, allowed_ports=frozenset({80, 443}))


@pytest.mark.parametrize(("ip", "why"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "cloud metadata"), ("169.254.10.1", "link-local"),
    ("::ffff:127.0.0.1", "loopback"), ("0.0.0.0", "unspecified"), ("100.64.1.1", "non-global"),
    ("fc00::1", "private"), ("224.0.0.1", "multicast"),
])
def test_private_addresses_are_refused(ip, why):
    with pytest.raises(BlockedURL) as err:
        ON.check_address(ip, 80)
    assert why in str(err.value), str(err.value)


def test_public_addresses_pass_on_allowed_ports_only():
    ON.check_address("93.184.216.34", 443)
    with pytest.raises(BlockedURL, match="port 6379"):
        ON.check_address("93.184.216.34", 6379)


def test_switches_and_exact_allowances():
    Guard(allow_private=True).check_address("127.0.0.1", 6379)
    Guard(allowed_private=frozenset({"10.0.0.5:8080"})).check_address("10.0.0.5", 8080)
    with pytest.raises(BlockedURL):
        Guard(allowed_private=frozenset({"10.0.0.5:8080"})).check_address("10.0.0.5", 8081)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://e.org/", "javascript:alert(1)", "gopher://e.org/",
                                 "http://user:pw@e.org/", "http:///nohost", "http://e.org:99999/"])
def test_urls_other_than_plain_http_are_refused(url):
    with pytest.raises(BlockedURL):
        ON.check_url(url)


def test_retry_after_seconds_and_http_date():
    assert retry_after_s("7") == 7.0
    later = retry_after_s(format_datetime(utcnow() + timedelta(seconds=30), usegmt=True))
    assert 25 <= later <= 31
    assert retry_after_s("soon") is None and retry_after_s(None) is None
