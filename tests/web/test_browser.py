"""The search page in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright), on the
live pipeline of conftest.py. Screenshots go to tests/artifacts/ (gitignored)."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator

import pytest

from pipeline.schemas import RawArticle, utcnow
from tests.web.conftest import ARTIFACTS, LivePipeline

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MADERA = "Police officers in Mexico caught in gun battle with cartel gunmen"
LIVE_ALERT_S = 2.0

if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing: `make browser` (apt-get install chromium chromium-driver)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    profile = tempfile.mkdtemp(prefix="radar-chromium-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS, headless=True,
                                                        viewport={"width": 1440, "height": 960})
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, live: LivePipeline) -> Iterator:
    page = browser.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: page.problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    page.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let marker and popup animations settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def result(page, title: str):
    return page.locator(".result", has=page.locator("h3", has_text=title))


def test_search_cartel_shows_madera_in_the_list_and_on_the_map(page, live):
    page.goto(f"{live.url}/?q=cartel")
    row = result(page, MADERA)
    row.wait_for()
    assert "Madera, Chihuahua, MX" in row.locator(".meta").inner_text()
    assert row.locator("mark").first.inner_text().lower() == "cartel"
    page.locator("#map path.country").first.wait_for(state="attached")  # Natural Earth boundaries drawn
    assert page.locator("#map path.country").count() > 200
    assert page.locator("#map path.marker, #map .cluster").count() >= 1
    assert page.locator("#legend .legend-item").count() == 7
    row.locator(".show-on-map").click()
    popup = page.locator("#map .leaflet-popup-content")
    popup.wait_for()
    assert MADERA in popup.inner_text() and "Madera, Chihuahua, MX" in popup.inner_text() and "Battles" in popup.inner_text()
    assert page.locator("#timeline rect.bar").count() >= 1
    shot(page, "search-cartel")
    assert not page.problems, page.problems


def test_a_facet_narrows_the_list_and_goes_into_the_url(page, live):
    page.goto(live.url + "/")
    page.locator(".result").first.wait_for()
    before = page.locator(".result").count()
    page.locator('ul[data-facet="country"] label', has_text="MX").locator("input").check()
    page.wait_for_url(re.compile(r"country=MX"))
    page.locator(".chip", has_text="Country: MX").wait_for()
    page.wait_for_function("document.querySelectorAll('.result').length > 0 && !document.body.classList.contains('loading')")
    metas = page.locator(".result .meta").all_inner_texts()
    assert 0 < len(metas) < before and all(m.rstrip().split(" · ")[2].endswith("MX") for m in metas), metas
    assert re.match(r"\d+ articles?", page.locator("#result-count").text_content())
    shot(page, "facet-country-mx")
    page.goto(page.url)  # a shared link shows the same view
    page.locator(".chip", has_text="Country: MX").wait_for()
    assert page.locator('ul[data-facet="country"] input:checked').count() == 1
    assert not page.problems, page.problems


def test_incident_page_shows_type_place_actors_articles_and_alerts(page, live):
    page.goto(f"{live.url}/?q=cartel")
    result(page, MADERA).locator(".incident-link").click()
    page.wait_for_url(re.compile(r"/incident/"))
    page.locator("#head h1").wait_for()
    assert page.locator("#head h1").inner_text() == MADERA
    assert "Battles · Armed clash" in page.locator("#head .badge").inner_text()
    assert "Madera, Chihuahua, MX" in page.locator("#head .meta").inner_text()
    rows = {tuple(c.text_content() for c in r.locator("td").all()) for r in page.locator("#actors tbody tr").all()}
    assert ("Police", "State forces", "target") in rows and ("Juárez Cartel", "Criminal groups", "initiator") in rows
    assert page.locator("#articles tbody tr").count() >= 1
    assert page.locator("#alerts .alert").count() >= 1
    page.locator("#incident-map path.country").first.wait_for(state="attached")
    page.locator("#incident-map path.admin1").first.wait_for(state="attached")  # zoomed in: states drawn too
    assert page.locator("#incident-map .leaflet-tooltip", has_text="Madera").count() == 1
    shot(page, "incident-madera")
    assert not page.problems, page.problems


def _alert_ids(live: LivePipeline) -> set[str]:
    from pipeline.web import data
    from pipeline.index.client import make_client

    es = make_client(live.s)
    try:
        return {a["id"] for a in data.alerts(es, live.s, size=500)}
    finally:
        es.close()


def test_a_new_alert_appears_live_without_reload(page, live):
    page.goto(live.url + "/")
    page.locator("#live.on").wait_for(timeout=10_000)
    page.evaluate("window.__sameDocument = true")
    known = _alert_ids(live)
    live.produce(RawArticle(
        id="web-live-1", url="https://example-diario.test/aguililla-emboscada", source="example-diario.test",
        title="Gunmen kill five police officers in ambush near Aguililla, Michoacán",
        body="Gunmen ambushed a state police patrol near Aguililla, in the western Mexican state of Michoacán, on "
             "Tuesday, killing five officers, state prosecutors said. The attackers fled into the hills.",
        published_at=utcnow()))
    deadline = time.monotonic() + 120
    while not (new := _alert_ids(live) - known):
        assert time.monotonic() < deadline, "the alert worker sent no alert for the new article"
        time.sleep(0.1)
    seen_in_index = time.monotonic()
    alert_id = sorted(new)[0]
    page.locator(f'#alerts .alert[data-id="{alert_id}"]').wait_for(timeout=LIVE_ALERT_S * 1000)
    latency = time.monotonic() - seen_in_index
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert "Aguililla" in page.locator(f'#alerts .alert[data-id="{alert_id}"]').inner_text()
    print(f"live alert shown {latency:.2f}s after it was in the alerts index")
    shot(page, "live-alert")
    assert not page.problems, page.problems


def test_a_hostile_title_is_text_and_no_script_runs(page, live):
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Gunmen torch market in Culiacán'
    live.produce(RawArticle(
        id="web-hostile-1", url="javascript:window.__pwned = 3", source="hostile.test", title=hostile,
        body='Gunmen set fire to a market in Culiacán, Sinaloa. <script>window.__pwned = 4</script> '
             '<a href="javascript:window.__pwned = 5">click</a>',
        published_at=utcnow()))
    live.wait_for("articles", 1, query={"term": {"id": "web-hostile-1"}})
    page.goto(f"{live.url}/?q=torch+market+Culiac%C3%A1n")
    row = result(page, "Gunmen torch market")
    row.wait_for()
    title = row.locator("h3").inner_text()
    assert "<script>" in title and "onerror" in title, title  # shown as text
    assert row.locator("h3 a").count() == 0  # a javascript: URL is never a link
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("#results script, #results img").count() == 0
    row.locator("h3").click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "hostile-title")
    assert not [p for p in page.problems if "pwned" in p], page.problems
