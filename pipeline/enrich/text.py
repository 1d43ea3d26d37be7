"""Language detection (a component) and text cleaning (before the doc is made)."""

import html
import re
import unicodedata
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich.extensions import register as register_extensions

# ISO 639-1 codes of the languages we tell apart (restricting lingua keeps it fast and accurate).
LANGUAGES = ("en", "es", "fr", "pt", "de", "it", "ar", "ru", "uk", "tr", "zh")
_LANG_SAMPLE_CHARS = 1_000
_MIN_CONFIDENT_CHARS = 20
ENGLISH_SHARE = 0.5  # English when its confidence is at least this share of the top language's (short headlines)
_MIN_WORDS_CHARS = 8  # judge on the words other than names when at least this much of them remains

_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_WS_RE = re.compile(r"[ \t\u00a0\u200b]+")
_NL_RE = re.compile(r"\n\s*\n+")
_WS_ALL_RE = re.compile(r"\s+")
_BOILERPLATE_RE = re.compile(
    r"^\s*(advertisement|read more\b.*|related:.*|subscribe\b.*|sign up\b.*|follow us\b.*|"
    r"share this\b.*|click here\b.*|continue reading\b.*|(photo|image|video)( credit)?:.*|"
    r"copyright\b.*|©.*|all rights reserved.*)\s*$",
    re.I | re.M,
)


@lru_cache(maxsize=1)
def _detector():  # noqa: ANN202 - lingua.LanguageDetector
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


_NAME_RE = re.compile(r"(?<=[\w,;:)] )[A-Z\u00c0-\u00de][\w'\u2019.-]*")


def _without_names(text: str) -> str:
    """``text`` without its capitalised words after a sentence's first word: place and person names
    ("Cite Soleil", "Port-au-Prince") say nothing of the language an English headline is written in."""
    return _NAME_RE.sub("", text)


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of ``text`` (judged on its words other than names, when enough of them remain);
    falls back to ``hint`` for very short or undecidable text."""
    sample = text[:_LANG_SAMPLE_CHARS]
    if len(sample.strip()) < _MIN_CONFIDENT_CHARS:
        return (hint or "").lower()[:2] or None
    words = _without_names(sample)
    if len(words.strip()) >= _MIN_WORDS_CHARS:
        sample = words
    values = _detector().compute_language_confidence_values(sample)
    if not values or values[0].value <= 0.0:
        return (hint or "").lower()[:2] or None
    english = next((v.value for v in values if v.language.iso_code_639_1.name == "EN"), 0.0)
    if english >= ENGLISH_SHARE * values[0].value:
        return "en"
    return values[0].language.iso_code_639_1.name.lower()


_ASCII_LOWER = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in base if not unicodedata.combining(c)) or ch
    return base[0].lower() if len(base[0].lower()) == 1 else ch


@lru_cache(maxsize=8)
def fold_keep_offsets(text: str) -> str:
    """Accent-folded lower-case text of the same length as ``text`` (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    table = dict(_ASCII_LOWER)
    table.update((ord(ch), _fold_char(ch)) for ch in set(text) if ord(ch) > 127)
    return text.translate(table)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of ``text`` (the enricher's one normal form for lookups)."""
    return _WS_ALL_RE.sub(" ", fold_keep_offsets(text)).strip()


def clean_text(text: str) -> str:
    """Strip HTML, entities, boilerplate lines and extra whitespace; keep paragraph breaks."""
    if "<" in text:
        text = _SCRIPT_RE.sub(" ", text)
        text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n\n", text)
        text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BOILERPLATE_RE.sub("", text)
    text = _WS_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _NL_RE.sub("\n\n", text)
    return text.strip()


def language_component(doc: Doc) -> Doc:
    """Detect the article language on title + body; non-English articles skip the English-only components."""
    raw = doc._.raw
    if raw is None:
        return doc
    doc._.language = detect_language(f"{raw.title}\n{clean_text(raw.body[:3 * _LANG_SAMPLE_CHARS])}", raw.language)
    doc._.english = doc._.language in (None, "en")
    return doc


@Language.factory("radar_language", assigns=["doc._.language", "doc._.english"])
def make_language(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Language identification (lingua, restricted to LANGUAGES)."""
    register_extensions()
    return language_component


def article_text(title: str, body: str) -> tuple[str, int]:
    """The analysed text: the cleaned title as its own paragraph, then the cleaned body; and the title's length."""
    title = clean_text(title)
    body = clean_text(body)
    if title and title[-1] not in ".!?:;\"'”’":
        title += "."
    return (f"{title}\n\n{body}" if title and body else (title or body)), len(title)
