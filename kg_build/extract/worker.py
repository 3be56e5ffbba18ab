"""The injured worker (age, sex) and the injury (date, mechanism, body regions)."""

from __future__ import annotations

import re
from functools import cache

from kg_build.extract.phrases import parse_date, phrase, words
from kg_build.lexicon import lexicon, load_yaml
from kg_build.text import Doc, Span

_HE_SHE = re.compile(r"(?i)\b(?:he/she|she/he|his/her|her/his|him/her|he or she|his or her)\b")


def age_and_sex(doc: Doc, summary: Span) -> dict:
    """'48 year old, female', '34-year-old male', else the summary's pronouns for sex."""
    text = doc.text
    age = sex = evidence = None
    if m := phrase("age").search(text, *summary) or phrase("age").search(text):
        age = int(m.group("age")) if int(m.group("age")) <= 120 else None
        sex = sex_word(text[m.end():m.end() + 40])
        evidence = {"text": m.group(), "span": [m.start(), m.end()]}
    return {"age": age, "sex": sex or pronoun_sex(text[summary[0]:summary[1]]), "evidence": evidence}


def sex_word(text: str) -> str | None:
    """The sex named by the first sex word in a short stretch of text."""
    hits = [(m.start(), sex) for sex, regex in words("sex_words").items() if (m := regex.search(text))]
    return min(hits)[1] if hits else None


def pronoun_sex(text: str) -> str | None:
    """The sex of the majority of third-person pronouns ('he/she' does not count)."""
    text = without_he_she(text)
    counts = {sex: len(regex.findall(text)) for sex, regex in words("pronouns").items()}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 and list(counts.values()).count(counts[best]) == 1 else None


def without_he_she(text: str) -> str:
    """The text with 'he/she', 'his or her' ... blanked out, offsets kept: they say nothing of sex."""
    return _HE_SHE.sub(lambda m: " " * len(m.group()), text)


def injury(doc: Doc, summary: Span, header_date: str | None) -> dict:
    """Date (header first, else the summary), mechanism and body regions of the injury."""
    text = doc.text
    found = phrase("injury_date").search(text, *summary)
    window = _injury_window(doc, summary, found.start() if found else None)
    regions = [m.entry.name for m in lexicon("body_regions").find(doc, *window)] if window else []
    return {
        "date": header_date or (parse_date(found.group("date")) if found else None),
        "mechanism": _mechanism(doc, window) or _mechanism(doc, summary),
        "body_regions": list(dict.fromkeys(regions)),
        "evidence": {"text": text[window[0]:window[1]], "span": list(window)} if window else None,
    }


def _injury_window(doc: Doc, summary: Span, anchor: int | None) -> Span | None:
    """The sentence that tells of the injury and the one after it."""
    sentences = doc.sentences(*summary)
    for i, (start, end) in enumerate(sentences):
        if (anchor is not None and start <= anchor < end) or (anchor is None and phrase("injury_sentence").search(doc.text, start, end)):
            return start, sentences[min(i + 1, len(sentences) - 1)][1]
    return None


def _mechanism(doc: Doc, window: Span | None) -> str | None:
    """The first mechanism, in the priority order of mechanisms.csv, named in the window."""
    if window is None:
        return None
    found = {m.entry.name for m in lexicon("mechanisms").find(doc, *window)}
    found |= {name for name, regexes in _mechanism_patterns().items() if any(r.search(doc.text, *window) for r in regexes)}
    return next((e.name for e in lexicon("mechanisms").entries if e.name in found), None)


@cache
def _mechanism_patterns() -> dict[str, list[re.Pattern[str]]]:
    return {name: [re.compile(p, re.IGNORECASE) for p in patterns]
            for name, patterns in load_yaml("mechanism_patterns.yaml").items()}
