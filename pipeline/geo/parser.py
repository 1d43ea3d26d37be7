"""Find toponyms in English text and resolve them to GeoNames places using document context."""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.geo.distance import haversine_km
from pipeline.geo.gazetteer import (
    KIND_ADMIN1,
    KIND_ADMIN2,
    KIND_CITY,
    KIND_CONTINENT,
    KIND_COUNTRY,
    KIND_REGION,
    Gazetteer,
    load_gazetteer,
    read_attack_words,
    read_preferred_senses,
    read_state_abbreviations,
    normalize,
    skeleton,
)
from pipeline.schemas import Location

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
WEAK_LABELS = frozenset({"PERSON", "ORG", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "LANGUAGE"})
NUMERIC_LABELS = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL", "PERCENT"})
CONNECTORS = frozenset({"of", "de", "del", "la", "las", "los", "el", "upon", "on", "and", "the", "da", "do", "di", "au", "les", "sur", "am",
                        "al", "az", "ez", "ad", "as", "ash", "ar", "an", "ul"})
LOCATIVE_WORDS = frozenset({"in", "near", "at", "from", "to", "outside", "across", "into", "toward", "towards", "around", "throughout", "of"})
# Capitalised English words that are also (mostly tiny) place names; only accepted as toponyms
# when NER labels exactly that span GPE/LOC or a "Name, State" qualifier backs them.
COMMON_WORDS = frozenset("""
police march may region june july august april mobile reading bath nice hope liberty union independence
commerce sunday monday tuesday wednesday thursday friday saturday gold justice many bar van of
republic central north south east west northern southern eastern western university college
center centre city county state district river lake park beach hill hills valley island islands
street road avenue highway church hospital school court mount saint fort port bay
obama bush clinton trump lincoln jackson washington franklin jefferson madison hamilton
christian christmas easter god lord king queen prince president governor mayor senator sheriff
chief officer captain general major lieutenant sergeant deputy judge doctor
news times post herald tribune journal star sun globe today press
national international federal american english french spanish
victoria angel angels paradise eden zion bethel canaan goshen providence concord harmony
creek hall ridge gulf metro trail council pool gateway bay harbor harbour square plaza mall tower
bridge station airport village town township borough heights springs falls grove park place
""".split())
LOCATED_LABELS = frozenset({"PERSON", "ORG", "NORP", "PRODUCT"})  # labels NER gives conflict-zone towns ('Azaz' PRODUCT)
ORG_LABELS = frozenset({"ORG", "FAC", "EVENT"})
# a military unit's name holds the state that raised it, not a place ('Second Infantry California Volunteers')
UNIT_WORDS = frozenset({"infantry", "cavalry", "volunteers", "vols", "regiment", "battalion", "brigade", "artillery"})
INSIDE_ORG_MIN_POP = 2_000_000  # a state inside an organisation's name ('Northeast Texas Community College') from this size
ORG_PLACE_MIN_POP = 100_000  # a town that ends an organisation's name ('Metro Vancouver') is a place from this size
# Nouns that make the capitalised name before them a place: "a Gainesville man", "Tixtla residents".
RESIDENT_WORDS = frozenset({"man", "woman", "men", "women", "boy", "girl", "teen", "teenager", "couple", "family",
                            "resident", "residents", "native", "natives", "villagers", "townspeople", "locals"})
INSTITUTION_WORDS = frozenset({"police", "sheriff", "fire", "council", "schools", "mayor", "mayoral", "city", "township",
                               "airport", "hospital", "election", "elections", "municipal"})  # 'Gainesville Police'
PLURAL_ADMIN2 = {"counties": "County", "parishes": "Parish", "boroughs": "Borough"}  # 'Barrow and Jackson counties'
LIST_JOINERS = frozenset({",", "and", "or", "&"})
ADMIN_WORDS = frozenset({"state", "province", "region", "governorate", "department", "prefecture", "oblast", "county",
                         "district", "raion", "rayon", "municipality", "cercle", "agency", "lga"})
ARABIC_ARTICLES = frozenset({"al", "el", "ad", "adh", "ar", "as", "ash", "az", "an", "at", "ath", "ed", "ez", "es"})  # 'al-Bab', 'as-Sukhnah'
STRICT_LOCATIVES = frozenset({"in", "near", "outside", "around", "across", "throughout", "into"})
ROUTE_WORDS = frozenset({"road", "highway", "route", "border", "towns", "villages", "cities"})  # 'the road between X and Y'
DIRECTION_WORDS = frozenset({"downtown", "northern", "southern", "eastern", "western", "central", "rural"})
COMPASS_WORDS = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
                           "outskirts", "countryside", "suburbs"})
DATELINE_DASHES = frozenset({"—", "–", "-", "--", "\x97", "―"})
SITE_WORDS = frozenset({"checkpoint", "crossing", "market", "marketplace", "roundabout", "junction", "bridge"})  # 'at X checkpoint'
HELD_WORDS = frozenset({"held", "controlled", "besieged", "occupied"})
SETTLEMENT_WORDS = frozenset({"city", "town", "village", "port", "hamlet", "township", "municipality",
                              "cities", "towns", "villages", "locality", "commune"})  # 'the towns of Kafr Zita',
# 'the locality of Tixtla' and 'the commune of Djibasso' in translated Spanish and French
QUALIFIER_SEP = re.compile(r"^\s*,\s*")
OF_PLACE_WORDS = frozenset({"mayor", "governor", "residents", "inhabitants", "streets", "centre", "center"})  # 'mayor of X'
APPOSITIVE_SETTLEMENT = re.compile(r",\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:town|city|village|hamlet|port)\b")
SETTLEMENT_IN = re.compile(  # 'Marte town in Borno', 'the Catatumbo region of Norte de Santander'
    r"^\s+(?:village|town|city|district|region|province|department|county)\s+(?:in|of)\s+(?:the\s+)?"
    r"(?:(?:north|south)?(?:-?(?:east|west))?(?:ern)?\s+|central\s+)?")
US_POSTAL = re.compile(r"^\s*,\s*([A-Z]{2})\b")

W_ADMIN1_EVIDENCE = 2.5
W_COUNTRY_EVIDENCE = 2.0
W_QUALIFIER = 6.0
W_ALT_NAME = -1.5
W_ADMIN2_BARE = -1.0  # an admin2 unit by its bare name ('Kurram') without 'district' after it: a weak sense
W_NO_PLACE_LABEL = -0.5
W_NEAR = 1.5
W_COUNTY_STATE = 1.5  # a town in a state that has a county the text names
W_CAPITAL_CITY = -1.5
W_SKELETON_WORDS = 2.5  # a transliteration match word for word ('Tal Abyad' = Tall Abyad, not Tullibody)
W_ADMIN_WORD = 1.5  # 'Donetsk region', 'Hama province': the region, not its city
W_INSTITUTION_TOWN = 3.0  # 'Berea police', 'the Athens City Council': a town's own institution
LOCATED_WEAK_MIN_POP = 5_000  # a mislabelled name right after 'in'/'near' or an attack word is a town from this size
LOCATED_ALT_MIN_POP = 15_000  # ... also when only an alternate name matches ('Azaz' for I'zaz)
FOREIGN_SUPPORT_MIN = 0.5  # ... while the story's other names give another country this much
FOREIGN_SKELETON_MAX_POP = 500_000  # a one-word skeleton match below this size needs its country named in the story
SHORT_TOWN_MIN_POP = 50_000  # a located three-letter name ('in Owo') is a city from this size
FUZZY_ONE_WORD_MIN_POP = 1_000  # a one-word skeleton match ('Barsalogho' ~ Borrisoleigh, Ireland) needs a town this size
SMALL_PLACE_POP = 10_000  # a multi-word match of only towns this small gives way to a country or state it starts with
W_PREFERRED = 1.5  # a name's usual sense in news (data/preferred_senses.tsv) over the population prior
NEAR_KM = 150.0
UNKNOWN_POP = 1_000  # the prior of a town GeoNames gives no population (an admin seat such as Ariha, Syria)
W_LIST_KIND = 2.5  # a sense of the kind most other members of its list take
REGION_EVIDENCE = 1.0  # the feed's home region counts as one name of that country / state in the story
REGION_KEY = "\x00region"
W_PAIR = 1.5  # a town or county sense within PAIR_KM of a town or county sense of another name in the text
PAIR_KM = 30.0
MAX_CANDIDATES = 40
SUPPORT_MIN = 0.25
ACCEPT_ROUNDS = 2
CONTEXT_ITERATIONS = 2


class Region(NamedTuple):
    """A feed's home region: a country code and, for a subdivision, its gazetteer admin1 key."""

    cc: str
    a1key: str


@dataclass
class Toponym:
    """A place name found in the text, with its resolved place (``None`` if unresolvable)."""

    text: str
    start: int
    end: int
    location: Location | None
    score: float
    demonym: bool = False


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    key: str
    cands: list[int]
    alt: set[int]
    strong: bool
    demonym: bool = False
    qualifier: _Mention | None = None
    qualifier_a1: str | None = None
    is_qualifier: bool = False
    weak: bool = False
    exact_ent: bool = False
    inside_longer: bool = False
    ent_start: bool = False
    admin_word: bool = False
    settlement_of: bool = False  # 'the town of X': X is a settlement, whatever NER says
    multi_person: bool = False
    surname: bool = False  # the last name of a person named in full elsewhere in the text ('John Ripley' ... 'Ripley said')
    after_locative: bool = False
    located: str = ""  # "prep" right after 'in'/'near' ('in Azaz'), "attack" after an attack word ('shelled Gwoza'),
    # "site" between 'at' and a site word ('at Manbij checkpoint')
    resident_word: bool = False  # followed by "man", "residents", ...
    list_group: int = -1  # mentions in one list ('Missouri, New York and Virginia') share a group id
    institution_word: bool = False  # followed by "Police", "City", "mayor", ...: the place's own institution
    in_org_name: bool = False  # ends a longer organisation or facility name ('CTV Winnipeg', 'Team Alberta')
    inside_org: bool = False  # inside one ('Northeast Texas Community College')
    fuzzy: bool = False
    dateline: bool = False  # 'HAMILTON —': where the story was filed
    unplaced: bool = False  # 'X village in Y' with no X in Y: a toponym the gazetteer lacks
    state_abbrev: bool = False  # 'Ind.', 'Miss.': a place only as a qualifier or with a place label
    first_tok: int = -1
    last_tok: int = -1
    scores: dict[int, float] = field(default_factory=dict)
    sense_rows: list[list[float]] = field(default_factory=list)


def _prior(g: Gazetteer, idx: int, alias: bool = False) -> float:
    kind = g.kind[idx]
    if kind == KIND_COUNTRY:
        return 7.3 + 0.2 * (math.log10(max(g.pop[idx], 1000)) - 7.0)
    if kind == KIND_CONTINENT:
        return 7.5
    if kind == KIND_REGION:
        return 7.0
    if kind == KIND_ADMIN1:
        return 6.8 - (1.0 if alias else 0.0)
    if kind == KIND_ADMIN2:
        return 5.2
    return math.log10(max(g.pop[idx] or UNKNOWN_POP, 100))


class Geoparser:
    """Toponym recognition (spaCy NER + gazetteer) and context-based GeoNames resolution."""

    def __init__(self, gazetteer: Gazetteer, ranker=None) -> None:  # noqa: ANN001 - pipeline.geo.ranker.Ranker
        self.g = gazetteer
        self.ranker = ranker
        self._postal = {key.split(".")[1]: idx for key, idx in gazetteer.admin1_index.items() if key.startswith("US.")}
        wanted = {gid: normalize(name) for name, gid in read_preferred_senses().items()}
        self._preferred = {(wanted[gid], i) for i, gid in enumerate(gazetteer.gid) if gid in wanted}
        self._state_abbrev = {ab: gazetteer.admin1_index[key] for ab, key in read_state_abbreviations().items()
                              if key in gazetteer.admin1_index}
        alts = "|".join(re.escape(ab) for ab in sorted(self._state_abbrev, key=len, reverse=True))
        self._state_abbrev_re = re.compile(rf"^\s*,\s*({alts})(?![\w])")
        self._attack_words = read_attack_words()

    # ---------------------------------------------------------------- recognition
    def _lookup(self, surface: str) -> tuple[list[int], set[int]]:
        g = self.g
        state = self._state_abbreviation(surface)
        if state is not None:
            return [state], set()
        exact = g.exact.get(surface) or (g.exact.get(surface + ".") if "." in surface else None)  # 'U.S' of 'U.S..'
        if exact:
            return list(exact), set()
        key = normalize(surface)
        if len(key) <= 3 and not surface.isupper():
            return [], set()
        main = g.names.get(key, [])
        alt = [i for i in g.alt_names.get(key, []) if i not in main]
        if not main and not alt and key.split(" ", 1)[0] in ARABIC_ARTICLES and " " in key:
            return self._article_variants(key)
        return main + alt, set(alt)

    def _article_variants(self, key: str) -> tuple[list[int], set[int]]:
        """A name whose Arabic article is spelt another way ('al-Sukhnah' = As Sukhnah, 'el-Bab' = Al Bab):
        every variant's exact names, as alternates."""
        rest = key.split(" ", 1)[1]
        found = [i for art in sorted(ARABIC_ARTICLES) for i in self.g.names.get(f"{art} {rest}", [])]
        found = list(dict.fromkeys(found))
        return found, set(found)

    def _state_abbreviation(self, surface: str) -> int | None:
        """The state or province a news-style abbreviation names ('W.Va.', 'Alta.', also without its last full stop)."""
        return self._state_abbrev.get(surface if surface.endswith(".") else surface + ".")

    def is_name(self, surface: str) -> bool:
        """Whether ``surface`` is a gazetteer name (as the recogniser looks names up)."""
        return bool(self._lookup(surface)[0])

    def _matches_from(self, text: str, tokens: list, i: int):  # noqa: ANN001, ANN202 - Iterator of matches
        """Gazetteer matches of capitalised spans starting at token ``i``, longest first, as
        ``(last token, start, end, candidates, alternate-name candidates)``."""
        tok, n = tokens[i], len(tokens)
        for j in range(min(n, i + self.g.max_words + 2) - 1, i - 1, -1):
            last = tokens[j]
            if not last.text[:1].isupper():
                continue
            inner = tokens[i : j + 1]
            if any("\n" in t.text_with_ws for t in inner[:-1]):
                continue
            if any(not (t.text[:1].isupper() or t.lower_ in CONNECTORS or t.text in ("-", "'s")) for t in inner):
                continue
            start, end = tok.idx, last.idx + len(last.text)
            cands, alt = self._lookup(text[start:end])
            if cands:
                yield j, start, end, cands, alt

    def _longest_match(self, text: str, tokens: list, i: int):  # noqa: ANN001, ANN202 - match tuple or None
        """The longest match at token ``i``, unless it is only a small town that is a country or state
        plus generic words: "University of Michigan Center" holds Michigan, not Michigan Center."""
        matches = self._matches_from(text, tokens, i)
        longest = next(matches, None)
        if longest is None or longest[0] == i or not all(
                self.g.kind[c] == KIND_CITY and self.g.pop[c] < SMALL_PLACE_POP for c in longest[3]):
            return longest
        rest_generic = {k: all(t.lower_ in COMMON_WORDS for t in tokens[k + 1 : longest[0] + 1]) for k in range(i, longest[0])}
        for shorter in matches:
            if rest_generic[shorter[0]] and normalize(text[shorter[1]:shorter[2]]) not in COMMON_WORDS and any(
                    self.g.kind[c] in (KIND_COUNTRY, KIND_ADMIN1) for c in shorter[3]):
                return shorter
        return longest

    def _find_mentions(self, text: str, doc) -> list[_Mention]:  # noqa: ANN001 - spacy Doc
        tokens = list(doc)
        n = len(tokens)
        labels = [t.ent_type_ for t in tokens]
        ent_spans = {(e.start, e.end) for e in doc.ents}
        surnames = self._surnames(doc)
        mentions: list[_Mention] = []
        i = 0
        while i < n:
            tok = tokens[i]
            article = tok.lower_ in ARABIC_ARTICLES and i + 2 < n and tokens[i + 1].text == "-" and tokens[i + 2].text[:1].isupper()
            if not (tok.text[:1].isupper() or article):
                i += 1
                continue
            found = self._longest_match(text, tokens, i) or self._short_town(tokens, i)
            transliterated = self._transliterated(text, tokens, i, found)
            found = transliterated or found
            if found is None:
                i += 1
                continue
            j, start, end, cands, alt = found
            span_labels = {labels[k] for k in range(i, j + 1)}
            i_next = j + 1
            if span_labels & NUMERIC_LABELS and any(ch.isdigit() for ch in text[start:end]):
                i = i_next
                continue
            key = normalize(text[start:end])
            exact_ent = (i, j + 1) in ent_spans
            place = span_labels & PLACE_LABELS
            labelled_place = exact_ent and bool(span_labels) and span_labels <= {"GPE", "LOC"}
            m = _Mention(start, end, text[start:end], key, cands, alt,
                         strong=bool(place - {"FAC"} or (place and exact_ent)) and (key not in COMMON_WORDS or labelled_place))
            m.weak = bool(span_labels & (WEAK_LABELS | PLACE_LABELS)) and not m.strong
            # 'Miss.', 'Ind.', 'Mass.' read as words too; 'S.C.', 'W.Va.' do not
            m.state_abbrev = self._state_abbreviation(text[start:end]) is not None and "." not in text[start:end].rstrip(".")
            m.exact_ent = exact_ent
            m.first_tok, m.last_tok = i, j
            prev = tokens[i - 1] if i > 0 else None
            nxt = tokens[j + 1] if j + 1 < n else None
            m.inside_longer = (prev is not None and not tok.is_sent_start and prev.text[:1].isupper()
                               and prev.is_alpha and not prev.is_stop)
            m.ent_start = tok.ent_iob_ == "B" or (prev is not None and prev.ent_iob_ == "B" and prev.lower_ == "the")
            m.multi_person = "PERSON" in span_labels and (
                (nxt is not None and nxt.ent_iob_ == "I") or (prev is not None and tok.ent_iob_ == "I"))
            m.surname = i == j and tok.text in surnames and not any(
                self.g.kind[c] == KIND_COUNTRY for c in cands)
            m.resident_word = nxt is not None and nxt.lower_ in RESIDENT_WORDS
            m.institution_word = nxt is not None and nxt.lower_ in INSTITUTION_WORDS
            longer = [e for e in doc.ents if e.start < i and j < e.end] if span_labels <= ORG_LABELS else []
            m.in_org_name = any(e.end == j + 1 for e in longer)
            m.inside_org = any(j + 1 < e.end and not any(t.lower_ in UNIT_WORDS for t in e) for e in longer)
            m.admin_word = (nxt is not None and nxt.lower_ in ADMIN_WORDS) or (
                i >= 2 and tokens[i - 1].lower_ == "of" and tokens[i - 2].lower_ in ADMIN_WORDS)
            m.settlement_of = (i >= 2 and tokens[i - 1].lower_ == "of" and tokens[i - 2].lower_ in SETTLEMENT_WORDS) or \
                bool(APPOSITIVE_SETTLEMENT.match(text, end))  # 'the town of X', 'X, a town of 30,000'
            back = _word_before(tokens, i)
            m.after_locative = back >= 0 and tokens[back].lower_ in LOCATIVE_WORDS
            m.located = "" if nxt is not None and nxt.text in ("'s", "’s") else self._located_at(tokens, i, bool(span_labels - {""}))
            if m.located and m.multi_person and j + 2 < n and tokens[j + 1].lower_ in ARABIC_ARTICLES \
                    and tokens[j + 2].text == "-":  # 'in Daraa al-Mahatta': a town and its quarter, not a person
                m.multi_person = False
            m.fuzzy = transliterated is not None
            m.dateline = self._dateline(tokens, i, j, text[start:end])
            prev_m = mentions[-1] if mentions else None
            if not m.located and not m.weak and prev_m is not None and prev_m.located and prev_m.last_tok + 2 == i \
                    and tokens[i - 1].lower_ in LIST_JOINERS:  # 'in Ariha and Saraqib' ('in Lebanon and Hamas' is not)
                m.located = prev_m.located
            mentions.append(m)
            i = i_next
        return mentions

    def _short_town(self, tokens: list, i: int):  # noqa: ANN001, ANN202 - match tuple or None
        """A three-letter name ('in Owo', 'near Gao'), too short to look up anywhere else, as a match tuple of
        the cities of SHORT_TOWN_MIN_POP people so named, when it is located."""
        tok = tokens[i]
        if len(tok.text) != 3 or not tok.is_alpha or not tok.is_title or not self._located_at(tokens, i, True):
            return None
        cands = [c for c in self.g.names.get(normalize(tok.text), ())
                 if self.g.kind[c] == KIND_CITY and self.g.pop[c] >= SHORT_TOWN_MIN_POP]
        return (i, tok.idx, tok.idx + 3, cands, set()) if cands else None

    def _dateline(self, tokens: list, i: int, j: int, surface: str) -> bool:  # noqa: ANN001 - spaCy tokens
        """Whether tokens ``i..j`` open a dateline: capitals before a dash, perhaps after a state ('HAMILTON —',
        'CHARLESTON, W.Va. --'), where the story was filed, a place whatever NER calls it."""
        if not (surface.isupper() and len(surface) >= 3):
            return False
        k = j + 1
        if k + 1 < len(tokens) and tokens[k].text == "," and self._state_abbreviation(tokens[k + 1].text) is not None:
            k += 2
        return k < len(tokens) and tokens[k].text in DATELINE_DASHES and bool(tokens[k - 1].whitespace_)

    def _transliterated(self, text: str, tokens: list, i: int, found):  # noqa: ANN001, ANN202 - match tuple or None
        """A located name run of two or more words ('near Tal Abyad') that no gazetteer name covers whole,
        matched on its transliteration skeleton, as a match tuple whose candidates are all alternates."""
        if not self._located_at(tokens, i, bool(tokens[i].ent_type_)):
            return None
        j = i
        while j + 1 < len(tokens) and j + 1 - i < self.g.max_words + 2 and "\n" not in tokens[j].text_with_ws and (
                tokens[j + 1].text[:1].isupper() or tokens[j + 1].lower_ in CONNECTORS or tokens[j + 1].text == "-"):
            j += 1
        while j > i and not tokens[j].text[:1].isupper():
            j -= 1
        run = tokens[i : j + 1]
        if (found is not None and found[0] >= j) or any(t.lower_ in COMMON_WORDS or _is_acronym(t) for t in run) or any(
                t.text == "-" and run[k - 1].lower_ not in ARABIC_ARTICLES for k, t in enumerate(run) if k) or (
                j + 1 < len(tokens) and tokens[j + 1].like_num):  # 'City Hall', 'Wal-Mart', 'Block 8', 'Maru LGA'
            return None
        start, end = tokens[i].idx, tokens[j].idx + len(tokens[j].text)
        if " " not in skeleton(text[start:end]):  # one word ('al-Sukhnah') matches towns anywhere: too loose
            return None
        cands = self.g.fuzzy(text[start:end])[:MAX_CANDIDATES]
        return (j, start, end, cands, set(cands)) if cands else None

    def _located_at(self, tokens, i: int, labelled: bool) -> str:  # noqa: ANN001 - spaCy Doc or token list
        """How the name at token ``i`` is located, with no article between: "prep" after 'in'/'near'/'east of'/
        'the town of' ('in Azaz'), "site" between 'at' and a site word ('at Manbij checkpoint'), "attack" after
        an attack word ('shelled Gwoza', 'strikes on Hodeidah', 'rebel-held Jisr al-Shughour'; 'struck Bell'
        only for a name NER left unlabelled or after a weapon word: 'rockets hit Kiryat Shmona'), else ""."""
        back = _word_before(tokens, i, skip_articles=False)
        if back < 0:
            return ""
        word = tokens[back].lower_
        before = tokens[back - 1].lower_ if back >= 1 else ""
        if word in STRICT_LOCATIVES or (word == "of" and before in COMPASS_WORDS | SETTLEMENT_WORDS | OF_PLACE_WORDS) or (
                word == "between" and before in ROUTE_WORDS):  # 'east of Palmyra', 'the road between X and Y'
            return "prep"
        if word in ("on", "against", "of"):  # 'the attack on Lashkar Gah', 'the shelling of Ain Issa'
            return "attack" if "noun" in self._attack_words.get(before, ()) else ""
        if word == "at":  # 'an explosion at Manbij checkpoint', 'at Azaz crossing'
            j = i + 1
            while j < len(tokens) and tokens[j].text[:1].isupper():
                j += 1
            return "site" if j < len(tokens) and tokens[j].lower_ in SITE_WORDS else ""
        if word in HELD_WORDS:
            return "attack" if before == "-" else ""
        kinds = self._attack_words.get(word, frozenset())
        if "verb" in kinds and labelled:  # 'rockets hit Kiryat Shmona', 'airstrikes hit Ariha'
            return "attack" if "weapon" in self._attack_words.get(before, ()) else ""
        return "attack" if "place-verb" in kinds or "verb" in kinds else ""

    def _admin2_lists(self, text: str, doc) -> list[_Mention]:  # noqa: ANN001 - spacy Doc
        """The names in a list before a plural admin word are admin2 areas: 'Barrow, Jackson and
        Madison counties' names Barrow County, Jackson County and Madison County."""
        out: list[_Mention] = []
        lower = text.lower()
        if not any(word in lower for word in PLURAL_ADMIN2):
            return out
        for tok in doc:
            suffix = PLURAL_ADMIN2.get(tok.lower_)
            if suffix is None:
                continue
            k = tok.i - 1
            while k >= 0 and doc[k].text[:1].isupper() and doc[k].is_alpha:
                end = k
                while k - 1 >= 0 and doc[k - 1].text[:1].isupper() and doc[k - 1].is_alpha and end - k < 2:
                    k -= 1
                span = doc[k : end + 1]
                cands = [c for c in self._lookup(f"{span.text} {suffix}")[0] if self.g.kind[c] == KIND_ADMIN2]
                if not cands:
                    break
                out.append(_Mention(span.start_char, span.end_char, span.text, normalize(f"{span.text} {suffix}"), cands,
                                    set(), True, first_tok=span.start, last_tok=span.end - 1))
                k -= 1
                while k >= 0 and doc[k].lower_ in LIST_JOINERS:
                    k -= 1
        return out

    def _surnames(self, doc) -> set[str]:  # noqa: ANN001 - spacy Doc
        """Last words of the story's multi-word PERSON names that are not place names ('Saakashvili'; not the
        state in a mislabelled 'Trump - Wisconsin')."""
        return {e[-1].text for e in doc.ents if e.label_ == "PERSON" and len(e) > 1 and e[-1].text[:1].isupper()
                and not self.is_name(e.text) and not any(t.text == "-" for t in e)}

    def _ner_only(self, text: str, doc, mentions: list[_Mention]) -> list[_Mention]:  # noqa: ANN001
        """GPE/LOC entities that no gazetteer match covered (unresolved toponyms), except a surname of a
        person the story names in full ('Mikheil Saakashvili ... Saakashvili said')."""
        covered = [(m.start, m.end) for m in mentions]
        surnames = self._surnames(doc)
        out = []
        for ent in doc.ents:
            if ent.label_ not in ("GPE", "LOC") or ent.text in surnames:
                continue
            s, e = ent.start_char, ent.end_char
            if any(a < e and s < b for a, b in covered):
                continue
            words = ent.text.split()
            if words and words[0].lower() == "the":
                s += len(words[0]) + 1
            if s < e and text[s:e][:1].isupper() and normalize(text[s:e]) not in COMMON_WORDS:
                out.append(_Mention(s, e, text[s:e], normalize(text[s:e]), [], set(), True))
        return out

    def _fuzzy_mentions(self, text: str, doc, mentions: list[_Mention]) -> list[_Mention]:  # noqa: ANN001
        """GPE/LOC entities with no exact gazetteer name, matched on transliteration skeletons
        ('Dayr az Zawr', 'Kharkov', 'al-Qameshly'): every place sharing the skeleton is a candidate.
        So are mislabelled entities after 'in'/'near' or an attack word ('airstrikes on Maarat al-Numan'),
        which replace the shorter matches inside them."""
        out = []
        for ent in doc.ents:
            located = (ent.label_ in LOCATED_LABELS and len(ent.text.split()) > 1 and doc[ent.start].lower_ != "the"
                       and not any(_is_acronym(t) for t in ent)  # 'Maru LGA': a name and a type
                       and bool(self._located_at(doc, ent.start, True)))
            if ent.label_ not in ("GPE", "LOC") and not located:
                continue
            s, e = ent.start_char, ent.end_char
            if ent.text.lower().startswith("the "):
                s += 4
            if not text[s:e][:1].isupper() or any(
                    m.start < e and s < m.end and not (located and s <= m.start and m.end <= e and m.end - m.start < e - s)
                    for m in mentions):
                continue
            cands = self.g.fuzzy(text[s:e])[:MAX_CANDIDATES]
            if " " not in skeleton(text[s:e]):
                cands = [c for c in cands if self.g.pop[c] >= FUZZY_ONE_WORD_MIN_POP]
            if cands and normalize(text[s:e]) not in COMMON_WORDS:
                m = _Mention(s, e, text[s:e], normalize(text[s:e]), cands, set(cands), ent.label_ in ("GPE", "LOC"),
                             exact_ent=True, first_tok=ent.start, last_tok=ent.end - 1)
                m.fuzzy = True
                m.weak = not m.strong
                m.located = "" if m.strong else "prep"
                out.append(m)
        return out

    def _demonyms(self, text: str, doc, taken: list[_Mention]) -> list[_Mention]:  # noqa: ANN001
        covered = [(m.start, m.end) for m in taken]
        out = []
        tokens = list(doc)
        i = 0
        while i < len(tokens):
            for width in (2, 1):
                if i + width > len(tokens) or not tokens[i].text[:1].isupper():
                    continue
                s, e = tokens[i].idx, tokens[i + width - 1].idx + len(tokens[i + width - 1].text)
                idx = self.g.demonyms.get(text[s:e])
                if idx is None or any(a < e and s < b for a, b in covered):
                    continue
                out.append(_Mention(s, e, text[s:e], text[s:e], [idx], set(), True, demonym=True))
                i += width - 1
                break
            i += 1
        return out

    def _attach_qualifiers(self, text: str, mentions: list[_Mention]) -> None:
        by_start = {m.start: m for m in mentions}
        g = self.g
        for m in mentions:
            tail = text[m.end : m.end + 40]
            within = SETTLEMENT_IN.match(tail)
            sep = QUALIFIER_SEP.match(tail) or within
            if not sep:
                continue
            q = by_start.get(m.end + sep.end())
            if q is not None and q is not m and any(g.kind[c] in (KIND_ADMIN1, KIND_COUNTRY) and c not in q.alt
                                                    for c in q.cands) \
                    and not self._country_before_country(m, q):
                m.qualifier = q
                q.is_qualifier = True
                q_cc, q_a1 = self._qualifier_targets(m)
                if within and not any(self._in_targets(c, q_cc, q_a1) for c in m.cands):
                    m.cands, m.alt, m.unplaced = [], set(), True  # 'Solhan village in Burkina Faso': not Solhan, Turkey
                continue
            postal = US_POSTAL.match(tail)
            if postal and postal.group(1) in self._postal:
                m.qualifier_a1 = g.a1key[self._postal[postal.group(1)]]
            abbrev = self._state_abbrev_re.match(tail)
            if abbrev:
                m.qualifier_a1 = g.a1key[self._state_abbrev[abbrev.group(1)]]

    def _country_before_country(self, m: _Mention, q: _Mention) -> bool:
        """'Russia, U.S. officials said': a country name followed by another country is a list, not
        'Town, Country', unless the first names a state of the second ('Georgia, U.S.')."""
        g = self.g
        q_cc = {g.cc[c] for c in q.cands if g.kind[c] == KIND_COUNTRY}
        return bool(q_cc) and any(g.kind[c] == KIND_COUNTRY for c in m.cands) and not any(
            g.kind[c] == KIND_ADMIN1 and g.cc[c] in q_cc for c in m.cands)

    def _sure(self, m: _Mention) -> bool:
        """Accepted without document context: NER place label, qualifier, demonym."""
        if m.unplaced:
            return True
        if m.demonym or m.qualifier is not None or m.qualifier_a1 is not None or m.is_qualifier:
            return any(c not in m.alt for c in m.cands) or m.strong
        if m.settlement_of and not m.multi_person:
            return any(self.g.kind[c] == KIND_CITY and (c not in m.alt or self.g.pop[c] >= LOCATED_ALT_MIN_POP)
                       for c in m.cands)
        return (m.strong or (m.dateline and any(c not in m.alt for c in m.cands))) and not m.surname

    def _plausible(self, m: _Mention, tot_a1: dict[str, float], accepted_keys: set[str]) -> bool:
        """Whether a gazetteer-only match is a toponym, given the context of the sure ones."""
        g = self.g
        if m.key in COMMON_WORDS or m.state_abbrev or m.surname:
            return False
        if m.in_org_name and not m.multi_person and any(
                g.kind[c] in (KIND_COUNTRY, KIND_ADMIN1) or g.pop[c] >= ORG_PLACE_MIN_POP for c in m.cands if c not in m.alt):
            return True
        if m.inside_org and not m.multi_person and any(g.kind[c] == KIND_COUNTRY or (
                g.kind[c] == KIND_ADMIN1 and g.pop[c] >= INSIDE_ORG_MIN_POP) for c in m.cands if c not in m.alt):
            return True
        if m.institution_word and not m.inside_longer and any(
                g.kind[c] in (KIND_CITY, KIND_ADMIN2) for c in m.cands if c not in m.alt):
            return True
        if m.inside_longer:
            return False
        cands = [c for c in m.cands if c not in m.alt]
        if m.multi_person:
            return False
        if m.key in accepted_keys or any(k.endswith(" " + m.key) for k in accepted_keys):
            return True
        located = bool(m.located) and m.exact_ent
        cands += self._located_alternates(m, tot_a1)
        if m.admin_word:  # 'Kurram district', 'the Belgorod region': a unit's bare name
            cands += [c for c in m.cands if c in m.alt and g.kind[c] in (KIND_ADMIN1, KIND_ADMIN2)]
        if not cands:
            return False
        big = [c for c in cands if g.kind[c] in (KIND_COUNTRY, KIND_ADMIN1, KIND_CONTINENT, KIND_ADMIN2, KIND_REGION)]
        supported = bool(big) or any(tot_a1.get(g.a1key[c], 0.0) >= SUPPORT_MIN for c in cands)
        if m.resident_word and any(g.kind[c] == KIND_CITY for c in cands):
            return True
        if m.weak:
            if m.multi_person:
                return False
            if big or (supported and (m.exact_ent or m.ent_start)):
                return True
            top = max(g.pop[c] for c in cands)
            return (m.exact_ent and m.after_locative and top >= 100_000) or (
                located and (top >= LOCATED_WEAK_MIN_POP or (m.fuzzy and " " in m.key)))
        if big or max(g.pop[c] for c in cands) >= 100_000:
            return True
        return supported or m.after_locative or bool(m.located)

    def _located_alternates(self, m: _Mention, tot_a1: dict[str, float]) -> list[int]:
        """Towns a located mention may be by an alternate name: from LOCATED_ALT_MIN_POP people for an entity
        ('in Azaz') or after an attack word ('shelled Jarablus'), any size for a multi-word transliteration
        ('near Tal Abyad'), else a town of a state the text names ('between Tixtla and Chilapa in Guerrero'); a
        name that is only an admin2 unit's bare name is that unit ('in Swat')."""
        g = self.g
        towns = [c for c in m.cands if c in m.alt and g.kind[c] == KIND_CITY]
        if m.located and m.exact_ent and all(c in m.alt for c in m.cands):  # 'in Swat': the district
            towns += [c for c in m.cands if g.kind[c] == KIND_ADMIN2]
        if not m.located or not towns or (m.weak and not m.exact_ent):
            return []
        if m.exact_ent or m.located in ("attack", "site") or m.fuzzy:
            return [c for c in towns if g.pop[c] >= LOCATED_ALT_MIN_POP or (m.fuzzy and " " in m.key)]
        return [c for c in towns if tot_a1.get(g.a1key[c], 0.0) >= SUPPORT_MIN]

    # ---------------------------------------------------------------- resolution
    def _base(self, m: _Mention, c: int) -> float:
        g = self.g
        s = _prior(g, c, alias=g.kind[c] == KIND_ADMIN1 and normalize(g.name[c]) != m.key)
        if g.kind[c] == KIND_ADMIN1 and not m.admin_word and any(
                g.kind[o] == KIND_CITY and g.a1key[o] == g.a1key[c] and g.pop[o] >= 100_000 for o in m.cands):
            s += W_CAPITAL_CITY
        if m.admin_word and g.kind[c] in (KIND_ADMIN1, KIND_ADMIN2):
            s += W_ADMIN_WORD
        if m.institution_word and g.kind[c] == KIND_CITY:  # 'Berea police': the town, not Berea district, Lesotho
            s += W_INSTITUTION_TOWN
        if (m.key, c) in self._preferred:
            s += W_PREFERRED
        if c in m.alt:
            s += W_ALT_NAME + (W_ADMIN2_BARE if g.kind[c] == KIND_ADMIN2 and not m.admin_word else 0.0)
        if m.fuzzy and skeleton(g.name[c]) == skeleton(m.text):
            s += W_SKELETON_WORDS
        if not m.strong and g.kind[c] == KIND_CITY:
            s += W_NO_PLACE_LABEL
        return s

    def _evidence(self, mentions: list[_Mention], region: Region | None = None) -> tuple[dict, dict]:
        """Per name: soft country / admin1 votes from its current candidate distribution; the feed's
        ``region`` votes like one more name."""
        g = self.g
        per_key_cc: dict[str, dict[str, float]] = {}
        per_key_a1: dict[str, dict[str, float]] = {}
        if region is not None:
            per_key_cc[REGION_KEY] = {region.cc: REGION_EVIDENCE}
            per_key_a1[REGION_KEY] = {region.a1key: REGION_EVIDENCE} if region.a1key else {}
        for m in mentions:
            if not m.cands or m.key in per_key_cc:
                continue
            cc: dict[str, float] = defaultdict(float)
            a1: dict[str, float] = defaultdict(float)
            for c, p in _softmax(m.scores).items():
                if g.cc[c]:
                    cc[g.cc[c]] += p
                if g.a1key[c]:
                    a1[g.a1key[c]] += p
            per_key_cc[m.key] = cc
            per_key_a1[m.key] = a1
        return per_key_cc, per_key_a1

    @staticmethod
    def _totals(per_cc: dict, per_a1: dict) -> tuple[dict[str, float], dict[str, float]]:
        tot_cc: dict[str, float] = defaultdict(float)
        tot_a1: dict[str, float] = defaultdict(float)
        for key in per_cc:
            for k, v in per_cc[key].items():
                tot_cc[k] += v
            for k, v in per_a1[key].items():
                tot_a1[k] += v
        return tot_cc, tot_a1

    def _anchors(self, mentions: list[_Mention]) -> dict[str, tuple[float, float]]:
        """Confident city/county resolutions per name, for the proximity bonus."""
        g = self.g
        out: dict[str, tuple[float, float]] = {}
        for m in mentions:
            if not m.scores or m.key in out:
                continue
            probs = _softmax(m.scores)
            best = max(probs, key=probs.get)
            if probs[best] >= 0.5 and g.kind[best] in (KIND_CITY, KIND_ADMIN2):
                out[m.key] = (g.lat[best], g.lon[best])
        return out

    def _score(self, mentions: list[_Mention], region: Region | None = None) -> None:
        g = self.g
        for m in mentions:
            m.scores = {c: self._base(m, c) for c in m.cands}
        county_a1 = self._county_states(mentions)
        paired = self._paired(mentions)
        families = _name_families({m.key for m in mentions})
        for it in range(CONTEXT_ITERATIONS):
            list_kinds = self._list_kinds(mentions) if it > 0 else {}
            per_cc, per_a1 = self._evidence(mentions, region)
            tot_cc, tot_a1 = self._totals(per_cc, per_a1)
            anchors = self._anchors(mentions) if it > 0 else {}
            new_scores = []
            for m in mentions:
                own_cc = _own(per_cc, families[m.key])
                own_a1 = _own(per_a1, families[m.key])
                q_cc, q_a1 = self._qualifier_targets(m)
                points = [pt for k, pt in anchors.items() if k != m.key]
                scores = {}
                for c in m.cands:
                    s = self._base(m, c)
                    cc, a1 = g.cc[c], g.a1key[c]
                    if cc:
                        e = tot_cc.get(cc, 0.0) - own_cc.get(cc, 0.0)
                        s += W_COUNTRY_EVIDENCE * (1.0 - math.exp(-e))
                    if a1:
                        e = tot_a1.get(a1, 0.0) - own_a1.get(a1, 0.0)
                        s += W_ADMIN1_EVIDENCE * (1.0 - math.exp(-e))
                    if self._in_targets(c, q_cc, q_a1):
                        s += W_QUALIFIER
                    if points and g.kind[c] in (KIND_CITY, KIND_ADMIN2) and _near(g.lat[c], g.lon[c], points):
                        s += W_NEAR
                    if c in paired:
                        s += W_PAIR
                    if g.kind[c] == list_kinds.get(id(m)):
                        s += W_LIST_KIND
                    if a1 and g.kind[c] == KIND_CITY and any(a1 in states for k, states in county_a1.items() if k != m.key):
                        s += W_COUNTY_STATE
                    scores[c] = s
                new_scores.append(scores)
            for m, scores in zip(mentions, new_scores):
                m.scores = scores

    def _list_kinds(self, mentions: list[_Mention]) -> dict[int, int]:
        """Per mention in a list, the kind (state or country) that most of the list's other members now
        resolve to: 'Missouri, New York and Virginia' names states, 'France, Georgia and Turkey' countries."""
        g = self.g
        groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for m in mentions:
            if m.list_group >= 0 and m.scores and not m.demonym:
                groups[m.list_group].append((id(m), g.kind[max(m.scores, key=m.scores.get)]))
        out: dict[int, int] = {}
        for members in groups.values():
            for mid, _ in members:
                kinds = [k for o, k in members if o != mid]
                for kind in (KIND_ADMIN1, KIND_COUNTRY):
                    if kinds and 2 * kinds.count(kind) > len(kinds):
                        out[mid] = kind
        return out

    def _paired(self, mentions: list[_Mention]) -> set[int]:
        """Town and county senses that lie within PAIR_KM of a town or county sense of another name in the
        text (Edmonton and Enfield in north London, London and St. Thomas in Ontario)."""
        g = self.g
        cell = PAIR_KM / 111.2
        grid: dict[tuple[int, int], list[tuple[str, int]]] = defaultdict(list)
        for m in mentions:
            if m.demonym:
                continue
            for c in m.cands:
                if g.kind[c] in (KIND_CITY, KIND_ADMIN2):
                    grid[(int(g.lat[c] // cell), int(g.lon[c] // cell))].append((m.key, c))
        out: set[int] = set()
        for (y, x), members in grid.items():
            reach = math.ceil(1.0 / max(math.cos(math.radians(min(max(abs(y - 1), abs(y + 2)) * cell, 89.0))), 0.05))
            near = [o for dy in (-1, 0, 1) for dx in range(-reach, reach + 1) for o in grid.get((y + dy, x + dx), ())]
            for key, c in members:
                if c in out:
                    continue
                if any(k != key and haversine_km(g.lat[c], g.lon[c], g.lat[o], g.lon[o]) <= PAIR_KM for k, o in near):
                    out.add(c)
        return out

    def _county_states(self, mentions: list[_Mention]) -> dict[str, set[str]]:
        """Per county name in the text ('Henry County'), the states that have a county of that name:
        a town that shares one of them with a county named beside it is likely there."""
        g = self.g
        return {m.key: {g.a1key[c] for c in m.cands if g.kind[c] == KIND_ADMIN2 and g.a1key[c]}
                for m in mentions if any(g.kind[c] == KIND_ADMIN2 for c in m.cands)}

    def _qualifier_targets(self, m: _Mention) -> tuple[set[str], set[str]]:
        g = self.g
        if m.qualifier_a1:
            return {m.qualifier_a1.split(".")[0]}, {m.qualifier_a1}
        if m.qualifier is None:
            return set(), set()
        q_cc: set[str] = set()
        q_a1: set[str] = set()
        for c in m.qualifier.cands:
            if g.kind[c] == KIND_ADMIN1:
                q_a1.add(g.a1key[c])
                q_cc.add(g.cc[c])
            elif g.kind[c] == KIND_COUNTRY:
                q_cc.add(g.cc[c])
        if any(g.kind[c] == KIND_COUNTRY for c in m.qualifier.cands):
            q_a1 = set()
        return q_cc, q_a1

    def _in_targets(self, c: int, q_cc: set[str], q_a1: set[str]) -> bool:
        """Whether place ``c`` lies in its mention's qualifier: in one of ``q_a1``, else in one of ``q_cc``."""
        a1, cc = self.g.a1key[c], self.g.cc[c]
        return bool((a1 and a1 in q_a1) or (cc and cc in q_cc and not q_a1))

    def _location(self, idx: int, surface: str) -> Location:
        g = self.g
        kind = g.kind[idx]
        if kind == KIND_REGION:
            precision = "admin1" if g.cc[idx] else "country"
        else:
            precision = {KIND_CITY: "city", KIND_ADMIN2: "admin2", KIND_COUNTRY: "country", KIND_CONTINENT: "country"}.get(
                kind, "admin1")
        return Location(
            name=g.name[idx],
            country_code=g.cc[idx] or None,
            admin1=g.admin1[idx] or None,
            lat=g.lat[idx],
            lon=g.lon[idx],
            geonameid=g.gid[idx] or None,
            feature_class="P" if kind == KIND_CITY else "L" if kind in (KIND_CONTINENT, KIND_REGION) else "A",
            precision=precision,
            mentions=[surface],
        )

    # ---------------------------------------------------------------- public
    def region(self, code: str | None) -> Region | None:
        """The gazetteer's country / admin1 of an ISO 3166 code ('MX', 'US-TX'), or None if unknown."""
        if not code:
            return None
        code = code.upper()
        if code in self.g.country_index:
            return Region(code, "")
        a1key = self.g.iso_admin1.get(code)
        return Region(code[:2], a1key) if a1key else None

    def parse(self, text: str, doc=None, region: str | None = None) -> list[Toponym]:  # noqa: ANN001 - spacy Doc
        """Toponyms in ``text`` (sorted by offset); ``doc`` is the spaCy Doc of exactly ``text`` if available;
        ``region`` is the feed's home region (ISO 3166), evidence like a name of that country or state."""
        if not text or not text.strip():
            return []
        if doc is None:
            from pipeline.nlp import get_nlp

            doc = get_nlp()(text)
        elif len(doc) and (doc[-1].idx + len(doc[-1].text_with_ws) != len(text) or doc[0].idx != 0):
            raise ValueError("doc is not the spaCy Doc of this text")
        home = self.region(region)
        demonyms, mentions, accepted = self.candidates(text, doc, home)
        if self.ranker is not None:
            accepted = self.rank(doc, demonyms, mentions, {id(m) for m in accepted}, self.ranker.keep, home)
        return self._output(text, doc, accepted)

    def candidates(self, text: str, doc, region: Region | None = None  # noqa: ANN001
                   ) -> tuple[list[_Mention], list[_Mention], list[_Mention]]:
        """Demonyms, every candidate mention (any entity span or capitalised span with a gazetteer
        match, transliteration matches) and the mentions the rules accept (scored, demonyms included)."""
        lists = self._admin2_lists(text, doc)
        found = [m for m in self._find_mentions(text, doc) if not any(a.start < m.end and m.start < a.end for a in lists)]
        found += lists
        fuzzy = self._fuzzy_mentions(text, doc, found)
        found = [m for m in found if not any(f.start <= m.start and m.end <= f.end for f in fuzzy)] + fuzzy
        # a demonym gives way to a longer name it starts ('British Columbia', 'Indian Ocean')
        demonyms = [d for d in self._demonyms(text, doc, [])
                    if not any(m.start <= d.start and d.end <= m.end and m.end - m.start > d.end - d.start for m in found)]
        taken = [(d.start, d.end) for d in demonyms]
        mentions = [m for m in found if not any(a < m.end and m.start < b for a, b in taken)]
        self._attach_qualifiers(text, mentions)
        _group_lists(text, mentions)
        for m in mentions:
            if len(m.cands) > MAX_CANDIDATES:
                m.cands = sorted(m.cands, key=lambda c: -self._base(m, c))[:MAX_CANDIDATES]
        accepted = [m for m in mentions if self._sure(m)]
        accepted += demonyms
        pending = [m for m in mentions if not self._sure(m)]
        self._score(accepted, region)
        for _ in range(ACCEPT_ROUNDS):
            tot_a1 = self._totals(*self._evidence(accepted, region))[1]
            keys = {m.key for m in accepted}
            newly = [m for m in pending if self._plausible(m, tot_a1, keys)]
            if not newly:
                break
            pending = [m for m in pending if m not in newly]
            accepted += newly
            self._score(accepted, region)
        self._drop_foreign_skeletons(accepted, region)
        return demonyms, mentions, accepted

    def _drop_foreign_skeletons(self, accepted: list[_Mention], region: Region | None) -> None:
        """A one-word skeleton match or an admin2 unit's bare name that is a small place of a country nothing
        else in the story names, while the story names another, is a place the gazetteer lacks ('Seytenga' in
        a Burkina Faso story is not Steyning, England): left unresolved."""
        g = self.g
        per_cc, per_a1 = self._evidence(accepted, region)
        tot_cc = self._totals(per_cc, per_a1)[0]
        for m in accepted:
            if not m.scores:
                continue
            best = max(m.scores, key=m.scores.get)
            if not ((m.fuzzy and " " not in skeleton(m.text)) or (best in m.alt and g.kind[best] == KIND_ADMIN2)):
                continue
            own = per_cc.get(m.key, {})
            others = {cc: v - own.get(cc, 0.0) for cc, v in tot_cc.items()}
            if g.pop[best] < FOREIGN_SKELETON_MAX_POP and others.get(g.cc[best], 0.0) < SUPPORT_MIN and any(
                    v >= FOREIGN_SUPPORT_MIN for v in others.values()):
                m.cands, m.alt, m.scores, m.unplaced = [], set(), {}, True

    def rank(self, doc, demonyms: list[_Mention], mentions: list[_Mention], rule_ok: set[int],  # noqa: ANN001
             keep, region: Region | None = None) -> list[_Mention]:  # noqa: ANN001 - Callable[[list[list[float]]], list[bool]]
        """The learned path: ``keep`` decides which candidates are toponyms (given their filter
        features), then the ranker's sense model scores every candidate place of the kept ones."""
        from pipeline.geo.ranker import doc_context, filter_features, sense_features

        ctx = doc_context(self, doc, [m for m in mentions if id(m) in rule_ok] + demonyms, region)
        rows = [filter_features(self, doc, m, id(m) in rule_ok, ctx) for m in mentions]
        kept = [m for m, ok in zip(mentions, keep(rows)) if ok] + demonyms
        self._score(kept, region)
        ctx = doc_context(self, doc, kept, region)
        for m in kept:
            if m.demonym or len(m.cands) < 2:
                continue
            m.sense_rows = [sense_features(self, m, c, ctx) for c in m.cands]
            if self.ranker is not None:
                logits = self.ranker.sense(m.sense_rows)
                m.scores = {c: z / math.log(10.0) for c, z in zip(m.cands, logits)}
        return kept

    def _output(self, text: str, doc, mentions: list[_Mention]) -> list[Toponym]:  # noqa: ANN001
        """Toponyms of the accepted ``mentions`` (one sense per name) plus unresolved NER places."""
        # one sense per name: unqualified mentions share the best sense of the name, and the sense of
        # a qualified mention ('Savannah, Georgia') when the text has one
        best_by_key: dict[str, tuple[int, float]] = {}
        qualified: dict[str, tuple[int, float]] = {}
        for m in mentions:
            if not m.cands:
                continue
            best = max(m.scores, key=m.scores.get)
            probs = _softmax(m.scores)
            seen = qualified if m.qualifier is not None or m.qualifier_a1 is not None else best_by_key
            if m.key not in seen or seen[m.key][1] < probs[best]:
                seen[m.key] = (best, probs[best])
        best_by_key.update(qualified)
        out: list[Toponym] = []
        for m in mentions:
            if not m.cands:
                if m.unplaced:
                    out.append(Toponym(m.text, m.start, m.end, None, 0.0))
                continue
            if m.key in best_by_key and m.qualifier is None and m.qualifier_a1 is None:
                best, conf = best_by_key[m.key]
            else:
                best = max(m.scores, key=m.scores.get)
                conf = _softmax(m.scores)[best]
            out.append(Toponym(m.text, m.start, m.end, self._location(best, m.text), round(conf, 4), m.demonym))
        for m in self._ner_only(text, doc, mentions):
            out.append(Toponym(m.text, m.start, m.end, None, 0.0))
        out.sort(key=lambda t: t.start)
        return out

    def locations(self, toponyms: list[Toponym], include_demonyms: bool = False) -> list[Location]:
        """Merge toponyms resolving to the same place into one Location (order of first appearance)."""
        merged: dict[int | str, Location] = {}
        for t in toponyms:
            if t.location is None or (t.demonym and not include_demonyms):
                continue
            key = t.location.geonameid if t.location.geonameid is not None else t.location.name
            if key in merged:
                if t.text not in merged[key].mentions:
                    merged[key].mentions.append(t.text)
            else:
                merged[key] = t.location.model_copy(update={"mentions": [t.text]})
        return list(merged.values())


def _name_families(keys: set[str]) -> dict[str, list[str]]:
    """Per name, itself and the names that extend it or that it extends: 'Dublin' and 'Dublin City' do
    not vouch for each other's country."""
    return {key: [k for k in keys if k == key or k.startswith(key + " ") or key.startswith(k + " ")] for key in keys}


def _own(per_key: dict[str, dict[str, float]], family: list[str]) -> dict[str, float]:
    """The votes of a family of names (see :func:`_name_families`)."""
    if len(family) == 1:
        return per_key.get(family[0], {})
    own: dict[str, float] = defaultdict(float)
    for k in family:
        for place, v in per_key.get(k, {}).items():
            own[place] += v
    return own


_LIST_GAP = re.compile(r"^\s*(?:,|;|and|or|&|, and|, or)\s*$")


def _group_lists(text: str, mentions: list[_Mention]) -> None:
    """Give mentions joined by ',', 'and' or 'or' one ``list_group`` id."""
    ordered = sorted(mentions, key=lambda m: m.start)
    group = -1
    for prev, m in zip([None, *ordered], ordered):
        if prev is not None and prev.end <= m.start and m.start - prev.end <= 6 and _LIST_GAP.match(text[prev.end:m.start]):
            if prev.list_group < 0:
                group += 1
                prev.list_group = group
            m.list_group = prev.list_group


def _is_acronym(tok) -> bool:  # noqa: ANN001 - spaCy token
    """An all-capitals word of up to four letters ('LGA', 'IDP'): a type or an organisation, not part of a name."""
    return tok.is_upper and len(tok.text) <= 4


def _word_before(tokens, i: int, skip_articles: bool = True) -> int:  # noqa: ANN001 - spaCy Doc or token list
    """Index of the word before token ``i`` that is not a direction ('in rural X') nor, with ``skip_articles``,
    'the' ('in the rural X'), or -1."""
    back = i - 1
    while back >= 0 and ((skip_articles and tokens[back].lower_ == "the") or tokens[back].lower_ in DIRECTION_WORDS):
        back -= 1
    return back


def _near(lat: float, lon: float, points: list[tuple[float, float]]) -> bool:
    """Whether (lat, lon) lies within NEAR_KM of any point (equirectangular approximation)."""
    k = math.cos(math.radians(lat))
    for plat, plon in points:
        dlon = (lon - plon + 180.0) % 360.0 - 180.0
        if 111.2 * math.hypot(lat - plat, dlon * k) <= NEAR_KM:
            return True
    return False


def _softmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    top = max(scores.values())
    weights = {c: 10.0 ** (s - top) for c, s in scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


_LOCK = threading.Lock()
_INSTANCE: Geoparser | None = None


def get_geoparser() -> Geoparser:
    """The process-wide geoparser, built lazily on first use (loads or builds the gazetteer index)."""
    global _INSTANCE
    with _LOCK:
        if _INSTANCE is None:
            from pipeline.settings import get_settings

            settings = get_settings()
            ranker = None
            if settings.geo_ranker:
                from pipeline.geo.ranker import get_ranker

                ranker = get_ranker()
            _INSTANCE = Geoparser(load_gazetteer(settings.cache_dir), ranker)
        return _INSTANCE
