"""Casualty counts: fatalities and injured, from digits and number words in dependency context."""

from __future__ import annotations

import re

from pipeline.enrich.base import EnrichDoc, NumberMention
from pipeline.enrich.sents import sent_no, sent_of, sent_text_lower

UNITS = {
    "zero": 0, "no": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
APPROX = {"dozen": 12, "couple": 2, "pair": 2, "score": 20}
SINGLE_WORDS = {"single", "lone"}

FATAL_VERBS = frozenset("kill murder slay execute behead massacre assassinate die perish lynch slaughter".split())
INJURY_VERBS = frozenset("injure wound hurt hospitalize hospitalise maim".split())
FATAL_ADJ = frozenset("dead killed".split())
INJURY_ADJ = frozenset("injured wounded hurt".split())
FATAL_NOUNS = frozenset("death fatality body corpse dead".split())
INJURY_NOUNS = frozenset("injury injured wounded".split())
NON_VICTIM_NOUNS = frozenset(
    """bullet round shell casing cartridge year month week day hour minute second percent per cent
    peso dollar euro pound kilometre kilometer mile metre meter vehicle car house home building time
    shot gun rifle weapon kilogram kg ton tonne acre hectare point goal grenade bomb missile rocket
    drone mortar page article suspect arrest order count""".split()
)
_DIGITS_RE = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")
_YEAR_RE = re.compile(r"^(1[89]|20)\d\d$")


def word_value(text: str) -> int | None:
    """Integer value of a digit string or English number words ("twenty-two", "1,200", "a dozen")."""
    t = text.lower().strip()
    if _DIGITS_RE.match(t):
        return int(t.replace(",", ""))
    parts = re.split(r"[\s-]+", t)
    total, current, seen = 0, 0, False
    for p in parts:
        if p in ("and", "a", "an"):
            continue
        if p in UNITS and p not in ("a", "an", "no"):
            current += UNITS[p]
        elif p in TENS:
            current += TENS[p]
        elif p in SCALES:
            current = max(current, 1) * SCALES[p]
            if SCALES[p] >= 1000:
                total, current = total + current, 0
        elif p in APPROX:
            current = max(current, 1) * APPROX[p]
        else:
            return None
        seen = True
    return total + current if seen else None


def _number_value(tok) -> int | None:  # noqa: ANN001
    """Value of the number phrase headed by ``tok`` (joining compound number words)."""
    if tok.lower_ in APPROX:
        mult = 1
        for c in tok.children:
            v = word_value(c.text) if c.dep_ == "nummod" else None
            if v:
                mult = v
        if tok.tag_ == "NNS":
            return None  # "dozens" is vague
        return APPROX[tok.lower_] * mult
    if not (tok.like_num or tok.lower_ in UNITS or tok.lower_ in TENS):
        return None
    if _YEAR_RE.match(tok.text) and not any(c.lower_ in ("least", "than") for c in tok.children):
        return None
    parts = [c for c in tok.children if c.dep_ == "compound" and (c.like_num or c.lower_ in UNITS or c.lower_ in TENS)]
    text = " ".join(t.text for t in sorted([*parts, tok], key=lambda t: t.i))
    value = word_value(text)
    if value is None:
        try:
            value = int(float(tok.text.replace(",", "")))
        except ValueError:
            return None
    return value


def _is_age_or_money(tok, noun) -> bool:  # noqa: ANN001
    doc = tok.doc
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    prev = doc[tok.i - 1] if tok.i > 0 else None
    if nxt is not None and (nxt.lower_ in ("-year", "year", "years", "%", "percent") or nxt.text.startswith("-year")):
        return True
    if prev is not None and (prev.lower_ in ("aged", "age", "$", "€", "£", "no.", "number", "#") or prev.is_currency):
        return True
    if noun is not None and noun.lemma_.lower() in NON_VICTIM_NOUNS:
        return True
    return False


def _subset(tok) -> bool:  # noqa: ANN001
    """True if the phrase hangs under 'including'/'among' (a subset of a larger count)."""
    cur = tok
    for _ in range(4):
        if cur.lower_ in ("including", "among", "includes", "include", "besides"):
            return True
        if cur.dep_ == "prep" and cur.lower_ in ("of",) and cur.head.like_num:
            return True
        if cur.head.i == cur.i:
            break
        cur = cur.head
    return False


def _kind_for(noun) -> str | None:  # noqa: ANN001
    """Casualty kind of the victim phrase headed by ``noun`` from its governing words."""
    lemma = noun.lemma_.lower()
    if lemma in FATAL_NOUNS and noun.lower_ != "dead" or noun.lower_ == "dead":
        return "fatalities"
    if lemma in INJURY_NOUNS or noun.lower_ in ("injured", "wounded"):
        return "injured"
    for child in noun.children:
        if child.dep_ in ("amod", "acl", "relcl") and child.lower_ in FATAL_ADJ | {"killed"}:
            return "fatalities"
        if child.dep_ in ("amod", "acl", "relcl") and (child.lower_ in INJURY_ADJ or child.lemma_.lower() in INJURY_VERBS):
            return "injured"
        if child.dep_ in ("acl", "relcl") and child.lemma_.lower() in FATAL_VERBS:
            return "fatalities"
    head = noun.head
    hops = 0
    while hops < 3:
        lemma_h = head.lemma_.lower()
        if noun.dep_ in ("nsubj", "nsubjpass", "dobj", "conj", "appos", "attr", "npadvmod", "pobj", "nummod") or hops:
            if lemma_h in FATAL_VERBS or head.lower_ in FATAL_ADJ:
                if lemma_h == "die" and noun.dep_ == "pobj":
                    return None
                return "fatalities"
            if lemma_h == "shoot" and any(c.lower_ == "dead" for c in head.children):
                return "fatalities"
            if lemma_h in INJURY_VERBS or head.lower_ in INJURY_ADJ:
                return "injured"
            if lemma_h in ("leave",):
                for c in head.children:
                    if c.lower_ in FATAL_ADJ:
                        return "fatalities"
                    if c.lower_ in INJURY_ADJ:
                        return "injured"
            if lemma_h in ("toll", "rise", "climb", "reach", "stand") and _toll_context(head):
                return "fatalities"
        if head.dep_ not in ("conj", "appos", "prep", "pobj", "xcomp") or head.head.i == head.i:
            break
        head = head.head
        hops += 1
    for child in noun.head.children:
        if child.i > noun.i and child.dep_ in ("amod", "acomp", "oprd", "xcomp", "ccomp") and child.lower_ in FATAL_ADJ:
            return "fatalities"
        if child.i > noun.i and child.dep_ in ("amod", "acomp", "oprd", "xcomp", "ccomp") and child.lower_ in INJURY_ADJ:
            return "injured"
    return None


_TALLY_RE = re.compile(
    r"\b(since (19|20)\d\d|since (the start|january|the beginning)|this year|so far|in total|last year|"
    r"(19|20)\d\d\b.*\b(killed|died|dead)|cumulative|annual|a year|per year|tens of thousands|hundreds of thousands)",
    re.I,
)


def _adjacent_kind(noun) -> str | None:  # noqa: ANN001
    """'at least twenty injured', 'five dead': the word right after the count."""
    doc = noun.doc
    nxt = doc[noun.i + 1] if noun.i + 1 < len(doc) else None
    if nxt is None:
        return None
    if nxt.lower_ in ("dead", "killed"):
        return "fatalities"
    if nxt.lower_ in ("injured", "wounded", "hurt"):
        return "injured"
    return None


def _toll_context(tok) -> bool:  # noqa: ANN001
    sent = sent_of(tok)
    return any(t.lemma_.lower() == "toll" for t in sent) and any(t.lemma_.lower() in ("death", "dead") for t in sent)


def _toll_number(tok) -> bool:  # noqa: ANN001
    """'The death toll rose to 12' / 'a death toll of 12'."""
    cur = tok
    for _ in range(4):
        if cur.lemma_.lower() == "toll":
            return any(c.lemma_.lower() in ("death",) for c in cur.children) or "death" in sent_text_lower(cur)
        for c in cur.children:
            if c.dep_ in ("nsubj",) and c.lemma_.lower() == "toll":
                return True
        if cur.head.i == cur.i:
            break
        cur = cur.head
    return False


def find_numbers(doc) -> list[NumberMention]:  # noqa: ANN001
    """Casualty mentions in ``doc``: each has a kind, a value and its sentence."""
    out: list[NumberMention] = []
    for tok in doc:
        value = _number_value(tok)
        if value is None or any(c.lower_ == "no" for c in tok.children) or doc[max(tok.i - 1, 0)].lower_ == "no":
            continue
        if tok.dep_ in ("nummod", "quantmod", "compound") and tok.head.pos_ in ("NOUN", "PROPN", "ADJ", "VERB"):
            noun = tok.head
        else:
            noun = tok
        if noun.dep_ == "compound" and noun.head.like_num:
            continue
        if _is_age_or_money(tok, noun if noun is not tok else None) or _subset(noun):
            continue
        toll = _toll_number(tok)
        kind = "fatalities" if toll else (_adjacent_kind(noun) or _kind_for(noun))
        if kind is None or _TALLY_RE.search(sent_of(tok).text):
            continue
        if value > 100_000:
            continue
        sent = sent_no(doc, tok.i)
        out.append(NumberMention(kind, value, tok.i, sent, doc[min(tok.i, noun.i): max(tok.i, noun.i) + 1].text, toll))
    out.extend(_singular_victims(doc, {m.start for m in out}))
    out.extend(_explicit_zero(doc))
    return out


_PERSON_NOUNS = frozenset(
    """journalist reporter man woman boy girl child teenager student farmer officer policeman soldier
    civilian driver teacher priest pastor mayor candidate activist worker guard official trader
    person resident villager doctor nurse lawyer judge councillor councilor businessman leader""".split()
)


def _singular_victims(doc, seen: set[int]) -> list[NumberMention]:  # noqa: ANN001
    """'A journalist was killed' / 'gunmen shot dead a mayor' count as one."""
    out = []
    for tok in doc:
        if tok.tag_ not in ("NN", "NNP") or tok.i in seen:
            continue
        is_person = tok.lemma_.lower() in _PERSON_NOUNS or (tok.ent_type_ == "PERSON" and tok.dep_ != "compound")
        if not is_person or any(c.like_num for c in tok.children):
            continue
        if tok.dep_ not in ("nsubjpass", "dobj"):
            continue
        kind = _kind_for(tok)
        if kind is None:
            continue
        if any(c.dep_ == "conj" for c in tok.children) or tok.dep_ == "conj":
            continue
        out.append(NumberMention(kind, 1, tok.i, sent_no(doc, tok.i), tok.text))
    return out


def _explicit_zero(doc) -> list[NumberMention]:  # noqa: ANN001
    """'No one was killed', 'nobody was hurt', 'there were no casualties'."""
    out = []
    for tok in doc:
        low = tok.lower_
        nobody = low in ("nobody", "noone") or (low == "one" and any(c.lower_ == "no" for c in tok.children))
        if nobody and tok.dep_ in ("nsubj", "nsubjpass"):
            lemma = tok.head.lemma_.lower()
            if lemma in FATAL_VERBS:
                out.append(NumberMention("fatalities", 0, tok.i, sent_no(doc, tok.i), sent_of(tok).text))
            elif lemma in INJURY_VERBS or tok.head.lower_ in INJURY_ADJ:
                out.append(NumberMention("injured", 0, tok.i, sent_no(doc, tok.i), sent_of(tok).text))
                out.append(NumberMention("fatalities", 0, tok.i, sent_no(doc, tok.i), sent_of(tok).text))
        if low in ("casualties", "injuries", "deaths", "fatalities") and any(c.lower_ == "no" for c in tok.children):
            si = sent_no(doc, tok.i)
            if low in ("casualties", "injuries"):
                out.append(NumberMention("injured", 0, tok.i, si, sent_of(tok).text))
            if low in ("casualties", "deaths", "fatalities"):
                out.append(NumberMention("fatalities", 0, tok.i, si, sent_of(tok).text))
    return out


def aggregate(mentions: list[NumberMention], kind: str) -> int | None:
    """One count per kind: the first sentence that states one (counts in it are summed, a repeated
    value counted once), raised by a later, larger death-toll update ("the toll rose to 12")."""
    per_sent: dict[int, list[NumberMention]] = {}
    for m in mentions:
        if m.kind == kind:
            per_sent.setdefault(m.sent, []).append(m)
    if not per_sent:
        return None
    best: int | None = None
    for sent in sorted(per_sent):
        positives = list(dict.fromkeys(m.value for m in per_sent[sent] if m.value > 0))
        if best is None or best == 0:
            best = sum(positives) if positives else (best or 0)
        elif any(m.toll for m in per_sent[sent]):
            best = max(best, max(positives, default=0))
    return best


def numbers_step(doc: EnrichDoc) -> EnrichDoc:
    """Set ``number_mentions``, ``fatalities`` and ``injured`` (article level)."""
    if not doc.english or doc.doc is None:
        return doc
    doc.number_mentions = find_numbers(doc.doc)
    doc.fatalities = aggregate(doc.number_mentions, "fatalities")
    doc.injured = aggregate(doc.number_mentions, "injured")
    return doc
