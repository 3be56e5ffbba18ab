"""The guideline criteria a rationale applies, each with its status and evidence.

A rationale restates the case, states the guideline and its criteria, applies them to the
case ("In this case, ...") and concludes. Sentences are given those roles: a sentence right
after a guideline sentence that says nothing of the case continues the guideline; a
requirement whose first clause names no one from the case states one even between
applications, as does a weaker cue ('is advised', 'depends on', 'is for people who') with
nothing of the case before the end of its clause; a run-in heading that names a criterion
('Analgesia: she rates ...') states it and the rest of its sentence applies it; when nothing
follows the guideline but the verdict, the case told before it is its application, and
otherwise answers the criteria the application leaves when it speaks to them clearly. The
sentences that state conditions are cut into atomic criteria (clauses, the items of lists
such as "documentation of a, b and c", and the criteria of the catalog a clause names one
after the other: extract/clauses.py); the application is cut into facts, and each fact is
given to the criteria it speaks to most (shared content words, the catalog's wordings and
evidence terms, a fact the catalog's contrary or support patterns recognise, and kinds of
fact: an age, a span of time or a count for a criterion that sets one). A criterion's
status comes from its facts: a passed limit is not_met; an age, a count, a share of relief
or a duration is compared with the criterion's limits ('age over 65', 'up to 10 visits', 'at
least 50% relief', 'short-term'), all of which must hold; "not documented" phrasing or a
hedge is not_documented; a treatment untried cannot have failed and one tried without
relief has; a fact reporting no change ('the same neck pain') fails a criterion asking for
one; a fact the catalog knows to deny the criterion ('drives to her appointments' for
homebound) is not_met, one it knows to satisfy it ('bedbound') met; otherwise negation near
the shared words, or a contrary word ('she is at low risk' for 'high risk'), decides met or
not met, each word read with the polarity of where it comes from (the criterion's own words,
those a prefix denies in it: 'unexpected', or the catalog's wordings); words of a group of
related words ('surgeon', 'fusion', 'surgery') count as shared; a fact that sets the criterion
aside, or no fact at all, is not_assessed, except that an umbrella criterion then takes the
status of its stated sub-criteria. Words naming the treatment under review count for no
criterion. Last, statuses are read in the light of the decision: criteria an overturning
reviewer applied are met, and a denial where no criterion fell short has its least supported
one not met (every one, when none was applied). Then a model learned from the labelled sets
(extract/status_model.py) replaces the statuses it is sure the rules misread. The phrases are
in data/rationale.yaml.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import snowballstemmer

from kg_build.extract import statement_model, status_model
from kg_build.extract.catalog import CatalogCriterion, match, uncatalogued_id
from kg_build.extract.clauses import TRIM, StatedCriterion, clauses, criteria_of, merged
from kg_build.extract.limits import aged, count_limit, durations, measured, time_limit
from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.extract.phrases import contrary_words, related_words, relevance_stopwords
from kg_build.text import Doc, Span, split_at

_MEASURE = re.compile(r"(?:\d+(?:\.\d+)?\s*)?(?:/\s*10\b|%)")  # the number is optional so that an evidence term can be '/10'
_WORD = re.compile(_MEASURE.pattern + r"|[a-z0-9][a-z0-9'-]*")
_CLAUSE_END = re.compile(r"[;,]|$")  # where a sentence's first clause ends
_FALLBACK = 2  # the least relevance at which a criterion no fact prefers takes its best fact
_SCOPE = 8  # a negation speaks to the words at most this many words after it
# kinds of fact a criterion may ask about, shared as if words: a span of time ('for over a
# year') with a criterion that limits a duration, an age ('a 71-year-old') with one that asks
# for one, a count or a passed limit ('exceeds the recommendation') with one that limits a count
_TIME, _AGE, _COUNT = "#time", "#age", "#count"
_KINDS = frozenset({_TIME, _AGE, _COUNT})
_ENGLISH = snowballstemmer.stemmer("english")


def read_rationale(doc: Doc, span: Span, concluding: Span | None, topics: set[str] = frozenset(),
                   outcome: str | None = None, revise: bool = True, candidates: bool = False,
                   statements: dict | None = None) -> tuple[list[dict], list[dict]]:
    """The rationale's parts (role and span of each sentence) and its criteria, each linked
    to the catalog (the guideline topics the reviewer cited come first). `concluding` is the
    sentence that rules on necessity (rationale.conclusion), read once by the caller.
    revise=False leaves the statuses as the rules read them, with the rules' account of each
    (status_model.ACCOUNT), for training the status model; candidates=True keeps the uncatalogued
    criteria the model finds to be none, for `criteria discover`; `statements` is the statement
    model to use instead of the shipped one (the trainer's)."""
    topics = {t.lower() for t in topics}
    parts, stated, application, restated = [], [], [], []
    seen_guideline = applying = False
    for sentence in doc.sentences(*span):
        if sentence == concluding:
            parts.append(_part("conclusion", sentence))
            in_verdict, reasons = _verdict(doc, sentence, topics)
            stated += [c for piece, clause in in_verdict for c in criteria_of(doc, piece, clause, topics)]
            seen_guideline = seen_guideline or bool(in_verdict)
            if seen_guideline:
                application += reasons
        elif heading := _criterion_heading(doc, sentence, topics):
            # 'Analgesia: she rates her pain 7/10 before a dose and 3/10 after': the heading names
            # the criterion, the rest applies it
            seen_guideline = applying = True
            parts.append(_part("application", sentence))
            stated += criteria_of(doc, sentence, heading, topics)
            application += _facts(doc, (heading[1] + 1, sentence[1]))
        elif ((_states_guideline(doc, sentence, applying, bool(parts) and parts[-1]["role"] == "guideline")
               or statement_model.states_criterion(doc, sentence, statements))
              and not _restates(doc, sentence, (own := _stated_in(doc, sentence, topics))[0], stated, applying)):
            seen_guideline = True
            parts.append(_part("guideline", sentence))
            stated += own[0]
            application += own[1]
        else:
            parts.append(_part("application" if seen_guideline else "restatement", sentence))
            if seen_guideline:
                applying = True
                application += _facts(doc, sentence)
            else:
                restated += _facts(doc, sentence)
    if not applying:  # the case was told first, then the guideline, then the verdict: the telling applies it
        application = restated + application
    criteria = merged(doc, stated, topics)
    # the words naming the treatment under review ('massage', 'blocks') are in most facts and
    # criteria of its rationale: they tell no criterion's facts from another's, and a fact that
    # denies them ('has never had acupuncture') denies no criterion
    named = _stems(" ".join(sorted(topics)))
    _give_facts(doc, criteria, application, named)
    if applying and restated:  # the case told first still answers the criteria the application leaves
        left = [c for c in criteria if not c.facts]
        _give_facts(doc, left, restated, named, least=_FALLBACK + 1)
        for c in left:  # when the catalog knows the fact to deny or satisfy it: its history is no application
            c.facts = [(score, (s, e)) for score, (s, e) in c.facts if _speaks_of(c.known, doc.text[s:e])]
    _totals_to_the_largest(doc, criteria)
    assessed, weights = zip(*(_assess(doc, c, named) for c in criteria)) if criteria else ((), ())
    decided = _agreeing(doc, criteria, _by_sub_criteria(criteria, list(assessed)), list(weights), outcome, concluding)
    if not revise:
        return parts, decided
    return parts, status_model.revise(decided, outcome, concluding, doc.text, keep_uncatalogued=candidates, rationale=span)


def _stated_in(doc: Doc, sentence: Span, topics: set[str]) -> tuple[list[StatedCriterion], list[Span]]:
    """A guideline sentence's criteria, and its clauses that apply them ('...; twelve were requested')."""
    stated, applying = [], []
    if not rp("bare_recommendation").match(doc.text, *sentence):
        for i, clause in enumerate(clauses(doc, sentence)):
            if (_applies(doc, clause) and not rp("generic_patient").match(doc.text, *clause)
                    or i and _tells_the_case(doc, clause)):
                applying.append(clause)
            elif not _bare(doc, clause, topics):
                stated += criteria_of(doc, sentence, clause, topics)
    return stated, applying


def _restates(doc: Doc, sentence: Span, own: list[StatedCriterion], earlier: list[StatedCriterion],
              applying: bool) -> bool:
    """A sentence in guideline words that names only criteria stated before it, once the
    application has begun or of the person at hand, applies them ('Twenty days is the most the
    guideline allows in total'; 'A pending fusion recommendation makes him a surgical candidate')."""
    ids = {c.known.id for c in earlier if c.known}
    return (bool(own) and all(c.known and c.known.id in ids for c in own)
            and (applying or bool(rp("case_subject").search(doc.text, *sentence))))


def _verdict(doc: Doc, sentence: Span, topics: set[str]) -> tuple[list[tuple[Span, Span]], list[Span]]:
    """The concluding sentence's pieces but the verdict itself: those that state the guideline
    (a terse rationale states it in its verdict: 'Repeat imaging is reserved for a significant
    change; the repeat MRI is not medically necessary'), as (piece, clause) criteria, and the
    others, its reasons, which apply the guideline too ('... as the notes do not address the 4 A's')."""
    stated, reasons = [], []
    for piece in _facts(doc, sentence):
        # a verdict ('... is not medically necessary') is no criterion, but a guideline stated in
        # a verdict's words ('Muscle relaxants are appropriate for a brief course') is
        # ('Home health nursing, which is recommended for homebound patients ..., is medically
        # necessary': the relative clause states the guideline)
        relative = rp("verdict_relative_guideline").search(doc.text, *piece)
        if rp("criteria_verdict").search(doc.text, *piece) or rp("conclusion").search(doc.text, *piece) and not relative and (
                rp("medical_necessity").search(doc.text, *piece) or not rp("criterion_sentence").search(doc.text, *piece)):
            continue
        # 'weaning is advised' in a verdict is the reviewer's advice, not a guideline statement
        if (_states_guideline(doc, piece, False, False) and not rp("case_subject").search(doc.text, *piece)
                and not rp("criterion_stopping").search(doc.text, *piece)):
            stated += [(piece, clause) for clause in clauses(doc, piece) if not _bare(doc, clause, topics)]
        else:
            reasons.append(piece)
    return stated, reasons


def _agreeing(doc: Doc, criteria: list[StatedCriterion], assessed: list[dict], by_words: list[int | None],
              outcome: str | None, concluding: Span | None) -> list[dict]:
    """Statuses read in the light of the decision they led to. A reviewer who overturns finds
    the criteria applied met, so a fact read as falling short was misread (unless the criterion
    is one of alternatives, where one met is enough: 'no history of ulcer disease'); and the criteria of
    a guideline sentence none of whose criteria the application speaks to were all judged met
    (the words are not shared: 'can no longer leave the house' for 'homebound'), the decision
    being their evidence, except that in a sentence of alternatives ('risk factors include ...
    or ...') one applied is enough and the others were not needed. A reviewer who upholds finds at least
    one wanting, so when none is, the criteria met only by the words a fact shares (no failure,
    count, age or negation decided them) and least relevant are the ones that were not met;
    and when the rationale applies none at all ('Ketoprofen is not FDA approved for topical
    use; the cream is not medically necessary'), the criteria it states are its reasons: not met.
    by_words: for each criterion met by shared words, its facts' relevance."""
    if outcome == "overturned":
        alternatives = {c.sentence for c in criteria if rp("criterion_alternatives").search(doc.text, *c.sentence)}
        applied = {c.sentence for c, r in zip(criteria, assessed) if r["status"] != "not_assessed"}
        for c, r in zip(criteria, assessed):
            if r["status"] == "not_met" and c.sentence not in alternatives:
                r.update(status="met", _agreed="overturned")
            elif (r["status"] == "not_assessed" and not c.facts and not (c.sentence in alternatives and c.sentence in applied)
                  and not rp("criterion_stopping").search(r["text"]) and concluding):
                r.update(status="met", evidence=doc.text[concluding[0]:concluding[1]], evidence_span=list(concluding),
                         _agreed="unspoken")
    elif outcome == "upheld" and not any(r["status"] in ("not_met", "not_documented") for r in assessed):
        weakest = min((w for w in by_words if w is not None), default=None)
        for r, w in zip(assessed, by_words):
            if weakest is not None and w == weakest:
                r.update(status="not_met", _agreed="weakest")
        if concluding and not any(c.facts for c in criteria):  # nothing applied: the guideline stated is the reason
            for r in assessed:
                r.update(status="not_met", evidence=doc.text[concluding[0]:concluding[1]], evidence_span=list(concluding),
                         _agreed="unapplied")
    return assessed


def _by_sub_criteria(criteria: list[StatedCriterion], assessed: list[dict]) -> list[dict]:
    """An umbrella criterion the application does not speak to ('intermediate or high risk
    for GI events') is judged from the stated criteria that are ways of meeting it (the
    catalog's skos:broader): met when any is met, else not documented when any is, else not
    met; its evidence is theirs."""
    for c, result in zip(criteria, assessed):
        if c.known is None or result["status"] != "not_assessed":
            continue
        subs = [r for s, r in zip(criteria, assessed)
                if s.known is not None and s.known.broader == c.known.id and r["status"] != "not_assessed"]
        for status in ("met", "not_documented", "not_met"):
            if deciding := next((r for r in subs if r["status"] == status), None):
                result.update(status=status, evidence=deciding["evidence"], evidence_span=deciding["evidence_span"],
                              _agreed="broader")
                break
    return assessed


def _states_guideline(doc: Doc, sentence: Span, applying: bool, continuing: bool) -> bool:
    """A sentence that speaks for the guideline. Once the application has begun, a weak cue
    ('documentation of', 'should') no longer makes one, nor does a sentence whose first clause
    reports the record ('there is no documentation of ...') or a passed limit. A sentence right after a
    guideline sentence that says nothing of the case continues it, cue or not ('The time to
    produce functional improvement is 3 to 6 treatments.')."""
    if _applies(doc, sentence):
        return False
    if continuing and not _of_the_case(doc, sentence):
        return True
    first_end = _first_clause_end(doc, sentence)
    if applying and (rp("not_documented").search(doc.text, sentence[0], first_end)
                     or rp("limit_exceeded").search(doc.text, sentence[0], first_end)):
        return False
    if cue := rp("guideline_sentence").search(doc.text, *sentence):
        # the case named after the cue's clause is its application ('..., but she has never had one')
        head = (sentence[0], _CLAUSE_END.search(doc.text, cue.end(), sentence[1]).start())
        return not (applying and _names_the_case(doc, head) and not rp("guideline_named").search(doc.text, *sentence))
    strong = rp("criterion_sentence").search(doc.text, *sentence)
    if not strong:
        # a weak cue states a requirement when nothing of the case comes before the end of its
        # clause ('A written agreement is also expected before the first prescription, and she signed one')
        cue = rp("criterion_sentence_weak").search(doc.text, *sentence)
        if cue is None:
            return False
        end = _CLAUSE_END.search(doc.text, cue.end(), sentence[1]).start()
        return not (_names_the_case(doc, (sentence[0], cue.start())) or _names_the_case(doc, (cue.end(), end)))  # the cue's own 'would' is no case word
    # a requirement of someone the case names first is the case's ('Per the discharge summary,
    # he requires a walker'); after the application has begun, one whose first clause says
    # nothing of the case still states one ('There should be clear signs on examination;
    # McMurray's test is positive')
    if rp("case_subject").search(doc.text, sentence[0], strong.start()):
        return False
    return not applying or not rp("case_subject").search(doc.text, sentence[0], first_end)


def _first_clause_end(doc: Doc, sentence: Span) -> int:
    """Where the sentence's first clause ends; an opening of a word or two ('In addition,')
    is not a clause."""
    end = _CLAUSE_END.search(doc.text, *sentence)
    while len(doc.text[sentence[0]:end.start()].split()) < 3 and end.end() < sentence[1]:
        end = _CLAUSE_END.search(doc.text, end.end(), sentence[1])
    return end.start()


def _criterion_heading(doc: Doc, sentence: Span, topics: set[str]) -> Span | None:
    """The run-in heading of a sentence when it names a catalog criterion of the cited topics
    ('Adverse effects: she reports mild dry mouth')."""
    head = rp("criterion_heading").match(doc.text, *sentence)
    if head is None or match(head.group("label"), topics) is None or not _of_the_case(doc, (head.end(), sentence[1])):
        return None
    return head.span("label")


def _tells_the_case(doc: Doc, clause: Span) -> bool:
    """A later clause of a guideline sentence that tells the case, reports the record or sets
    the criterion aside, and states nothing ('...; twelve were requested', '..., and no such
    history is described', '...; that requirement has no bearing here')."""
    return bool(any(rp(name).search(doc.text, *clause) for name in ("case_clause", "not_documented", "application_set_aside"))
                and not rp("criterion_modal").search(doc.text, *clause)
                and not rp("guideline_sentence").search(doc.text, *clause) and not rp("clause_condition").match(doc.text, *clause))


def _of_the_case(doc: Doc, span: Span) -> bool:
    """Whether the span speaks of the case at hand: its people, ages, dates, records or
    request, or denies something ('No red flags are present')."""
    return _names_the_case(doc, span) or bool(rp("case_denial").search(doc.text, *span))


def _names_the_case(doc: Doc, span: Span) -> bool:
    return bool(rp("case_subject").search(doc.text, *span) or rp("case_words").search(doc.text, *span))


def _bare(doc: Doc, clause: Span, topics: set[str]) -> bool:
    """A clause that only says what is recommended ('Massage therapy is recommended as an
    option, but ...'), with no condition to apply and no criterion the catalog knows."""
    return bool(rp("bare_recommendation").match(doc.text, *clause)) and match(doc.text[clause[0]:clause[1]], topics) is None


def _facts(doc: Doc, sentence: Span) -> list[Span]:
    """An application sentence cut into the facts it states."""
    parts = split_at(doc.text, *sentence, (m.span() for m in rp("application_split").finditer(doc.text, *sentence)), TRIM)
    return _joined_short(doc, [p for p in parts if p[1] - p[0] > 3])


def _joined_short(doc: Doc, parts: list[Span]) -> list[Span]:
    """A piece of a word or two is no fact but the subject of the next ('Function, however,
    has not been quantified'): it joins the next piece."""
    out: list[Span] = []
    for part in parts:
        if out and len(doc.text[out[-1][0]:out[-1][1]].split()) < 3:
            out[-1] = (out[-1][0], part[1])
        else:
            out.append(part)
    return out


def _part(role: str, span: Span) -> dict:
    return {"role": role, "span": list(span)}


def _applies(doc: Doc, span: Span) -> bool:
    """A clause about the case ('In this case, ...', 'the claimant has ...'), not a requirement."""
    return bool(rp("application_sentence").match(doc.text, *span)) and not rp("criterion_modal").search(doc.text, *span)


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A word's Snowball stem cut to six letters ('locked' meets 'locking', 'radicular' meets
    'radiculopathy'); a measure to its kind ('8/10' -> '/10', '50%' -> '%')."""
    if _MEASURE.fullmatch(word):
        return re.sub(r"^[\d.\s]+", "", word)
    return _ENGLISH.stemWord(word)[:6]


def _tokens(text: str) -> list[tuple[int, str]]:
    """Every word with its position, content words cut to six letters (so 'adjunctive' meets
    'adjunct'; 'non-' is dropped) and measures ('8/10', '50%') kept whole."""
    out = []
    for i, token in enumerate(_WORD.findall(text.lower())):
        for w in [token] if _MEASURE.fullmatch(token) else token.split("-"):
            if prefixed := rp("negated_word").fullmatch(w):  # 'unsupervised' denies 'supervised'
                out += [(i, "not"), (i, prefixed.group(1))]
            elif w:
                out.append((i, w.strip("'")))
    return out


@cache
def _contraries() -> dict[str, frozenset[str]]:
    """The stems that deny each stem ('low' denies 'high' and 'high' denies 'low')."""
    table: dict[str, set[str]] = {}
    for one, other in contrary_words():
        for words, denying in ((one, other), (other, one)):
            for w in words:
                table.setdefault(_stem(w), set()).update(_stem(d) for d in denying)
    return {stem: frozenset(denying) for stem, denying in table.items()}


@cache
def _senses() -> dict[str, frozenset[str]]:
    """For each stem of data/rationale.yaml's related_words, the groups it belongs to, each
    named by its first word ('=surger')."""
    table: dict[str, set[str]] = {}
    for group in related_words():
        for w in group:
            table.setdefault(_stem(w), set()).add("=" + _stem(group[0]))
    return {stem: frozenset(groups) for stem, groups in table.items()}


def _content(word: str) -> bool:
    return (len(word) > 3 or word[0].isdigit() or word[0] in "/%") and word not in relevance_stopwords()


@lru_cache(maxsize=4096)  # facts and catalog wordings are stemmed again for every criterion
def _stems(text: str) -> frozenset[str]:
    stems = {_stem(w) for _, w in _tokens(text) if _content(w) and (w[0].isalpha() or _MEASURE.fullmatch(w))}
    stems |= {group for s in stems for group in _senses().get(s, ())}
    passed = rp("limit_exceeded").search(text)  # a passed limit speaks to a duration or a count limit
    kinds = {kind for kind, found in ((_TIME, durations(text) or passed), (_AGE, rp("application_age").search(text)),
                                      (_COUNT, rp("criterion_count").search(text) or passed)) if found}
    return frozenset(stems | kinds)


@lru_cache(maxsize=4096)
def _prefixed(text: str) -> frozenset[str]:
    """The stems of the words a prefix denies ('unexpected' -> 'expect'): _tokens gives each a
    'not' at its own position."""
    tokens = _tokens(text)
    denied = {i for i, w in tokens if w == "not"}
    return frozenset(_stem(w) for i, w in tokens if i in denied and w != "not")


def _criterion_stems(doc: Doc, c: StatedCriterion) -> tuple[set[str], set[str]]:
    """The criterion's own words, and those of the catalog's wordings and evidence terms. A
    criterion that limits a duration or a count, or asks for an age, shares one of its own
    words with every fact that gives one."""
    text = doc.text[c.span[0]:c.span[1]]
    own = _stems(text) - _KINDS
    wordings = (_stems(" ".join(c.known.wordings)) - own - _KINDS) if c.known else set()
    kinds = {kind for kind, asks in ((_TIME, time_limit(text)), (_AGE, rp("criterion_age").search(text)),
                                     (_COUNT, rp("criterion_count").search(text))) if asks}
    return own | kinds, wordings


def _relevance(own: set[str], wordings: set[str], c: StatedCriterion, fact: str) -> int:
    stems = _stems(fact)
    named = c.known is not None and any(p.search(fact) for p in c.known.patterns)
    measures = sum(1 for w in wordings & stems if w[0] in "/%")  # a pain score speaks to analgesia as a word does
    return 2 * len(own & stems) + len(wordings & stems) + measures + 3 * named + 3 * _speaks_of(c.known, fact)


def _give_facts(doc: Doc, criteria: list[StatedCriterion], application: list[Span], named: frozenset[str],
                least: int = 1) -> None:
    """Each fact goes to the criteria it speaks to most (a tie gives it to each); a criterion
    no fact prefers still takes the fact that shares most with it, as one fact often answers
    several criteria ('a 71-year-old claimant takes naproxen and warfarin')."""
    words = [(own - named, wordings - named) for own, wordings in (_criterion_stems(doc, c) for c in criteria)]
    # a fact told in the sentence that states the criterion ('A signed agreement should be in
    # place; one dated 01/05/2021 is on file') speaks to it first
    table = [[_relevance(own, wordings, c, doc.text[s:e]) + 2 * (c.sentence[0] <= s < c.sentence[1])
              for (own, wordings), c in zip(words, criteria)] for s, e in application]
    for fact, scores in zip(application, table):
        best = max(scores, default=0)
        for c, score in zip(criteria, scores):
            if score >= least and score == best:
                c.facts.append((score, fact))
    for i, c in enumerate(criteria):
        if not c.facts:
            score, fact = max(((row[i], fact) for fact, row in zip(application, table)), default=(0, None))
            if score >= max(least, _FALLBACK):
                c.facts.append((score, fact))


def _totals_to_the_largest(doc: Doc, criteria: list[StatedCriterion]) -> None:
    """A fact that says a count passed a limit or what the total would be ('22 visits already
    exceed the total allowed') speaks to the largest count limit of its unit that the rationale
    states (the total of 18 visits), not to the smaller ones (the trial of 6, the taper from 3 a week)."""
    limits = [count_limit(doc.text[c.span[0]:c.span[1]]) for c in criteria]
    if sum(1 for limit in limits if limit) < 2:
        return
    largest: dict[str, int] = {}
    for limit in filter(None, limits):
        largest[limit[0]] = max(largest.get(limit[0], 0), limit[1])
    for c, limit in zip(criteria, limits):
        if limit and limit[1] < largest[limit[0]]:
            c.facts = [(score, (s, e)) for score, (s, e) in c.facts
                       if not (rp("limit_exceeded").search(doc.text, s, e) or rp("application_total").search(doc.text, s, e))]


def _assess(doc: Doc, c: StatedCriterion, named: frozenset[str]) -> tuple[dict, int | None]:
    """The criterion's record, and the relevance of its facts when only the words they share
    with it found it met (else None)."""
    text = doc.text[c.span[0]:c.span[1]]
    result = {"text": text, "criterion_id": c.known.id if c.known else uncatalogued_id(text),
              "criterion_label": c.known.label if c.known else None, "status": "not_assessed", "evidence": None,
              "span": [c.span[0], c.span[1]]}
    if not c.facts:
        return result, None
    facts = [doc.text[s:e] for _, (s, e) in c.facts]
    deciding = max(c.facts, key=lambda f: f[0])[1]
    own, wordings = (words - named for words in _criterion_stems(doc, c))
    evidence = doc.text[deciding[0]:deciding[1]]
    if rp("application_set_aside").search(evidence):
        return result, None  # the rationale sets the criterion aside: it is stated, not applied
    asks_absence = (c.known is not None and c.known.met_when_absent) or _asks_absence(text)
    # a passed limit decides first, then arithmetic on the numbers given (24 visits against 'up to
    # 10' whatever the notes say of them), then a silent record; any fact may say a limit was
    # passed of a criterion that sets one ('the duration of use exceeds ...')
    limits = time_limit(text) or rp("criterion_count").search(text)
    readings = (("limit", lambda: _exceeded(facts if limits else [evidence])), ("age", lambda: aged(text, facts)),
                ("measure", lambda: measured(text, facts)), ("unknown", lambda: _unknown_in(evidence, facts, asks_absence)),
                ("failed", lambda: _failed(text, evidence, c.known)), ("unshown", lambda: _unshown(text, evidence)),
                ("unchanged", lambda: _unchanged(text, c.known, facts)), ("catalog", lambda: _catalog_reading(c.known, facts)))
    how, status = next(((how, status) for how, read in readings if (status := read())), ("words", None))
    if status is None:
        # the criterion's own words are read with its own polarity ('should not be a stand-alone
        # treatment' asks for an absence), the catalog's wordings with the catalog's ('adjunct to
        # exercise'), which ask for an absence when its label does ('no prior fusion')
        catalog_absence = c.known is not None and (c.known.met_when_absent or _asks_absence(c.known.label))
        prefixed = _prefixed(text) & own  # 'unexpected' asks for what 'expected' denies
        affirmed, by_words = _affirms(evidence, [(own - prefixed, asks_absence), (prefixed, not asks_absence),
                                                 (wordings, catalog_absence)])
        status = "met" if affirmed else "not_met"
        how = "words" if by_words else "denial"
        weight = max(score for score, _ in c.facts) if affirmed and by_words else None
    else:
        weight = None
    start, end = min(s for _, (s, _) in c.facts), max(e for _, (_, e) in c.facts)
    result.update(status=status, evidence=doc.text[start:end], evidence_span=[start, end],
                  _how=how, _relevance=max(score for score, _ in c.facts), _facts=len(c.facts))
    return result, weight


def _unshown(criterion: str, evidence: str) -> str | None:
    """not_documented for a criterion that asks for an improvement to be shown ('extended only
    if functional improvement is documented') and a fact that reports none ('no change in her
    activities'): the record does not show it."""
    if rp("criterion_shown_change").search(criterion) and rp("application_no_change").search(evidence):
        return "not_documented"
    return None


def _catalog_reading(known: CatalogCriterion | None, facts: list[str]) -> str | None:
    """The status the catalog's contrary and support patterns give: not_met for a fact that
    denies the criterion in words of its own ('drives to her appointments' for homebound), met
    for one that satisfies it ('bedbound'); a match denied in turn ('she no longer drives')
    says the opposite, and counts only when no plain match does. Denial outweighs support."""
    plain: set[str] = set()
    denied: set[str] = set()
    for patterns, status, opposite in ((known.contrary, "not_met", "met"), (known.support, "met", "not_met")) if known else ():
        for fact in facts:
            for m in (m for p in patterns for m in p.finditer(fact)):
                if _denied(fact, m.start()):
                    denied.add(opposite)
                else:
                    plain.add(status)
    readings = plain or denied
    return ("not_met" if "not_met" in readings else "met") if readings else None


def _denied(fact: str, start: int) -> bool:
    return bool(rp("negation_before").search(fact[max(0, start - 40):start]))


@lru_cache(maxsize=8192)  # asked of every fact for every criterion, twice when the case told first is read too
def _speaks_of(known: CatalogCriterion | None, fact: str) -> bool:
    """Whether the catalog's contrary or support patterns speak of the fact, denied or not."""
    return known is not None and any(p.search(fact) for p in known.contrary + known.support)


def _exceeded(facts: list[str]) -> str | None:
    return "not_met" if any(rp("limit_exceeded").search(f) for f in facts) else None


def _failed(criterion: str, evidence: str, known: CatalogCriterion | None) -> str | None:
    """A criterion that asks for a treatment to have failed is met by a fact that it did, and
    not met by one that it was never tried."""
    if rp("criterion_failure").search(criterion) or (known is not None and rp("criterion_failure").search(known.label)):
        if rp("application_untried").search(evidence):
            return "not_met"
        if rp("application_failed").search(evidence):
            return "met"
    return None


def _unchanged(criterion: str, known: CatalogCriterion | None, facts: list[str]) -> str | None:
    """A criterion that asks for a change is not met by a fact that reports none ('his knee
    flexion is where it was'), nor one that asks for improvement by a fact that reports a
    decline ('she now relies on her daughter to shop')."""
    if rp("application_unchanged").search(criterion):  # it asks for the plateau itself ('improvement followed by plateau')
        return None
    label = known.label if known is not None else ""
    asks_improvement = any(rp("criterion_improvement").search(t) for t in (criterion, label))
    if asks_improvement and any(rp("application_worse").search(f) for f in facts):
        return "not_met"
    asks_change = any(rp("criterion_change").search(t) for t in (criterion, label))
    return "not_met" if asks_change and any(rp("application_unchanged").search(f) for f in facts) else None


def _unknown_in(deciding: str, facts: list[str], asks_absence: bool) -> str | None:
    """not_documented when the deciding fact says the records do not show the criterion, or
    another of its facts does and the deciding one asserts no denial ('Gabapentin was started
    in 2013, and no progress note since then comments on its effect')."""
    if _unknown(deciding, asks_absence):
        return "not_documented"
    if rp("negation").search(deciding) or rp("limit_exceeded").search(deciding):
        return None
    return next((s for s in (_unknown(f, asks_absence) for f in facts) if s), None)


@lru_cache(maxsize=4096)  # a fact is checked again for every criterion it is given to
def _unknown(evidence: str, asks_absence: bool) -> str | None:
    """not_documented when the fact says the records do not show it, or hedges. 'No evidence
    of aberrant behavior' asserts the absence a criterion may ask for."""
    unknown = rp("not_documented").search(evidence)
    if unknown and not (asks_absence and rp("application_asserted_absence").match(unknown.group())):
        return "not_documented"
    return "not_documented" if rp("application_hedge").search(evidence) else None


@lru_cache(maxsize=4096)  # asked of a criterion and of its catalog label at each step
def _asks_absence(criterion: str) -> bool:
    """Whether the criterion is met by an absence. 'Not recommended unless X' asks for X;
    'not necessary if X' or 'not recommended for X' asks for X to be absent; 'alongside
    exercise, not on its own' asks for exercise."""
    criterion = rp("criterion_not_alone").sub("", criterion)
    if m := rp("criterion_unless").search(criterion):
        return bool(rp("negation").search(criterion, m.end()))
    if m := rp("criterion_exclusion").search(criterion):
        return not rp("negation").search(criterion, m.end())
    return bool(rp("negation").search(criterion))


def _affirms(evidence: str, sources: list[tuple[set[str], bool]]) -> tuple[bool, bool]:
    """Whether the fact gives what the criterion asks, and whether only the words it shares
    said so. sources: (stems, asks for an absence), the criterion's own words first. A shared
    word is denied by a negation shortly before it, or a finding word ('normal', 'intact')
    shortly after it. Denied words decide first (a fact that denies part of a criterion
    speaks to it most); then words merely present. A fact sharing no word (matched by
    pattern only) is read whole."""
    tokens = _tokens(evidence)
    before = [i for i, w in tokens if rp("negation").fullmatch(w)]
    after = [i for i, w in tokens if rp("negation_after").fullmatch(w)]
    breaks = [i for i, w in tokens if rp("negation_scope_end").fullmatch(w)]
    found = None
    for stems, absence in sources:
        shared = [i for i, w in tokens if _content(w) and (_stem(w) in stems or _senses().get(_stem(w), frozenset()) & stems)]
        if any(_in_scope(p, q, breaks) for p in before for q in shared) or any(_in_scope(q, p, breaks) and p != q for p in after for q in shared):
            return absence, False
        if _contrary(tokens, stems, shared, before, breaks):
            return absence, False
        if shared and found is None:
            found = not absence
    if found is not None:
        return found, True
    return bool(rp("negation").search(evidence)) == sources[0][1], True


def _contrary(tokens: list[tuple[int, str]], stems: set[str], shared: list[int], negated: list[int],
              breaks: list[int]) -> bool:
    """Whether a word that denies one of the criterion's words ('low' for 'high') stands near a
    word the fact shares with it ('she is at low risk'), or anywhere in a fact sharing none; a
    denied contrary ('not consistent') does not count."""
    denying = frozenset().union(*(_contraries().get(s, ()) for s in stems)) - stems
    opposed = [i for i, w in tokens if _stem(w) in denying and not any(_in_scope(p, i, []) for p in negated)]
    return any(_in_scope(p, q, breaks) or _in_scope(q, p, breaks) for p in opposed for q in shared) or bool(opposed and not shared)


def _in_scope(first: int, last: int, breaks: list[int]) -> bool:
    """Whether the word at `last` is within a few words after `first`, in the same clause
    ('8/10 without medication and 4/10 with it' does not deny the 4/10)."""
    return 0 <= last - first <= _SCOPE and not any(first < b < last for b in breaks)
