"""Load the domain knowledge that lives in data files (kg_build/data/), compiled once.

Experts extend these files without touching Python; data/README.md says how.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
import yaml

from kg_build.regex_screen import guarded
from kg_build.text import Doc, tokenize


@cache
def load_yaml(name: str) -> dict:
    return yaml.safe_load(resources.files("kg_build.data").joinpath(name).read_text("utf-8"))


@cache
def load_csv(name: str) -> tuple[dict[str, str], ...]:
    text = resources.files("kg_build.data").joinpath(name).read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    return tuple({k: (v or "").strip() for k, v in row.items()} for row in rows)


def phrase_pattern(phrase: str) -> str:
    """A heading or label from a data file -> regex.

    Spaces match any white space (line breaks included), "WORD(S)" also matches "WORD" and
    "WORDS", a comma after a word is optional; everything else is literal.
    """
    out = []
    for token in phrase.split():
        plural = re.fullmatch(r"(.*?)\(([sS])\)(\W*)", token)
        if plural:
            stem, s, tail = plural.groups()
            out.append(re.escape(stem) + rf"(?:\({s}\)|{s})?" + _optional_comma(tail))
        else:
            out.append(_optional_comma(token))
    return r"\s+".join(out)


def _optional_comma(token: str) -> str:
    return re.escape(token[:-1]) + ",?" if token.endswith(",") else re.escape(token)


def heading_regex(phrases: list[str], line_start: bool = True) -> str:
    """Alternation of headings with an optional trailing colon, at a line start or, for
    labels that may run on inside a paragraph, after white space."""
    alts = "|".join(phrase_pattern(p.rstrip(":")) for p in sorted(phrases, key=len, reverse=True))
    anchor = r"^[ \t]*" if line_start else r"(?<!\S)"
    return rf"(?im){anchor}(?:{alts})[ \t]*:?"


@cache
def text_fixes() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Words PDF extraction runs together, with how to write them apart (data/text_fixes.yaml)."""
    return tuple((re.compile(glued), apart) for glued, apart in load_yaml("text_fixes.yaml")["glued"].items())


@cache
def kept_hyphen() -> re.Pattern[str]:
    """A line ending in a prefix whose hyphen belongs to the word (data/text_fixes.yaml)."""
    prefixes = "|".join(map(re.escape, load_yaml("text_fixes.yaml")["keep_hyphen_after"]))
    return re.compile(rf"(?i)(?:^|\W)(?:{prefixes})-$")


@dataclass(frozen=True)
class PersonalData:
    """Regexes for personal data (data/personal_data.yaml)."""

    label_before_colon: re.Pattern[str]  # a personal field label ending where a ':' follows
    value_end: re.Pattern[str]  # where a labelled value ends: the line's end or a next label
    patterns: re.Pattern[str]  # personal data wherever it stands


@cache
def personal_data() -> PersonalData:
    data = load_yaml("personal_data.yaml")
    labels = "|".join(sorted(data["labels"], key=len, reverse=True))
    ends = "|".join(data["value_ends_before"])
    return PersonalData(
        re.compile(rf"(?i)(?<![^\s])(?:{labels})[ \t]*\Z"),
        re.compile(rf"(?i)[ \t]+(?:{ends})[ \t]*:|[ \t]*(?:\n|\Z)"),
        guarded("|".join(f"(?:{p})" for p in data["patterns"]), re.MULTILINE),  # scanned over whole letters
    )


_END = ""  # never a token


@dataclass(frozen=True)
class Entry:
    name: str
    row: dict[str, str]


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: Entry


class Lexicon:
    """Names with synonyms (plain phrases, '|'-separated), found by tokens, longest first.

    Matching is on normalised tokens (text.norm_token), so case, plurals, '&' for 'and'
    and line breaks do not matter.
    """

    def __init__(self, rows: tuple[dict[str, str], ...], name_field: str = "name") -> None:
        self.entries = [Entry(row[name_field], row) for row in rows]
        self.by_name = {e.name: e for e in self.entries}
        # a trie of token sequences; the key _END holds the entry a phrase ends in (first row wins)
        self._trie: dict = {}
        for entry in self.entries:
            for phrase in [entry.name, *entry.row.get("synonyms", "").split("|")]:
                tokens = tokenize(phrase)
                if tokens:
                    node = self._trie
                    for token in tokens:
                        node = node.setdefault(token, {})
                    node.setdefault(_END, entry)

    def find(self, doc: Doc, start: int = 0, end: int | None = None) -> list[Match]:
        """Non-overlapping matches in doc.text[start:end], left to right, longest first."""
        found: list[Match] = []
        positions = doc.token_range(start, len(doc.text) if end is None else end)
        norms, trie, i, stop = doc.norms, self._trie, positions.start, positions.stop
        while i < stop:
            node = trie.get(norms[i])
            if node is None:
                i += 1
                continue
            longest, j = (node.get(_END), i) if _END in node else (None, i)
            k = i + 1
            while k < stop and (node := node.get(norms[k])) is not None:
                if _END in node:
                    longest, j = node[_END], k
                k += 1
            if longest is None:
                i += 1
                continue
            found.append(Match(doc.starts[i], doc.ends[j], longest))
            i = j + 1
        return found

    def lookup(self, phrase: str) -> Entry | None:
        """The entry one of whose names is exactly `phrase` (after token normalisation)."""
        node: dict | None = self._trie
        for token in tokenize(phrase):
            node = node.get(token) if node is not None else None
        return node.get(_END) if node is not None and node is not self._trie else None


@cache
def lexicon(name: str) -> Lexicon:
    """The lexicon in data/NAME.csv (columns: name, synonyms, and attributes of its own)."""
    return Lexicon(load_csv(f"{name}.csv"))
