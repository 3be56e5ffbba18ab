"""Tokens and sentences of the normalised letter text, computed once per letter."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Iterable

from kg_build.regex_screen import guarded

_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[&/+%#]")
# a sentence ends at . ! ? before white space and a capital, digit or quote, or at a line end;
# abbreviations that end in a period do not end one
_SENTENCE_END = guarded(r"(?<=[.!?])[\"')]*\s+(?=[\"'(]?[A-Z0-9])|\n+")  # guarded: scanned over whole letters
_ABBREVIATION = re.compile(r"(?i)(?:[:;]\s+\(?\d{1,2}|\b(?:dr|mr|mrs|ms|st|vs|no|approx|e\.g|i\.e|etc|jr|sr|inc|p\.o|u\.s|pg|pp|p|fig|ref|dept)|(?<!')\b(?-i:[A-Z]))\.$")  # an initial, not the 's of "the 4 A's."

_LIST_NUMBER = re.compile(r"\s*\(?\d{1,2}\.")

Span = tuple[int, int]


@cache
def norm_token(token: str) -> str:
    """Lower-case, '&' as 'and', and a light singular so 'injections' finds 'injection'."""
    t = token.lower()
    if t == "&":
        return "and"
    if len(t) > 4 and t.endswith("ies"):
        return t[:-3] + "y"
    if len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        return t[:-1]
    return t


def tokenize(text: str) -> list[str]:
    return [norm_token(m.group()) for m in _TOKEN.finditer(text)]


@dataclass
class Doc:
    """The normalised text of one letter with its tokens (start, end, normalised form)."""

    text: str
    starts: list[int] = field(init=False)
    ends: list[int] = field(init=False)
    norms: list[str] = field(init=False)

    def __post_init__(self) -> None:
        matches = list(_TOKEN.finditer(self.text))
        self.starts = list(map(re.Match.start, matches))  # map over C methods: faster than comprehensions
        self.ends = list(map(re.Match.end, matches))
        self.norms = list(map(norm_token, map(re.Match.group, matches)))

    def token_range(self, start: int, end: int) -> range:
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))

    @cached_property
    def sentence_spans(self) -> list[Span]:
        return sentences(self.text, 0, len(self.text))

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [end for _, end in self.sentence_spans]

    def sentences(self, start: int, end: int) -> list[Span]:
        """The letter's sentences that overlap [start, end), clipped to it."""
        out = []
        for s, e in self.sentence_spans[bisect_right(self._sentence_ends, start):]:
            if s >= end:
                break
            clipped = trim(self.text, max(s, start), min(e, end))
            if clipped[1] > clipped[0]:
                out.append(clipped)
        return out


def sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans within text[start:end], trimmed of white space."""
    spans: list[Span] = []
    begin = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group().startswith("\n") or not (
            _ABBREVIATION.search(text, max(begin, m.start() - 8), m.start()) or _LIST_NUMBER.fullmatch(text, begin, m.start())
        ):
            spans.append((begin, m.start()))
            begin = m.end()
    spans.append((begin, end))
    return [trim(text, s, e) for s, e in spans if text[s:e].strip()]


def split_at(text: str, start: int, end: int, cuts: Iterable[tuple[int, int]], chars: str = " \t\n") -> list[Span]:
    """The pieces of text[start:end] between the cuts ((start, end) spans, in order), trimmed."""
    pieces, cursor = [], start
    for cut_start, cut_end in cuts:
        pieces.append(trim(text, cursor, cut_start, chars))
        cursor = cut_end
    pieces.append(trim(text, cursor, end, chars))
    return pieces


def trim(text: str, start: int, end: int, chars: str = " \t\n") -> Span:
    """Shrink a span so it neither starts nor ends with any of `chars`."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def outside_classes(pattern: str, char: str, replacement: str) -> str:
    """A regular expression with every unescaped `char` outside [character classes] replaced."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == char and not in_class:
            ch = replacement
        out.append(ch)
    return "".join(out)
