"""Outcomes: the words a letter states them in, and the conclusion a rationale reaches."""

from __future__ import annotations

import re

from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.lexicon import load_yaml
from kg_build.text import Doc, Span


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
        # the verdict's own clause: after a semicolon ('... has had no therapy; 8 visits are
        # medically necessary') or, after 'however', a comma
        clause_start = max(doc.text.rfind(";", start, m.start()) + 1, start)
        if "however" in doc.text[clause_start:m.start()].lower():
            clause_start = max(doc.text.rfind(",", clause_start, m.start()) + 1, clause_start)
        if rp("conclusion_negative").search(doc.text, clause_start, m.end()):
            return "upheld", (start, end)
        partial = rp("conclusion_partial").search(doc.text, start, end)
        return ("partially_overturned" if partial else "overturned"), (start, end)
    return None, None
