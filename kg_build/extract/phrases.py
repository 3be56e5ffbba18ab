"""The anchoring phrases of data/phrases.yaml and data/rationale.yaml, compiled once."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from kg_build.lexicon import load_yaml
from kg_build.regex_screen import guarded
from kg_build.text import outside_classes

DATE = r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})"
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


@cache
def phrase(name: str, file: str = "phrases.yaml") -> re.Pattern[str]:
    """One regex (or a list joined as alternatives) from a phrase file; {date} is a date, and
    a space outside a character class matches any run of white space, line breaks included."""
    value = load_yaml(file)[name]
    pattern = "|".join(f"(?:{v})" for v in value) if isinstance(value, list) else value
    return guarded(outside_classes(pattern.replace("{date}", DATE), " ", r"\s+"), re.IGNORECASE)  # searched in every sentence


def rationale_phrase(name: str) -> re.Pattern[str]:
    return phrase(name, "rationale.yaml")


@cache
def relevance_stopwords() -> frozenset[str]:
    """Words too common to tie a criterion to a fact (data/rationale.yaml)."""
    return frozenset(load_yaml("rationale.yaml")["relevance_stopwords"])


@cache
def contrary_words() -> list[tuple[list[str], list[str]]]:
    """Pairs of word groups, each the contrary of the other (data/rationale.yaml)."""
    return [(one, other) for one, other in load_yaml("rationale.yaml")["contrary_words"]]


@cache
def related_words() -> list[list[str]]:
    """Groups of words that speak of the same thing (data/rationale.yaml)."""
    return load_yaml("rationale.yaml")["related_words"]


@cache
def words(name: str, file: str = "phrases.yaml") -> dict[str, re.Pattern[str]]:
    """A mapping of value -> word list from a phrase file, as whole-word regexes."""
    return {key: re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, ws))})\b") for key, ws in load_yaml(file)[name].items()}


def parse_date(text: str) -> str | None:
    """'4/18/14', '04/18/2014', 'April 18, 2014' or '2014-04-18' -> '2014-04-18'."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text):
            month, day, year = map(int, m.groups())
            year += 2000 if year < 70 else 1900 if year < 100 else 0
        elif m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            year, month, day = map(int, m.groups())
        elif m := re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text):
            month, day, year = _MONTHS.get(m.group(1)[:3].lower(), 0), int(m.group(2)), int(m.group(3))
        else:
            return None
        return date(year, month, day).isoformat()
    except ValueError:
        return None
