"""Casualty counts: fatalities and injured, from digits and number words in dependency context."""

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import tables as tb
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import NumberMention, write_spans
from pipeline.enrich.sents import sent_no, sent_of, sent_text_lower

UNITS = tb.number_words("en")
TENS = tb.mapping("numbers", "tens")
SCALES = tb.mapping("numbers", "scales")
APPROX = tb.mapping("numbers", "approx")
SINGLE_WORDS = tb.words("numbers", "single_words")

FATAL_VERBS = tb.words("numbers", "fatal_verbs")
INJURY_VERBS = tb.words("numbers", "injury_verbs")
FATAL_ADJ = tb.words("numbers", "fatal_adj")
INJURY_ADJ = tb.words("numbers", "injury_adj")
FATAL_NOUNS = tb.words("numbers", "fatal_nouns")
INJURY_NOUNS = tb.words("numbers", "injury_nouns")
NON_VICTIM_NOUNS = tb.words("numbers", "non_victim_nouns")
_CLOCK_WORDS = tb.words("numbers", "clock_words")
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
    if nxt is not None and nxt.lower_ in _CLOCK_WORDS:
        return True
    if prev is not None and (prev.lower_ in ("aged", "age", "$", "€", "£", "no.", "number", "#") or prev.is_currency):
        return True
    if noun is not None and noun.lemma_.lower() in NON_VICTIM_NOUNS:
        return True
    return False


_PARTITIVE_OBJECTS = tb.words("numbers", "partitive_objects")


def _partitive(tok) -> bool:  # noqa: ANN001
    """'beheading four of them', 'two of the dead': a part of a count already given."""
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"):
        for obj in (c for c in prep.children if c.dep_ == "pobj"):
            if obj.lower_ in _PARTITIVE_OBJECTS or obj.lemma_.lower() in _PARTITIVE_OBJECTS:
                return True
    return False


def _subset(tok) -> bool:  # noqa: ANN001
    """True if the phrase hangs under 'including'/'among' (a subset of a larger count)."""
    if _partitive(tok):
        return True
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


_LOCATIVE_PREPS = tb.words("numbers", "locative_preps")
_CARE_VERBS = tb.words("numbers", "care_verbs")
_CARE_WORDS = tb.words("numbers", "care_words")


def _care_kind(verb, noun) -> str | None:  # noqa: ANN001
    """'six people were treated for gas', 'two survived with wounds', 'taken to hospital': injured."""
    lemma = verb.lemma_.lower()
    if lemma not in _CARE_VERBS or noun.dep_ not in ("nsubj", "nsubjpass", "dobj"):
        return None
    if lemma == "survive" and any(c.lower_ == "unhurt" for c in verb.children):
        return None
    if lemma == "treat" and noun.dep_ == "nsubjpass":
        return "injured"
    words = {t.lemma_.lower() for t in verb.subtree if t.i not in range(noun.left_edge.i, noun.right_edge.i + 1)}
    return "injured" if words & _CARE_WORDS else None


def _has_subject(verb) -> bool:  # noqa: ANN001
    """A coordinated verb with its own subject is a separate predicate ('... and 37 were arrested')."""
    return any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _kind_for(noun) -> str | None:  # noqa: ANN001
    """Casualty kind of the victim phrase headed by ``noun`` from its governing words."""
    if noun.dep_ == "pobj" and noun.head.lower_ in _LOCATIVE_PREPS:
        return None
    if noun.dep_ in ("conj", "appos") and noun.head.pos_ in ("NOUN", "PROPN", "NUM") and noun.head.i != noun.i:
        return _kind_for(noun.head)
    lemma = noun.lemma_.lower()
    if lemma in FATAL_NOUNS and noun.lower_ != "dead" or noun.lower_ == "dead":
        return "fatalities"
    if lemma in INJURY_NOUNS or noun.lower_ in ("injured", "wounded"):
        return "injured"
    care = _care_kind(noun.head, noun)
    if care:
        return care
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
        if head.pos_ in ("VERB", "AUX") and head.dep_ == "conj" and _has_subject(head):
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
    j = noun.i + 1
    while j < len(doc) - 1 and doc[j].pos_ == "ADV" and doc[j].lower_.endswith("ly"):
        j += 1
    nxt = doc[j] if j < len(doc) else None
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


@dataclass
class CasualtyMention(NumberMention):
    """A casualty count; ``added`` marks an addition to an earlier count ("two attackers were also killed")."""

    added: bool = False
    chain: int = -1  # token index of the coordination that joins this count with others ("5 soldiers and 8 attackers")


_COLLECTIVE = tb.words("numbers", "collective")
_ADDITION_ADV = tb.words("numbers", "addition_adv")
_ADDITION_MOD = tb.words("numbers", "addition_mod")


def _collective_noun(tok):  # noqa: ANN001, ANN202
    """'a family of five': the collective noun the count belongs to, else None."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in _COLLECTIVE:
        return tok.head.head
    return None


def _chain_root(noun):  # noqa: ANN001, ANN202
    cur = noun
    for _ in range(6):
        if cur.dep_ not in ("conj", "appos") or cur.head.i == cur.i or cur.head.pos_ not in ("NOUN", "PROPN", "NUM"):
            break
        cur = cur.head
    return cur


def _is_addition(noun) -> bool:  # noqa: ANN001
    """The count is marked as coming on top of another: 'also killed', 'two other patients', 'a fourth man'."""
    if any(c.lower_ in _ADDITION_MOD and c.dep_ in ("amod", "advmod", "det", "nummod", "compound") for c in noun.children):
        return True
    cur = noun
    for _ in range(4):
        if any(c.dep_ == "advmod" and c.lower_ in _ADDITION_ADV for c in cur.children):
            return True
        if any(c.dep_ == "prep" and c.lower_ == "as" and any(g.lower_ == "well" for g in c.children) for c in cur.children):
            return True
        if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
            break
        cur = cur.head
    return False


def _mention(doc, kind: str, value: int, tok, noun, toll: bool = False) -> CasualtyMention:  # noqa: ANN001
    root = _chain_root(noun)
    chain = root.i if root.i != noun.i or any(c.dep_ == "conj" for c in noun.children) else -1
    return CasualtyMention(kind, value, tok.i, sent_no(doc, tok.i), doc[min(tok.i, noun.i): max(tok.i, noun.i) + 1].text,
                           toll, _is_addition(noun), chain)


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
            noun = _collective_noun(tok) or tok
        if noun.dep_ == "compound" and noun.head.like_num:
            continue
        if _is_age_or_money(tok, noun if noun is not tok else None) or _subset(noun) or (noun is not tok and _subset(tok)):
            continue
        toll = _toll_number(tok)
        kind = "fatalities" if toll else (_adjacent_kind(noun) or _kind_for(noun))
        if kind is None or _TALLY_RE.search(sent_of(tok).text):
            continue
        if value > 100_000:
            continue
        out.append(_mention(doc, kind, value, tok, noun, toll))
    out.extend(_singular_victims(doc, {m.start for m in out} | {i for m in out for i in _span(doc, m)}))
    out.extend(_explicit_zero(doc))
    return out


def _span(doc, m: NumberMention) -> range:  # noqa: ANN001
    tok = doc[m.start]
    head = tok.head if tok.dep_ in ("nummod", "quantmod", "compound") else tok
    return range(min(tok.i, head.i), max(tok.i, head.i) + 1)


_PERSON_NOUNS = tb.words("numbers", "person_nouns")
_PRONOUN_VICTIMS = tb.words("numbers", "pronoun_victims")
_PRONOUN_SUBJECTS = tb.words("numbers", "pronoun_subjects")
_DEATH_NOUNS = tb.words("numbers", "death_nouns")


def _person_token(tok) -> bool:  # noqa: ANN001
    if tok.tag_ not in ("NN", "NNP") or any(c.tag_ == "CD" for c in tok.children):
        return False
    return tok.lemma_.lower() in _PERSON_NOUNS or (tok.ent_type_ == "PERSON" and tok.dep_ != "compound")


def _singular_kind(tok) -> str | None:  # noqa: ANN001
    """Kind of a singular victim: subject/object of a casualty verb, or 'the killing of a leader'."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in _DEATH_NOUNS:
        return "fatalities"
    if tok.lower_ in _PRONOUN_SUBJECTS:
        return "fatalities" if tok.dep_ == "nsubj" and tok.head.lemma_.lower() in ("die", "perish") else None
    if tok.dep_ not in ("nsubjpass", "dobj") and not (tok.dep_ == "nsubj" and tok.head.lemma_.lower() in _CARE_VERBS):
        return None
    return _adjacent_kind(tok) or _kind_for(tok)


def _singular_victims(doc, seen: set[int]) -> list[NumberMention]:  # noqa: ANN001
    """'A journalist was killed', 'gunmen shot dead a mayor', 'killing him' count as one; a list of
    victims ('a man, his wife and their three children') counts each singular member."""
    out: list[NumberMention] = []
    for tok in doc:
        if tok.i in seen:
            continue
        pronoun = tok.lower_ in _PRONOUN_VICTIMS | _PRONOUN_SUBJECTS and tok.pos_ == "PRON"
        if not pronoun and not _person_token(tok):
            continue
        root = _chain_root(tok)
        if root.i != tok.i and not (_person_token(root) or root.i in seen or any(c.like_num for c in root.children)):
            continue
        if pronoun and tok.lower_ in _PRONOUN_VICTIMS and tok.dep_ != "dobj":
            continue
        kind = _singular_kind(root)
        if kind is None:
            continue
        out.append(_mention(doc, kind, 1, tok, tok))
    return out


def _background_clause(tok) -> bool:  # noqa: ANN001
    """'... days after rebels blew up a track, in which no one was hurt': about an earlier incident."""
    return any(a.lower_ in ("after", "before", "since") and a.dep_ in ("prep", "mark") for a in tok.ancestors)


def _explicit_zero(doc) -> list[NumberMention]:  # noqa: ANN001
    """'No one was killed', 'nobody was hurt', 'injuring no one', 'there were no casualties'."""
    out: list[NumberMention] = []
    for tok in doc:
        low = tok.lower_
        if _background_clause(tok):
            continue
        nobody = low in ("nobody", "noone") or (low == "one" and any(c.lower_ == "no" for c in tok.children))
        if nobody and tok.dep_ in ("nsubj", "nsubjpass", "dobj"):
            lemma = tok.head.lemma_.lower()
            si, text = sent_no(doc, tok.i), sent_of(tok).text
            if lemma in FATAL_VERBS:
                out.append(NumberMention("fatalities", 0, tok.i, si, text))
            elif lemma in INJURY_VERBS or tok.head.lower_ in INJURY_ADJ:
                out.append(NumberMention("injured", 0, tok.i, si, text))
                out.append(NumberMention("fatalities", 0, tok.i, si, text))
        if low in ("casualties", "injuries", "deaths", "fatalities") and any(c.lower_ == "no" for c in tok.children):
            si = sent_no(doc, tok.i)
            if low in ("casualties", "injuries"):
                out.append(NumberMention("injured", 0, tok.i, si, sent_of(tok).text))
            out.append(NumberMention("fatalities", 0, tok.i, si, sent_of(tok).text))
    return out


def _sentence_total(mentions: list[NumberMention]) -> int:
    """Sum of a sentence's counts: coordinated counts add up, a repeated separate value counts once."""
    chains: dict[int, int] = {}
    loose: list[int] = []
    for m in mentions:
        chain = getattr(m, "chain", -1)
        if m.value <= 0:
            continue
        if chain >= 0:
            chains[chain] = chains.get(chain, 0) + m.value
        else:
            loose.append(m.value)
    return sum(dict.fromkeys([*chains.values(), *loose]))


def aggregate(mentions: list[NumberMention], kind: str, title_sents: int = 0) -> int | None:
    """One count per kind: the first body sentence that states one (the title's only when the body
    has none); counts in it are summed, coordinated ones all, a repeated value once. Later counts
    marked as additions ("two attackers were also killed") are added, and a later, larger death-toll
    update ("the toll rose to 12") replaces it."""
    per_sent: dict[int, list[NumberMention]] = {}
    for m in mentions:
        if m.kind == kind:
            per_sent.setdefault(m.sent, []).append(m)
    if not per_sent:
        return None
    order = sorted(per_sent)
    body = [s for s in order if s >= title_sents]
    if body and any(m.value > 0 for s in body for m in per_sent[s]):
        order = body
    best: int | None = None
    for sent in order:
        group = per_sent[sent]
        if best is None or best == 0:
            total = _sentence_total(group)
            best = total if total else (best or 0)
            continue
        positives = [m.value for m in group if m.value > 0]
        if any(m.toll for m in group):
            best = max(best, max(positives, default=0))
        else:
            best += _sentence_total([m for m in group if getattr(m, "added", False)])
    return best


def numbers_component(doc: Doc) -> Doc:
    """Set ``number_mentions`` (also ``doc.spans["numbers"]``), ``fatalities`` and ``injured`` (article level)."""
    if not doc._.english or not doc._.parsed:
        return doc
    doc._.number_mentions = find_numbers(doc)
    write_spans(doc, "numbers", [(m.start, m.start + 1, m.kind) for m in doc._.number_mentions])
    doc._.fatalities = aggregate(doc._.number_mentions, "fatalities", doc._.title_sents)
    doc._.injured = aggregate(doc._.number_mentions, "injured", doc._.title_sents)
    return doc


@Language.factory("radar_numbers", assigns=["doc.spans", "doc._.number_mentions", "doc._.fatalities", "doc._.injured"],
                  requires=["doc._.parsed", "doc._.title_sents", "token.is_sent_start", "token.dep", "token.lemma", "token.tag", "token.ent_type"])
def make_numbers(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Casualty counts (fatalities, injured) from digits and number words in dependency context."""
    register_extensions()
    return numbers_component
