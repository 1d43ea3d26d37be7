"""Format and consistency checks for the labelled evaluation sets in ``tests/data``.

``devset.jsonl`` measures the enricher (event type, place, actors, numbers, dates) and
``clusters.jsonl`` measures incident clustering. The rules checked here are the ones written in
``tests/data/ANNOTATION.md``; the count table in that guide is checked against the data.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.schemas import ACTOR_CATEGORIES, EVENT_TYPES

DATA = Path(__file__).parent / "data"
DEVSET = DATA / "devset.jsonl"
CLUSTERS = DATA / "clusters.jsonl"
GUIDE = DATA / "ANNOTATION.md"

TOP_KEYS = {"id", "title", "body", "published", "source", "label", "tags"}
LABEL_KEYS = {
    "violent", "event_type", "sub_event_type", "location", "location_precision", "other_locations",
    "actors", "fatalities", "injured", "event_date", "event_date_precision", "events", "language", "notes",
}
LOCATION_KEYS = {"name", "country_code", "admin1", "lat", "lon"}
ACTOR_KEYS = {"name", "category", "role"}
ROLES = {"initiator", "target", "other"}
GEO_PRECISIONS = {"city", "admin1", "country"}
DATE_PRECISIONS = {"day", "week", "month"}
LANGUAGES = {"en", "es", "fr"}
VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Riots"}
VIOLENT_PROTESTS = {"Protest with intervention", "Excessive force against protesters"}
COMMON_SUBTYPES = (
    "Armed clash", "Attack", "Air/drone strike", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Suicide bomb", "Abduction/forced disappearance", "Sexual violence",
    "Peaceful protest", "Protest with intervention", "Excessive force against protesters",
    "Violent demonstration", "Mob violence", "Arrests", "Agreement", "Looting/property destruction", "Grenade",
    "Government regains territory", "Non-state actor overtakes territory",
)
REGION_TAGS = ("latam", "mexico", "africa", "sahel", "nigeria", "sudan", "drc", "somalia", "middle-east", "syria",
               "iraq", "yemen", "lebanon", "israel-palestine", "south-asia", "pakistan", "afghanistan", "india",
               "europe", "ukraine", "us")
COUNTS_BLOCK = re.compile(r"<!-- counts:begin -->(.*?)<!-- counts:end -->", re.S)


def _load(path: Path) -> list[dict]:
    items = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{lineno}: blank line"
        items.append(json.loads(line))
    return items


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return _load(DEVSET)


@pytest.fixture(scope="module")
def clusters() -> list[dict]:
    return _load(CLUSTERS)


def _km(a: dict, b: dict) -> float:
    """Great-circle distance between two label locations."""
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _check_item(item: dict, min_words: int) -> None:
    """Every rule that applies to one labelled article (shared by both files)."""
    iid = item["id"]
    assert TOP_KEYS <= item.keys(), f"{iid}: missing {TOP_KEYS - item.keys()}"
    lab = item["label"]
    assert LABEL_KEYS <= lab.keys(), f"{iid}: label missing {LABEL_KEYS - lab.keys()}"
    assert item["title"].strip() and item["source"].strip()
    words = len(item["body"].split())
    assert min_words <= words <= 180, f"{iid}: body has {words} words"
    published = datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
    assert published.tzinfo is not None, f"{iid}: published must carry a timezone"
    assert lab["language"] in LANGUAGES
    assert ("non-english" in item["tags"]) == (lab["language"] != "en"), iid
    assert isinstance(lab["events"], int) and (lab["events"] >= 1) == (lab["event_type"] is not None), iid
    assert ("multi-event" in item["tags"]) == (lab["events"] > 1), iid
    assert isinstance(lab["other_locations"], list) and isinstance(lab["notes"], str) and lab["notes"]

    et, st = lab["event_type"], lab["sub_event_type"]
    if et is None:
        assert st is None and lab["violent"] is False, f"{iid}: no event must be non-violent"
        assert lab["location"] is None and lab["location_precision"] is None, iid
        assert lab["event_date"] is None and lab["event_date_precision"] is None, iid
        assert lab["actors"] == [] and lab["fatalities"] is None and lab["injured"] is None, iid
        return
    assert et in EVENT_TYPES and st in EVENT_TYPES[et], f"{iid}: bad type {et!r}/{st!r}"
    violent = et in VIOLENT_TYPES or st in VIOLENT_PROTESTS
    assert lab["violent"] is violent, f"{iid}: violent flag contradicts {et}/{st}"
    assert "hard-negative" not in item["tags"] or not lab["violent"], iid

    loc = lab["location"]
    assert isinstance(loc, dict) and LOCATION_KEYS <= loc.keys(), iid
    assert -90 <= loc["lat"] <= 90 and -180 <= loc["lon"] <= 180, iid
    assert re.fullmatch(r"[A-Z]{2}", loc["country_code"]), iid
    assert lab["location_precision"] in GEO_PRECISIONS, iid
    assert (loc["admin1"] is None) == (lab["location_precision"] == "country"), iid

    assert lab["actors"], f"{iid}: an event needs at least one actor"
    for actor in lab["actors"]:
        assert ACTOR_KEYS <= actor.keys() and actor["name"], iid
        assert actor["category"] in ACTOR_CATEGORIES, f"{iid}: category {actor['category']!r}"
        assert actor["role"] in ROLES, iid
    for key in ("fatalities", "injured"):
        assert lab[key] is None or (isinstance(lab[key], int) and lab[key] >= 0), iid

    assert lab["event_date_precision"] in DATE_PRECISIONS, iid
    day = date.fromisoformat(lab["event_date"])
    assert day <= published.date(), f"{iid}: event after publication"
    if lab["event_date_precision"] == "week":
        assert day.weekday() == 0, f"{iid}: week precision dates are Mondays"
    if lab["event_date_precision"] == "month":
        assert day.day == 1, f"{iid}: month precision dates are the 1st"


def test_devset_items_valid(dev: list[dict]) -> None:
    ids = [i["id"] for i in dev]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert all(re.fullmatch(r"dev-\d{3}", i) for i in ids)
    for item in dev:
        _check_item(item, min_words=60)


def test_devset_size_and_minimums(dev: list[dict]) -> None:
    tags = Counter(t for i in dev for t in i["tags"])
    assert len(dev) >= 170
    assert sum(1 for i in dev if "hard-negative" in i["tags"] and not i["label"]["violent"]) >= 45
    assert tags["place-ambiguity"] >= 20
    assert tags["numbers-not-fatalities"] >= 15 and tags["numbers-in-words"] >= 15
    assert sum(1 for i in dev if i["label"]["events"] == 2) >= 10
    assert tags["relative-date"] >= 30 and tags["multi-actor"] >= 10
    assert {i["label"]["language"] for i in dev} == LANGUAGES
    assert tags["reference-story"] == 1
    assert all(tags[r] >= 1 for r in REGION_TAGS)


def test_devset_covers_taxonomy(dev: list[dict]) -> None:
    types = Counter(i["label"]["event_type"] for i in dev)
    subs = Counter(i["label"]["sub_event_type"] for i in dev)
    assert set(EVENT_TYPES) <= set(types)
    missing = [s for s in COMMON_SUBTYPES if subs[s] < 2]
    assert not missing, f"fewer than 2 examples of {missing}"
    all_subs = {s for group in EVENT_TYPES.values() for s in group}
    assert len(all_subs & set(subs)) == len(all_subs), f"uncovered: {all_subs - set(subs)}"
    precisions = Counter(i["label"]["event_date_precision"] for i in dev)
    assert precisions["week"] >= 2 and precisions["month"] >= 2


def test_reference_story(dev: list[dict]) -> None:
    ref = next(i for i in dev if "reference-story" in i["tags"])
    lab = ref["label"]
    assert (lab["location"]["name"], lab["location"]["country_code"], lab["location"]["admin1"]) == (
        "Madera", "MX", "Chihuahua")
    cats = {a["category"] for a in lab["actors"]}
    assert {"State forces", "Criminal groups"} <= cats and lab["violent"]


def test_clusters_items_valid(clusters: list[dict]) -> None:
    ids = [i["id"] for i in clusters]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert all(re.fullmatch(r"clu-\d{3}", i) for i in ids)
    for item in clusters:
        assert re.fullmatch(r"inc-\d{2}", item.get("incident", "")), item["id"]
        _check_item(item, min_words=20)


def test_clusters_structure(clusters: list[dict]) -> None:
    groups: dict[str, list[dict]] = {}
    for item in clusters:
        groups.setdefault(item["incident"], []).append(item)
    sizes = Counter(len(g) for g in groups.values())
    assert sum(n for size, n in sizes.items() if size >= 2) >= 8 and sizes[1] >= 5
    assert max(sizes) <= 5
    for inc, members in groups.items():
        if len(members) < 2:
            continue
        assert len({m["source"] for m in members}) == len(members), f"{inc}: outlets must differ"
        labels = [m["label"] for m in members]
        assert len({lab["event_date"] for lab in labels}) == 1, f"{inc}: one incident, one date"
        assert all(_km(labels[0]["location"], lab["location"]) < 25 for lab in labels), inc
    tolls = [g for g in groups.values() if len({m["label"]["fatalities"] for m in g} - {None}) >= 2]
    assert len(tolls) >= 4, "expected several incidents with a rising death toll"


def test_clusters_nearby_incidents_are_distinct(clusters: list[dict]) -> None:
    nearby = [i for i in clusters if "nearby-distinct" in i["tags"]]
    assert len({i["incident"] for i in nearby}) >= 4
    for item in nearby:
        lab = item["label"]
        day = date.fromisoformat(lab["event_date"])
        twins = [
            o for o in clusters
            if o["incident"] != item["incident"] and o["label"]["location"] is not None
            and abs((date.fromisoformat(o["label"]["event_date"]) - day).days) <= 1
            and _km(lab["location"], o["label"]["location"]) < 300
        ]
        assert twins, f"{item['id']}: a nearby-distinct item needs a close incident to be confused with"


def _count_rows(dev: list[dict]) -> dict[str, int]:
    rows: Counter[str] = Counter()
    for item in dev:
        lab = item["label"]
        rows[f"type:{lab['event_type'] or 'none'}"] += 1
        if lab["sub_event_type"]:
            rows[f"sub:{lab['sub_event_type']}"] += 1
        rows[f"violent:{str(lab['violent']).lower()}"] += 1
        rows[f"language:{lab['language']}"] += 1
        for tag in item["tags"]:
            rows[f"tag:{tag}"] += 1
    rows["total"] = len(dev)
    return dict(rows)


def test_guide_count_table_matches_data(dev: list[dict]) -> None:
    block = COUNTS_BLOCK.search(GUIDE.read_text(encoding="utf-8"))
    assert block, "ANNOTATION.md lacks the counts block"
    written = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|", block.group(1), re.M)
    }
    assert written == _count_rows(dev)
