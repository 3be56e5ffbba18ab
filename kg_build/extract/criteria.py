"""The guideline criteria a rationale applies, each with its status and evidence.

A rationale restates the case, states the guideline and its criteria, applies them to the
case ("In this case, ...") and concludes. Sentences are given those roles; the sentences
that state conditions are cut into atomic criteria (clauses, and the items of lists such as
"documentation of a, b and c"); each criterion is assessed against the application clauses
that share content words with it: negation decides met or not met, "not documented"
phrasing not_documented, a passed limit not_met, and no application at all not_assessed.
The phrases are in data/rationale.yaml.
"""

from __future__ import annotations

import re
from functools import cache

from kg_build.extract.catalog import match, uncatalogued_id
from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.extract.rationale import conclusion
from kg_build.lexicon import load_yaml
from kg_build.text import Doc, Span, trim

_WORD = re.compile(r"[a-z][a-z-]{3,}")
_TRIM = " ,.;:"


def read_rationale(doc: Doc, span: Span, topics: set[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """The rationale's parts (role and span of each sentence) and its criteria, each linked
    to the catalog (the guideline topics the reviewer cited come first)."""
    _, concluding = conclusion(doc, span)
    parts, stated, application = [], [], []
    seen_guideline = False
    for sentence in doc.sentences(*span):
        if sentence == concluding:
            parts.append(_part("conclusion", sentence))
            continue
        guideline = (rp("criterion_sentence").search(doc.text, *sentence)
                     or rp("guideline_sentence").search(doc.text, *sentence)) and not _applies(doc, sentence)
        states = guideline and not rp("bare_recommendation").match(doc.text, *sentence)
        if guideline:
            seen_guideline = True
            parts.append(_part("guideline", sentence))
            if states:
                for clause in _clauses(doc, sentence):
                    (application if _applies(doc, clause) else stated).append(clause)
        else:
            parts.append(_part("application" if seen_guideline else "restatement", sentence))
            if seen_guideline:
                application += _facts(doc, sentence)
    criteria = [_assess(doc, c, application, topics) for clause in stated for c in _atoms(doc, clause)]
    return parts, criteria


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


def _without_conjunction(doc: Doc, span: Span) -> Span:
    m = re.match(r"(?:and|or|nor)\s+", doc.text[span[0]:span[1]])
    return (span[0] + m.end(), span[1]) if m else span


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(load_yaml("rationale.yaml")["relevance_stopwords"])


def _stems(text: str) -> set[str]:
    """Content words cut to six letters, so 'adjunctive' meets 'adjunct'; 'non-' is dropped."""
    words = (w for token in _WORD.findall(text.lower()) for w in token.split("-"))
    return {w[:6] for w in words if len(w) > 3 and w not in _stopwords()}


def _assess(doc: Doc, criterion: Span, application: list[Span], topics: set[str]) -> dict:
    text = doc.text[criterion[0]:criterion[1]]
    known = match(text, {t.lower() for t in topics})
    # the catalog's wordings of the criterion widen what counts as speaking of it
    stems = _stems(" ".join([text, *(known.wordings if known else ())]))
    scored = [(len(stems & _stems(doc.text[s:e])), (s, e)) for s, e in application]
    relevant = [s for n, s in scored if n > 0]
    result = {"text": text, "criterion_id": known.id if known else uncatalogued_id(text),
              "criterion_label": known.label if known else None, "status": "not_assessed", "evidence": None,
              "span": [criterion[0], criterion[1]]}
    if not relevant:
        return result
    best = doc.text[slice(*max(scored, key=lambda t: t[0])[1])]
    result.update(status=_status(text, best, known is not None and known.met_when_absent), evidence=doc.text[relevant[0][0]:relevant[-1][1]],
                  evidence_span=[relevant[0][0], relevant[-1][1]])
    return result


def _status(criterion: str, evidence: str, met_when_absent: bool) -> str:
    if rp("not_documented").search(evidence):
        return "not_documented"
    if rp("limit_exceeded").search(evidence):
        return "not_met"
    asks_absence = met_when_absent or bool(rp("negation").search(criterion))
    denies = bool(rp("negation").search(evidence))
    return "not_met" if asks_absence != denies else "met"
