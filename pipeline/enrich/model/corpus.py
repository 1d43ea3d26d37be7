"""The event-model training corpus: loading, validation, the frozen test split, public additions.

The corpus lives in ``corpus/events/*.jsonl`` (written for this project; see ``corpus/README.md``).
Its test split is frozen by rule: an item is in ``test`` when the first byte of the SHA-1 of its id
is below 52 (about 20 %). The rule never changes, so the split never moves when items are added.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.schemas import EVENT_TYPES
from pipeline.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "corpus" / "events"
STYLES = ("headline", "teaser", "wire", "article", "sitrep", "translated")
REGIONS = ("latam", "sahel", "horn", "middle_east", "south_asia", "ukraine_russia", "us", "europe",
           "east_africa", "central_africa", "southeast_asia", "other")
NO_EVENT = "none"
VIOLENT_SUBTYPES = frozenset(
    [s for t in ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots") for s in EVENT_TYPES[t]]
    + ["Protest with intervention", "Excessive force against protesters"]
)
SUB_TO_TYPE = {s: t for t, subs in EVENT_TYPES.items() for s in subs}
LABELS: tuple[str, ...] = (NO_EVENT, *SUB_TO_TYPE)  # the model's classes: 25 sub-types and no event
TEST_BYTE_BELOW = 52
GED_TRAIN_BEFORE = "2018-01-01"  # GED Syria events before this date may train; later ones are held out


class CorpusError(ValueError):
    """A corpus record breaks the format (the message names the file and line)."""


@dataclass(frozen=True)
class Item:
    """One labelled text."""

    id: str
    title: str
    body: str
    label: str  # a sub-event type or NO_EVENT
    style: str = "wire"
    region: str = "other"
    source: str = "corpus"  # "corpus" or "ged"

    @property
    def event_type(self) -> str | None:
        return SUB_TO_TYPE.get(self.label)

    @property
    def violent(self) -> bool:
        return self.label in VIOLENT_SUBTYPES

    @property
    def split(self) -> str:
        return split_of(self.id)


def split_of(item_id: str) -> str:
    """``test`` or ``train``: the frozen split of an item id."""
    return "test" if hashlib.sha1(item_id.encode("utf-8")).digest()[0] < TEST_BYTE_BELOW else "train"


def _item(rec: dict, where: str) -> Item:
    for key in ("id", "title", "body", "style", "region", "violent", "event_type", "sub_event_type"):
        if key not in rec:
            raise CorpusError(f"{where}: missing field {key!r}")
    sub, etype = rec["sub_event_type"], rec["event_type"]
    if sub is None or etype is None:
        if sub is not None or etype is not None or rec["violent"]:
            raise CorpusError(f"{where}: no-event items need event_type, sub_event_type null and violent false")
        label = NO_EVENT
    else:
        if SUB_TO_TYPE.get(sub) != etype:
            raise CorpusError(f"{where}: sub_event_type {sub!r} is not a sub-type of {etype!r}")
        if bool(rec["violent"]) != (sub in VIOLENT_SUBTYPES):
            raise CorpusError(f"{where}: violent={rec['violent']} contradicts sub-type {sub!r}")
        label = sub
    if rec["style"] not in STYLES:
        raise CorpusError(f"{where}: style {rec['style']!r} not one of {STYLES}")
    if rec["region"] not in REGIONS:
        raise CorpusError(f"{where}: region {rec['region']!r} not one of {REGIONS}")
    if not (rec["title"] or rec["body"]).strip():
        raise CorpusError(f"{where}: empty text")
    return Item(str(rec["id"]), rec["title"], rec["body"], label, rec["style"], rec["region"])


def load_corpus(directory: Path = CORPUS_DIR) -> list[Item]:
    """Every item of ``directory/*.jsonl``, validated; ids unique; sorted by id (deterministic)."""
    items: dict[str, Item] = {}
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no corpus files in {directory}")
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{n}"
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{where}: not JSON ({exc.msg})") from exc
                item = _item(rec, where)
                if item.id in items:
                    raise CorpusError(f"{where}: duplicate id {item.id!r}")
                items[item.id] = item
    return [items[k] for k in sorted(items)]


_USABLE = re.compile(r"[A-Za-z]{3,}")


def ged_file() -> Path:
    """The UCDP GED Syria file under the benchmarks folder (setting ``benchmarks_dir``)."""
    from pipeline.settings import get_settings

    return get_settings().benchmarks_dir / "ucdp_ged_syria" / "ged_syria.jsonl"


def ged_headlines(path: Path | None = None, split: str = "train") -> Iterator[tuple[dict, str]]:
    """(event, headline) pairs of the UCDP GED Syria file for ``split`` (train: before 2018, test: after).

    A row's ';'-separated headlines are taken one by one; headlines of fewer than four words (only a
    date or a list of names) are skipped.
    """
    with open(path or ged_file(), encoding="utf-8") as fh:
        for line in fh:
            ev = json.loads(line)
            early = (ev.get("date_start") or "") < GED_TRAIN_BEFORE
            if (split == "train") != early:
                continue
            for head in (ev.get("headline") or "").split(";"):
                head = head.strip()
                if len(_USABLE.findall(head)) >= 4:
                    yield ev, head
