"""Event dates: relative and absolute date expressions resolved against the publication time."""

import re
from datetime import date, timedelta

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import tables as tb
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import DateMention, write_spans
from pipeline.enrich.sents import doc_text, sent_at, sent_index

WEEKDAYS = tb.seq("dates", "weekdays")
MONTHS = tb.mapping("dates", "months")
_KINDS = ("iso", "mdy", "dmy", "weekday", "weekend", "yesterday", "lastnight", "today", "daysago", "lastweek",
          "weeksago", "lastmonth", "inmonth")
_NUM_WORDS = tb.number_words("en")
_REPORTED_RE = tb.pattern("dates", "reported_cue", re.I)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = tb.patterns("dates", "patterns", _KINDS, re.I,
                                                           {"<MONTH>": tb.text("dates", "month_pattern")})


def _infer_year(month: int, day: int, pub: date | None) -> int | None:
    if pub is None:
        return None
    year = pub.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return None
    if candidate > pub + timedelta(days=7):
        year -= 1
    return year


def _safe_date(y: int | None, m: int, d: int) -> date | None:
    if y is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def resolve(kind: str, match: re.Match[str], pub: date | None) -> tuple[date, str] | None:
    """Resolve one matched expression to ``(date, precision)``; ``None`` if it cannot be."""
    g = match.groups()
    if kind == "iso":
        d = _safe_date(int(g[0]), int(g[1]), int(g[2]))
        return (d, "day") if d else None
    if kind in ("mdy", "dmy"):
        month_s, day_s, year_s = (g[0], g[1], g[2]) if kind == "mdy" else (g[1], g[0], g[2])
        month = MONTHS[month_s.lower().rstrip(".")]
        day = int(day_s)
        year = int(year_s) if year_s else _infer_year(month, day, pub)
        d = _safe_date(year, month, day)
        return (d, "day") if d else None
    if pub is None:
        if kind == "inmonth" and g[1]:
            return date(int(g[1]), MONTHS[g[0].lower().rstrip(".")], 1), "month"
        return None
    if kind == "weekday":
        target = WEEKDAYS.index(g[1].lower())
        delta = (pub.weekday() - target) % 7
        if g[0] and g[0].strip().lower() == "last" and delta == 0:
            delta = 7
        return pub - timedelta(days=delta), "day"
    if kind == "weekend":
        delta = (pub.weekday() - 5) % 7
        return pub - timedelta(days=delta), "day"
    if kind in ("yesterday", "lastnight"):
        return pub - timedelta(days=1), "day"
    if kind == "today":
        return pub, "day"
    if kind == "daysago":
        n = int(g[0]) if g[0].isdigit() else _NUM_WORDS.get(g[0].lower(), 1)
        return pub - timedelta(days=n), "day"
    if kind == "lastweek":
        if g[0].lower() == "last week":
            return pub - timedelta(days=7), "week"
        return pub - timedelta(days=pub.weekday()), "week"
    if kind == "weeksago":
        n = int(g[0]) if g[0].isdigit() else _NUM_WORDS.get(g[0].lower(), 1)
        return pub - timedelta(weeks=n), "week"
    if kind == "lastmonth":
        if g[0].lower() == "last month":
            first = pub.replace(day=1) - timedelta(days=1)
            return first.replace(day=1), "month"
        return pub.replace(day=1), "month"
    if kind == "inmonth":
        month = MONTHS[g[0].lower().rstrip(".")]
        year = int(g[1]) if g[1] else (pub.year if month <= pub.month else pub.year - 1)
        return date(year, month, 1), "month"
    return None


def find_dates(text: str, sent_starts: list[int], pub: date | None) -> list[DateMention]:
    """All resolvable date expressions in ``text`` with the index of the sentence they are in."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if kind == "inmonth" and m.group(1).lower() == "may" and not m.group(2):
                continue
            if kind == "mdy" and m.group(1).lower() == "may" and text[m.start():m.start() + 3] == "may":
                continue
            if kind == "mdy" and m.group(1).lower() in ("mar", "march") and text[m.start()] == "m":
                continue
            try:
                resolved = resolve(kind, m, pub)
            except (ValueError, KeyError, OverflowError):
                resolved = None
            if resolved is None:
                continue
            taken.append((m.start(), m.end()))
            sent = sent_at(sent_starts, m.start())
            reported = bool(_REPORTED_RE.search(text[max(0, m.start() - 40):m.start()]))
            out.append(DateMention(resolved[0].isoformat(), resolved[1], m.start(), sent, m.group(0), reported))
    out.sort(key=lambda d: d.start)
    return out


def pick_date(mentions: list[DateMention], sents: set[int] | None, pub: date | None) -> tuple[str | None, str | None]:
    """Date of an event whose evidence is in ``sents``: first date in those sentences, else the
    first date in the article not after publication, else the publication day."""
    candidates = [m for m in mentions if pub is None or date.fromisoformat(m.date) <= pub + timedelta(days=1)]
    candidates = [m for m in candidates if not m.reported] + [m for m in candidates if m.reported]
    if sents:
        in_sents = [m for m in candidates if m.sent in sents]
        if in_sents:
            return in_sents[0].date, in_sents[0].precision
    if candidates:
        near = [m for m in candidates if m.precision == "day"] or candidates
        return near[0].date, near[0].precision
    if pub is not None:
        return pub.isoformat(), "day"
    return None, None


def dates_component(doc: Doc) -> Doc:
    """Set ``date_mentions`` (also ``doc.spans["dates"]``) and the main ``event_date``/``event_date_precision``."""
    if not doc._.english or not doc._.parsed:
        return doc
    raw = doc._.raw
    pub = raw.published_at.date() if raw is not None and raw.published_at else None
    doc._.date_mentions = find_dates(doc_text(doc), sent_index(doc).start_chars, pub)
    write_spans(doc, "dates", [(m.start, m.start + len(m.text), m.precision) for m in doc._.date_mentions], chars=True)
    trigger_sents = {t.sent for t in doc._.triggers}
    doc._.event_date, doc._.event_date_precision = pick_date(doc._.date_mentions, trigger_sents, pub)
    return doc


@Language.factory("radar_dates", assigns=["doc.spans", "doc._.date_mentions", "doc._.event_date",
                                          "doc._.event_date_precision"],
                  requires=["doc._.parsed", "doc._.triggers", "token.is_sent_start"])
def make_dates(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Date expressions resolved against the publication time, and the event date."""
    register_extensions()
    return dates_component
