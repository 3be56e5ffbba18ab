"""The case header (case number, dates, priority) and the expert reviewer's credentials."""

from __future__ import annotations

import re
from functools import cache

from kg_build.extract.phrases import DATE, parse_date, phrase
from kg_build.lexicon import lexicon, load_csv, load_yaml
from kg_build.text import Doc, Span, tokenize

_SPLIT_LIST = re.compile(r"\s*(?:,|;|/|\band\b|&|\bwith\b)\s*")
_TITLE_CASE = re.compile(r"[A-Z][\w'-]{2,}(?:\s+(?:of|the|[A-Z][\w'-]*))*")


@cache
def _label_regexes() -> dict[str, re.Pattern[str]]:
    labels = load_yaml("phrases.yaml")["case_labels"]
    return {
        field: re.compile(rf"(?im)(?:^|(?<=\s))(?:{label})\s*:\s*(?P<value>{DATE if field != 'priority' else r'standard|expedited|urgent'})")
        for field, label in labels.items()
    }


def case_header(text: str) -> dict:
    """Case number, dates and priority from the labelled header lines (null where absent)."""
    number = phrase("case_number").search(text)
    case: dict = {"case_number": number.group().upper() if number else None}
    for field, regex in _label_regexes().items():
        m = regex.search(text)
        value = m.group("value") if m else None
        if field == "priority":
            case[field] = {"standard": "standard", "expedited": "expedited", "urgent": "expedited"}.get((value or "").lower())
        else:
            case[field] = parse_date(value) if value else None
    return case


def reviewer(doc: Doc, regions: list[Span]) -> dict:
    """Licensure states and specialties, from labelled lines or prose credentials in regions."""
    states: list[str] = []
    specialties: list[str] = []
    found: list[Span] = []
    for region in regions:
        for m in phrase("licensure").finditer(doc.text, *region):
            states += [s for s in _states(m.group("value")) if s not in states]
            found.append(m.span())
        for m in phrase("specialties").finditer(doc.text, *region):
            specialties += [s for s in _specialties(doc, m.start("value"), m.end("value")) if s not in specialties]
            found.append(m.span())
    start, end = (min(s for s, _ in found), max(e for _, e in found)) if found else (0, 0)
    evidence = {"text": doc.text[start:end], "span": [start, end]} if found else None
    return {"licensure": states, "specialties": specialties, "evidence": evidence}


@cache
def _state_names() -> tuple[dict[tuple[str, ...], str], dict[str, str]]:
    rows = load_csv("us_states.csv")
    return {tuple(tokenize(r["name"])): r["name"] for r in rows}, {r["abbreviation"]: r["name"] for r in rows}


def _states(value: str) -> list[str]:
    names, abbreviations = _state_names()
    tokens = tokenize(value)
    found = []
    i = 0
    while i < len(tokens):
        for n in (4, 3, 2, 1):
            if (name := names.get(tuple(tokens[i:i + n]))) is not None:
                found.append(name)
                i += n - 1
                break
        i += 1
    found += [abbreviations[t] for t in re.findall(r"\b[A-Z]{2}\b", value) if t in abbreviations]
    return list(dict.fromkeys(found))


def _specialties(doc: Doc, start: int, end: int) -> list[str]:
    """Specialties as written: known ones whole ('Physical Medicine and Rehabilitation'), then
    any other Title Case name left between them."""
    found, rest, cursor = [], [], start
    for m in lexicon("specialties").find(doc, start, end):
        rest.append(doc.text[cursor:m.start])
        found.append(doc.text[m.start:m.end])
        cursor = m.end
    rest.append(doc.text[cursor:end])
    for chunk in rest:
        found += [p.strip(" .") for p in _SPLIT_LIST.split(chunk) if _TITLE_CASE.fullmatch(p.strip(" ."))]
    return list(dict.fromkeys(found))
