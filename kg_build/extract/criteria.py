"""The guideline criteria a rationale applies, each with its status and evidence.

A rationale restates the case, states the guideline and its criteria, applies them to the
case ("In this case, ...") and concludes. Sentences are given those roles; the sentences
that state conditions are cut into atomic criteria (clauses, the items of lists such as
"documentation of a, b and c", and the criteria of the catalog a clause names one after the
other); the application is cut into facts, and each fact is given to the criteria it speaks
to most (shared content words, the catalog's wordings and evidence terms). A criterion's
status comes from its facts: "not documented" phrasing or a hedge is not_documented, a passed
limit or count not_met, negation near the shared words decides met or not met, and no fact at
all not_assessed. The phrases are in data/rationale.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from kg_build.extract.catalog import CatalogCriterion, match, mentions, uncatalogued_id
from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.extract.rationale import conclusion
from kg_build.lexicon import load_yaml
from kg_build.text import Doc, Span, trim

_MEASURE = re.compile(r"\d+(?:\.\d+)?\s*(?:/\s*10|%)")
_WORD = re.compile(_MEASURE.pattern + r"|[a-z0-9][a-z0-9'-]*")
_TRIM = " ,.;:"
_FALLBACK = 1  # the least relevance at which a criterion no fact prefers takes its best fact
_SCOPE = 5  # a negation speaks to the words at most this many words after it


@dataclass
class _Criterion:
    span: Span
    known: CatalogCriterion | None
    facts: list[tuple[int, Span]] = field(default_factory=list)  # (relevance, fact)


def read_rationale(doc: Doc, span: Span, topics: set[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """The rationale's parts (role and span of each sentence) and its criteria, each linked
    to the catalog (the guideline topics the reviewer cited come first)."""
    topics = {t.lower() for t in topics}
    _, concluding = conclusion(doc, span)
    parts, stated, application = [], [], []
    seen_guideline = applying = False
    for sentence in doc.sentences(*span):
        if sentence == concluding:
            parts.append(_part("conclusion", sentence))
        elif _states_guideline(doc, sentence, applying):
            seen_guideline = True
            parts.append(_part("guideline", sentence))
            if not rp("bare_recommendation").match(doc.text, *sentence):
                for clause in _clauses(doc, sentence):
                    if _applies(doc, clause):
                        application.append(clause)
                    else:
                        stated.append((sentence, clause))
        else:
            parts.append(_part("application" if seen_guideline else "restatement", sentence))
            if seen_guideline:
                applying = True
                application += _facts(doc, sentence)
    criteria = _merged([(sentence, c) for sentence, clause in stated for c in _criteria_of(doc, clause, topics)])
    _give_facts(doc, criteria, application)
    return parts, [_assess(doc, c) for c in criteria]


def _states_guideline(doc: Doc, sentence: Span, applying: bool) -> bool:
    """A sentence that speaks for the guideline. Once the application has begun, a weak cue
    ('documentation of', 'should') no longer makes one, nor does a sentence that reports the
    record ('there is no documentation of ...') or a passed limit."""
    if _applies(doc, sentence):
        return False
    if applying and (rp("not_documented").search(doc.text, *sentence) or rp("limit_exceeded").search(doc.text, *sentence)):
        return False
    if rp("guideline_sentence").search(doc.text, *sentence):
        return True
    return not applying and bool(rp("criterion_sentence").search(doc.text, *sentence))


def _facts(doc: Doc, sentence: Span) -> list[Span]:
    """An application sentence cut into the facts it states."""
    parts, cursor = [], sentence[0]
    for m in rp("application_split").finditer(doc.text, *sentence):
        parts.append(trim(doc.text, cursor, m.start(), _TRIM))
        cursor = m.end()
    parts.append(trim(doc.text, cursor, sentence[1], _TRIM))
    return [p for p in parts if p[1] - p[0] > 3]


def _part(role: str, span: Span) -> dict:
    return {"role": role, "span": list(span)}


def _applies(doc: Doc, span: Span) -> bool:
    """A clause about the case ('In this case, ...', 'the claimant has ...'), not a requirement."""
    return bool(rp("application_sentence").match(doc.text, *span)) and not rp("criterion_modal").search(doc.text, *span)


def _clauses(doc: Doc, sentence: Span) -> list[Span]:
    """A criterion sentence without its lead-in ('Criteria include'), cut at clause boundaries."""
    lead = rp("criterion_lead").match(doc.text, *sentence)
    start = lead.end() if lead else sentence[0]
    parts, cursor = [], start
    for m in rp("criterion_split").finditer(doc.text, start, sentence[1]):
        parts.append(trim(doc.text, cursor, m.start(), _TRIM))
        cursor = m.end()
    parts.append(trim(doc.text, cursor, sentence[1], _TRIM))
    return [_without_conjunction(doc, p) for p in parts if p[1] - p[0] > 8]


def _criteria_of(doc: Doc, clause: Span, topics: set[str]) -> list[_Criterion]:
    """The atomic criteria of one clause: its list items, each cut again where it names
    several catalog criteria; an item the catalog does not know, after one it knows, is taken
    for the rest of that item (the list was cut inside it), and neighbours naming the same
    criterion are one."""
    found: list[_Criterion] = []
    for atom in _atoms(doc, clause):
        for piece in _by_catalog(doc, atom, topics):
            known = match(doc.text[piece[0]:piece[1]], topics)
            if found and (known is None and found[-1].known is not None
                          or known is not None and found[-1].known is not None and known.id == found[-1].known.id):
                found[-1].span = (found[-1].span[0], piece[1])
            else:
                found.append(_Criterion(piece, known))
    return found


def _atoms(doc: Doc, clause: Span) -> list[Span]:
    """A clause listing several criteria ('documentation of a, b and c') -> one span each;
    examples ('such as x, y and z') stay with their criterion."""
    lead = rp("criterion_list").search(doc.text, *clause)
    if lead is None:
        return [clause]
    examples = rp("criterion_examples").search(doc.text, lead.end(), clause[1])
    stop = examples.start() if examples else clause[1]
    cuts = list(rp("criterion_list_split").finditer(doc.text, lead.end(), stop))
    if not cuts:
        return [clause]
    # "documentation of a, b" keeps its lead on the first item; "include: a, b" drops its own
    keeps_lead = re.match(r"(?i)(?:documentation|evidence|review|monitoring)\b", lead.group())
    atoms, cursor = [], lead.start() if keeps_lead else lead.end()
    for m in cuts:
        atoms.append(trim(doc.text, cursor, m.start(), _TRIM))
        cursor = m.end()
    atoms.append(trim(doc.text, cursor, clause[1], _TRIM))
    return [a for a in (_without_conjunction(doc, a) for a in atoms) if a[1] - a[0] > 3]


def _by_catalog(doc: Doc, atom: Span, topics: set[str]) -> list[Span]:
    """An atom that names several catalog criteria one after the other ('a second-line option
    for short-term treatment of acute exacerbations') -> one span each, cut at the last
    connective between two of them. Names inside examples ('such as ...') do not count."""
    text = doc.text[atom[0]:atom[1]]
    examples = rp("criterion_examples").search(text)
    limit = examples.start() if examples else len(text)
    named = [(s, e, entry) for s, e, entry in mentions(text, topics) if s < limit]
    pieces, cursor = [], 0
    for (_, end, a), (start, _, b) in zip(named, named[1:]):
        if a.id == b.id:
            continue
        cut = _last(rp("criterion_atom_cut"), text, end, start) or _last(rp("criterion_atom_cut_weak"), text, end, start)
        stop, resume = (cut.start(), cut.end()) if cut else (start, start)
        pieces.append(trim(doc.text, atom[0] + cursor, atom[0] + stop, _TRIM))
        cursor = resume
    pieces.append(trim(doc.text, atom[0] + cursor, atom[1], _TRIM))
    return [_without_conjunction(doc, p) for p in pieces if p[1] - p[0] > 3]


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end):
        pass
    return found


def _without_conjunction(doc: Doc, span: Span) -> Span:
    m = re.match(r"(?:and|or|nor|with|after|for)\s+", doc.text[span[0]:span[1]])
    return (span[0] + m.end(), span[1]) if m else span


def _merged(criteria: list[tuple[Span, _Criterion]]) -> list[_Criterion]:
    """One criterion stated twice in a sentence ('recommended as an option, but it should not
    be a stand-alone treatment') is one: the later statement is dropped. Across sentences both
    stay, as a later sentence usually states the criterion itself after a general one."""
    seen, kept = set(), []
    for sentence, c in criteria:
        key = (sentence, c.known.id) if c.known else None
        if key not in seen:
            kept.append(c)
        if key:
            seen.add(key)
    return kept


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(load_yaml("rationale.yaml")["relevance_stopwords"])


def _stem(word: str) -> str:
    """A word cut to six letters; a measure to its kind ('8/10' -> '/10', '50%' -> '%')."""
    return re.sub(r"[\d.\s]+", "", word) if _MEASURE.fullmatch(word) else word[:6]


def _tokens(text: str) -> list[tuple[int, str]]:
    """Every word with its position, content words cut to six letters (so 'adjunctive' meets
    'adjunct'; 'non-' is dropped) and measures ('8/10', '50%') kept whole."""
    out = []
    for i, token in enumerate(_WORD.findall(text.lower())):
        for w in [token] if _MEASURE.fullmatch(token) else token.split("-"):
            if w:
                out.append((i, w.strip("'")))
    return out


def _content(word: str) -> bool:
    return (len(word) > 3 or word[0].isdigit()) and word not in _stopwords()


@lru_cache(maxsize=4096)  # facts and catalog wordings are stemmed again for every criterion
def _stems(text: str) -> frozenset[str]:
    return frozenset({_stem(w) for _, w in _tokens(text) if _content(w) and (w[0].isalpha() or _MEASURE.fullmatch(w))})


def _criterion_stems(doc: Doc, c: _Criterion) -> tuple[set[str], set[str]]:
    """The criterion's own words, and those of the catalog's wordings and evidence terms."""
    own = _stems(doc.text[c.span[0]:c.span[1]])
    return own, (_stems(" ".join(c.known.wordings)) - own) if c.known else set()


def _relevance(own: set[str], wordings: set[str], c: _Criterion, fact: str) -> int:
    stems = _stems(fact)
    named = c.known is not None and any(p.search(fact) for p in c.known.patterns)
    return 2 * len(own & stems) + len(wordings & stems) + 3 * named


def _give_facts(doc: Doc, criteria: list[_Criterion], application: list[Span]) -> None:
    """Each fact goes to the criteria it speaks to most (a tie gives it to each); a criterion
    no fact prefers still takes the fact that shares most with it, as one fact often answers
    several criteria ('a 71-year-old claimant takes naproxen and warfarin')."""
    words = [_criterion_stems(doc, c) for c in criteria]
    table = [[_relevance(own, wordings, c, doc.text[s:e]) for (own, wordings), c in zip(words, criteria)]
             for s, e in application]
    for fact, scores in zip(application, table):
        best = max(scores, default=0)
        for c, score in zip(criteria, scores):
            if score and score == best:
                c.facts.append((score, fact))
    for i, c in enumerate(criteria):
        if not c.facts:
            score, fact = max(((row[i], fact) for fact, row in zip(application, table)), default=(0, None))
            if score >= _FALLBACK:
                c.facts.append((score, fact))


def _assess(doc: Doc, c: _Criterion) -> dict:
    text = doc.text[c.span[0]:c.span[1]]
    result = {"text": text, "criterion_id": c.known.id if c.known else uncatalogued_id(text),
              "criterion_label": c.known.label if c.known else None, "status": "not_assessed", "evidence": None,
              "span": [c.span[0], c.span[1]]}
    if not c.facts:
        return result
    facts = [doc.text[s:e] for _, (s, e) in c.facts]
    deciding = max(c.facts, key=lambda f: f[0])[1]
    own, wordings = _criterion_stems(doc, c)
    status = (_counted(text, facts)
              or _status(text, doc.text[deciding[0]:deciding[1]], own | wordings, c.known is not None and c.known.met_when_absent))
    start, end = min(s for _, (s, _) in c.facts), max(e for _, (_, e) in c.facts)
    result.update(status=status, evidence=doc.text[start:end], evidence_span=[start, end])
    return result


def _status(criterion: str, evidence: str, stems: set[str], met_when_absent: bool) -> str:
    asks_absence = met_when_absent or _asks_absence(criterion)
    unknown = rp("not_documented").search(evidence)
    if unknown and not (asks_absence and rp("application_asserted_absence").match(unknown.group())):
        return "not_documented"
    if rp("application_hedge").search(evidence):
        return "not_documented"
    if rp("limit_exceeded").search(evidence):
        return "not_met"
    return "not_met" if asks_absence != _denies(evidence, stems) else "met"


def _asks_absence(criterion: str) -> bool:
    """Whether the criterion is met by an absence. 'Not recommended unless X' asks for X;
    'not necessary if X' or 'not recommended for X' asks for X to be absent."""
    if m := rp("criterion_unless").search(criterion):
        return bool(rp("negation").search(criterion, m.end()))
    if m := rp("criterion_exclusion").search(criterion):
        return not rp("negation").search(criterion, m.end())
    return bool(rp("negation").search(criterion))


def _denies(evidence: str, stems: set[str]) -> bool:
    """A negation counts when it comes shortly before a word the fact shares with the
    criterion; a fact sharing no word (matched by pattern only) is read whole."""
    tokens = _tokens(evidence)
    shared = [i for i, w in tokens if _content(w) and _stem(w) in stems]
    negated = [i for i, w in tokens if rp("negation").fullmatch(w)]
    if not shared:
        return bool(rp("negation").search(evidence))
    return any(0 <= q - p <= _SCOPE for p in negated for q in shared)


def _counted(criterion: str, facts: list[str]) -> str | None:
    """A count limit ('up to 10 visits') against the counts the facts give: met when the
    request fits, not met when it, or what was done plus what is asked, passes the limit."""
    limit = _counts(criterion)
    if not limit:
        return None
    unit, most = limit[-1][0], max(n for _, n, _ in limit)
    counts = [(n, past) for f in facts for u, n, past in _counts(f) if u == unit]
    if not counts:
        return None
    done = sum(n for n, past in counts if past)
    asked = max((n for n, past in counts if not past), default=0)
    return "not_met" if done >= most or done + asked > most or asked > most else "met"


@cache
def _numbers() -> dict[str, int]:
    return {w: i for i, w in enumerate(load_yaml("rationale.yaml")["criterion_number_words"], start=1)}


def _counts(text: str) -> list[tuple[str, int, bool]]:
    """Each count of a unit in the text: (unit, number, whether it is already done)."""
    units = load_yaml("rationale.yaml")["criterion_count_units"]
    out = []
    for m in rp("criterion_count").finditer(text):
        n = m.group("n").lower()
        value = int(n) if n.isdigit() else _numbers().get(n)
        if value is not None:
            out.append((units.get(m.group("unit").lower(), m.group("unit").lower()), value, bool(m.group("past"))))
    return out
