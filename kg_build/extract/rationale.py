"""Read a rationale: its conclusion (the outcome) and the guideline criteria it applies.

A rationale restates the case, states the guideline's criteria, applies them ("In this
case, ...") and concludes ("Therefore, the request ... is not medically necessary").
Criteria come from the sentences that state conditions; each is assessed against the
sentences after the first guideline statement by shared content words, with negation
deciding met / not met and "not documented" phrasing deciding not_documented.
"""

from __future__ import annotations

import re
from functools import cache

from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.lexicon import load_yaml
from kg_build.text import Doc, Span, trim

_WORD = re.compile(r"[a-z][a-z-]{3,}")


def outcome_from_words(text: str) -> str | None:
    """'Upheld', 'OVERTURN', 'Partially Overturned' ... -> the outcome value."""
    for outcome, regex in load_yaml("rationale.yaml")["outcome_words"].items():
        if re.search(regex, text, re.IGNORECASE):
            return outcome
    return None


def conclusion(doc: Doc, span: Span) -> tuple[str | None, Span | None]:
    """The outcome a text concludes ('is not medically necessary' -> upheld) and its sentence."""
    for start, end in reversed(doc.sentences(*span)):
        m = rp("conclusion").search(doc.text, start, end)
        if m is None:
            continue
        clause_start = max(doc.text.rfind(",", start, m.start()) + 1, start) if "however" in doc.text[start:m.start()].lower() else start
        if rp("conclusion_negative").search(doc.text, clause_start, m.end()):
            return "upheld", (start, end)
        partial = rp("conclusion_partial").search(doc.text, start, end)
        return ("partially_overturned" if partial else "overturned"), (start, end)
    return None, None


def criteria(doc: Doc, span: Span) -> list[dict]:
    """The criteria a rationale states, each with its status and evidence."""
    spans = doc.sentences(*span)
    _, concluding = conclusion(doc, span)
    stated = [i for i, s in enumerate(spans) if s != concluding and rp("criterion_sentence").search(doc.text, *s)
              and not rp("application_sentence").match(doc.text, *s)]
    if not stated:
        return []
    application = [s for i, s in enumerate(spans) if i > stated[0] and i not in stated and s != concluding]
    return [_assess(doc, c, application) for i in stated for c in _split_criteria(doc, spans[i])]


def _split_criteria(doc: Doc, sentence: Span) -> list[Span]:
    lead = rp("criterion_lead").match(doc.text, *sentence)
    start = lead.end() if lead else sentence[0]
    parts, cursor = [], start
    for m in rp("criterion_split").finditer(doc.text, start, sentence[1]):
        parts.append(trim(doc.text, cursor, m.start(), " ,.;:"))
        cursor = m.end()
    parts.append(trim(doc.text, cursor, sentence[1], " ,.;:"))
    return [p for p in parts if p[1] - p[0] > 8]


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(load_yaml("rationale.yaml")["relevance_stopwords"])


def _stems(text: str) -> set[str]:
    """Content words cut to six letters, so 'adjunctive' meets 'adjunct'; 'non-' is dropped."""
    words = (w for token in _WORD.findall(text.lower()) for w in token.split("-"))
    return {w[:6] for w in words if len(w) > 3 and w not in _stopwords()}


def _assess(doc: Doc, criterion: Span, application: list[Span]) -> dict:
    text = doc.text[criterion[0]:criterion[1]]
    stems = _stems(text)
    scored = [(len(stems & _stems(doc.text[s:e])), (s, e)) for s, e in application]
    relevant = [s for n, s in scored if n > 0]
    result = {"text": text, "criterion_id": None, "status": "not_assessed", "evidence": None,
              "span": [criterion[0], criterion[1]]}
    if not relevant:
        return result
    best = max(scored, key=lambda t: t[0])[1]
    evidence = (relevant[0][0], relevant[-1][1])
    best_text = doc.text[best[0]:best[1]]
    if rp("not_documented").search(best_text):
        status = "not_documented"
    else:
        asks_absence = bool(rp("negation").search(text))
        denies = bool(rp("negation").search(best_text))
        status = "not_met" if asks_absence != denies else "met"
    result.update(status=status, evidence=doc.text[evidence[0]:evidence[1]], evidence_span=list(evidence))
    return result
