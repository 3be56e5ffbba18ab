"""The quick tests of kg_build.regex_screen never rule out a match: checked on the catalog's
patterns, the phrase and personal-data patterns and the letters (shared, test and example
letters, and the fictional rationales of tests/criteria), and on random texts. And the
catalog lookups built on them give what trying every pattern gives."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest
import yaml

from conftest import ALL_LETTERS, TESTS
from kg_build.extract import catalog
from kg_build.ingest import normalize, read_letter
from kg_build.lexicon import load_yaml, personal_data, text_fixes
from kg_build.regex_screen import LiteralScreen, guarded, may_match, required_literals, start_guard
from kg_build.text import Doc


@cache
def letter_texts() -> tuple[str, ...]:
    return tuple(normalize(read_letter(path).text) for path in ALL_LETTERS[::2])  # every other one: fast enough


@cache
def rationale_cases() -> tuple[tuple[str, frozenset[str]], ...]:
    """(rationale, cited topic) of the fictional labelled rationales."""
    cases = []
    for path in sorted((TESTS / "criteria").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            cases.append((case["rationale"], frozenset({case.get("topic", "").lower()})))
    return tuple(cases[::8])  # a sample of a fixed eighth: fast enough


@cache
def sentences() -> tuple[str, ...]:
    texts = [*letter_texts(), *(rationale for rationale, _ in rationale_cases())]
    return tuple(dict.fromkeys(d.text[s:e] for d in map(Doc, texts) for s, e in d.sentence_spans))[::10]


def catalog_patterns() -> list[re.Pattern[str]]:
    return [p for entry in catalog.catalog() for p in (*entry.patterns, *entry.contrary, *entry.support)]


def test_required_literals_of_handwritten_patterns():
    literals = {
        r"\b(not)(medically|necessary)\b": {"notmedically", "notnecessary"},
        r"\bopioids?\s+are": {"opioid"},  # 'opioids' holds 'opioid': the shorter is enough
        r"\bMRI\b|\bmagnetic\s+resonance\b": {"mri", "resonance"},
        r"a(?:bc)?d": {"ad", "abcd"},
        r"(?<!produce\s)\bgains?\b": {"gain"},  # a look-behind is no part of the match
        r"x?": None,  # may match the empty string
        r"[a-z]+": None,
    }
    for pattern, expected in literals.items():
        assert required_literals(re.compile(pattern, re.IGNORECASE)) == (expected and frozenset(expected)), pattern


def test_every_match_holds_one_of_its_literals():
    """On every letter, every match of every catalog, fix and personal-data pattern contains
    one of the pattern's literals, and may_match never says no where the pattern matches."""
    patterns = catalog_patterns() + [glued for glued, _ in text_fixes()] + [personal_data().patterns]
    checked = 0
    for pattern in patterns:
        literals = required_literals(pattern)
        for text in letter_texts():
            found = [m.group().lower() for m in pattern.finditer(text)]
            assert all(literals is None or any(lit in g for lit in literals) for g in found), pattern.pattern
            assert may_match(pattern, text) or not found, pattern.pattern
            checked += len(found)
    assert checked > 100  # the letters do exercise the patterns


def test_non_ascii_text_is_never_ruled_out():
    # case-insensitive 's' matches the long s, which str.lower() does not turn into 's'
    pattern = re.compile(r"\bsession\b", re.IGNORECASE)
    assert pattern.search("one \u017fession") and may_match(pattern, "one \u017fession")
    assert LiteralScreen([pattern]).candidates("one \u017fession") == [0]


def test_literal_screen_keeps_every_pattern_that_matches():
    patterns = catalog_patterns()
    screen = LiteralScreen(patterns)
    matched = 0
    for text in sentences():
        candidates = set(screen.candidates(text))
        hits = {i for i, p in enumerate(patterns) if p.search(text)}
        assert hits <= candidates, text
        matched += len(hits)
    assert matched > 100


def test_start_guards_of_handwritten_patterns():
    guards = {
        r"\(?\b\d{3}": r"[\(\d]",
        r"(?:x|y)?z": "[xyz]",
        r"(?<=a)(?:b|[^c])": r"[b]|(?<=a)[^c]",
        r"(?<=^Dear )[^:\n]{1,60}": "(?<=^Dear\\ )[^:\\\n]",
        r"\bx|.y": None,  # '.' may begin a match anywhere
        r"a?": None,  # may match the empty string
    }
    for pattern, expected in guards.items():
        assert start_guard(pattern) == expected, pattern


@pytest.mark.parametrize("seed", range(3))
def test_guarded_patterns_and_literals_on_random_text(seed):
    rng = random.Random(seed)
    patterns = [r"\(?\b\d{3}\)?[ .-]\d{3}", r"(?<=^ab )(?!c)[^:\n]{1,5}(?=:)", r"(?:x|y)?z+", r"(?<=a)(?:b|[^c])",
                r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}, [A-Z]{2}", r"(?i)\bab(?:c|d)?\b", r"(?m)^x$|y"]
    alphabet = "abcdxyzAB (:)-.\n0123"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60))) for _ in range(400)]
    for pattern in patterns:
        plain, fast = re.compile(pattern), guarded(pattern)
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], (pattern, text)
            assert may_match(plain, text) or not plain.search(text), (pattern, text)


def test_personal_data_redacted_as_before():
    """The guarded personal-data regex substitutes exactly as the plain one, on the letters
    and on fictional personal data of each kind."""
    plain = re.compile("(?m)" + "|".join(f"(?:{p})" for p in load_yaml("personal_data.yaml")["patterns"]))
    fictional = ("Dear Jane Q. Roe:\nCall (555) 010-0199 or 555.010-0100; SSN 000-12-3456.\n"
                 "Write to 12 Elm Street, Apt 4, Springfield, IL 62704 or 7 Oak Ave.\nDear [redacted]:\n")
    assert personal_data().patterns.pattern != plain.pattern  # it is guarded
    for text in (*letter_texts(), fictional):
        assert personal_data().patterns.sub("[redacted]", text) == plain.sub("[redacted]", text)
    assert personal_data().patterns.sub("[redacted]", fictional).count("[redacted]") == 8  # 7 found, 1 there already


def _reference_match(text: str, topics: frozenset[str]) -> catalog.CatalogCriterion | None:
    """Every phrase pattern tried: the longest first match wins, ties to catalog order."""
    best, found = 0, None
    for entry in catalog._of_topics(topics) or catalog.catalog():
        longest = max((len(m.group()) for p in entry.patterns if (m := p.search(text))), default=0)
        if longest > best:
            best, found = longest, entry
    return found


def _reference_mentions(text: str, topics: frozenset[str]) -> list:
    found = [(m.start(), m.end(), entry) for entry in catalog._of_topics(topics) for p in entry.patterns
             for m in p.finditer(text) if m.end() > m.start()]
    kept: list = []
    for start, end, entry in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, entry))
    return sorted(kept, key=lambda f: f[0])


def test_catalog_lookups_equal_trying_every_pattern():
    catalog._match.cache_clear()
    catalog._mentions.cache_clear()
    named = 0
    for rationale, topics in rationale_cases():
        doc = Doc(rationale)
        for s, e in doc.sentence_spans:
            text = rationale[s:e]
            for scope in (topics, frozenset()):
                assert catalog.match(text, set(scope)) is _reference_match(text, scope), text
                assert catalog.mentions(text, set(scope)) == _reference_mentions(text, scope), text
                named += catalog.match(text, set(scope)) is not None
    assert named > 100
    # a remembered answer is the same answer, and the list handed out is the caller's own
    text, topics = rationale_cases()[0][0], set(rationale_cases()[0][1])
    first = catalog.mentions(text, topics)
    first.clear()
    assert catalog.mentions(text, topics) == _reference_mentions(text, frozenset(topics))
