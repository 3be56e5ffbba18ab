"""Normalise letter text: the text every span of the extraction record points into.

Undoes what PDF text extraction does to a letter: hard wraps, an empty line after every
line, page numbers, repeated page headers and footers, hyphenated line breaks, ligatures
and curly quotes. Paragraphs are separated by one empty line; headings, labelled lines
("Case Number: ...") and list entries keep their own line. Values of personal-data labels
(worker and provider names, claim numbers, addresses) are replaced by "[redacted]".
"""

from __future__ import annotations

import re
from collections import Counter

from kg_build.lexicon import kept_hyphen, personal_data, text_fixes
from kg_build.regex_screen import may_match

_FOLD = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
    "\u00ad": None, "\u200b": None, "\ufeff": None, "\u2022": "-", "\u25cf": "-", "\u00b7": "-",
    "\u2026": "...",
})
_PAGE_NUMBER = re.compile(r"(?i)^(?:-\s*\d{1,3}\s*-|(?:page\s*)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|page\s+\d{1,3}\s+of\s+\d{1,3}.*)$")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r" {2,}")
_COLON = re.compile(r":")
_PAGES_LABEL_END = re.compile(r"(?i)\bpages?(?:\(s\))?:$")
_NO_UPPER = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NO_LOWER = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz")
_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-*])\s+\S")
_LABEL_START = re.compile(r"^(?![^:]*\bPages?\b)(?:[A-Z][\w()/'&-]*)(?: [\w()/'&-]+){0,4}:(?:\s|$)")
_HYPHEN_END = re.compile(r"[A-Za-z]-$")


def normalize(raw: str) -> str:
    """Raw extracted text (pages split by form feeds) -> normalised text."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_FOLD)
    pages = [_strip_blank_edges([_clean_line(line) for line in page.split("\n")]) for page in raw.split("\f")]
    pages = _drop_page_furniture(pages)
    lines = [line for page in pages for line in page]
    paragraphs = _paragraphs(lines)
    width = _typical_width(lines)
    text = "\n\n".join("\n".join(_unwrap(par, width)) for par in paragraphs)
    for glued, apart in text_fixes():
        if may_match(glued, text):  # most letters need none of the fixes: spare the scans
            text = glued.sub(apart, text)
    return _redact(text).strip() + "\n"


def _clean_line(line: str) -> str:
    line = line.strip()
    return _SPACES.sub(" ", line) if "  " in line else line  # most lines have no run of spaces: spare the call


def _strip_blank_edges(lines: list[str]) -> list[str]:
    """A page's leading and trailing empty lines are layout, not paragraph breaks."""
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


def _drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, and header/footer lines that repeat at the top or bottom of pages."""
    keyed = [_keys(page) for page in pages]
    repeated: set[str] = set()
    if len(pages) > 1:
        tops, bottoms = Counter(), Counter()  # counted apart: a sentence may end one page and open the next
        for page, keys in zip(pages, keyed):
            body = [key for line, key in zip(page, keys) if line]
            tops.update(set(body[:2]))
            bottoms.update(set(body[-2:]))
        repeated = {key for counts in (tops, bottoms) for key, n in counts.items() if n >= 2 and n * 2 >= len(pages)}
    else:  # no page breaks: short numbered lines that recur, alone between empty lines
        lines, keys = pages[0], keyed[0]
        alone = Counter(
            keys[i] for i, line in enumerate(lines)
            if line and (i == 0 or not lines[i - 1]) and (i + 1 == len(lines) or not lines[i + 1])
        )
        counts = Counter(key for line, key in zip(lines, keys) if line)
        repeated = {k for k, n in counts.items() if (n >= 3 or alone[k] >= 2) and len(k) < 60 and "#" in k and ":" not in k}
    return [
        [line for line, key in zip(page, keys) if not _PAGE_NUMBER.match(line) and key not in repeated]
        for page, keys in zip(pages, keyed)
    ]


def _keys(lines: list[str]) -> list[str]:
    """Each line with its numbers as '#', so that page headers and footers compare equal; one
    substitution over the page rather than one per line (no number spans a line break)."""
    return _DIGITS.sub("#", "\n".join(lines)).split("\n") if lines else []


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Group lines into paragraphs; with double spacing, a lone empty line is not a break."""
    nonblank = [i for i, line in enumerate(lines) if line]
    single_gaps = sum(
        1 for i in nonblank if i + 2 < len(lines) and not lines[i + 1] and lines[i + 2]
    )
    min_gap = 2 if nonblank and single_gaps > 0.6 * len(nonblank) else 1
    paragraphs: list[list[str]] = []
    current: list[str] = []
    gap = 0
    for line in lines:
        if not line:
            gap += 1
            continue
        if current and gap >= min_gap:
            paragraphs.append(current)
            current = []
        current.append(line)
        gap = 0
    if current:
        paragraphs.append(current)
    return _rejoin_page_breaks(paragraphs)


def _rejoin_page_breaks(paragraphs: list[list[str]]) -> list[list[str]]:
    """A paragraph that stops mid-sentence and one that goes on in lower case are one paragraph."""
    out: list[list[str]] = []
    for par in paragraphs:
        if out and out[-1][-1][-1:].isalnum() and par[0][:1].islower():
            out[-1] = out[-1] + par
        else:
            out.append(par)
    return out


def _typical_width(lines: list[str]) -> int:
    lengths = sorted(len(line) for line in lines if line)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80


def _is_heading(line: str) -> bool:
    """Mostly capitals: 'IMR DECISION(S) AND RATIONALE(S)'."""
    upper = len(line) - len(line.translate(_NO_UPPER))
    return upper >= 4 and upper >= 4 * (len(line) - len(line.translate(_NO_LOWER)))


def _unwrap(par: list[str], width: int) -> list[str]:
    """Join the hard-wrapped lines of one paragraph into logical lines."""
    out = [[par[0]]]
    headings = [_is_heading(line) for line in par]  # each line is tested once, not as line and again as prev
    for k, (prev, line) in enumerate(zip(par, par[1:])):
        if _breaks(prev, line, width, headings[k], headings[k + 1]):
            out.append([line])
        elif prev.endswith("-") and _HYPHEN_END.search(prev) and line[:1].islower():  # endswith: spares most searches
            out[-1][-1] = out[-1][-1] if kept_hyphen().search(prev) else out[-1][-1][:-1]
            out[-1].append("\0" + line)
        else:
            out[-1].append(line)
    return [" ".join(parts).replace(" \0", "") for parts in out]


def _breaks(prev: str, line: str, width: int, prev_heading: bool, heading: bool) -> bool:
    if prev_heading or heading:
        return prev_heading != heading or prev.endswith(":")
    return (
        (prev.endswith(":") and not _PAGES_LABEL_END.search(prev))
        or _LIST_ITEM.match(line) is not None
        or (":" in line and _LABEL_START.match(line) is not None)  # a label needs its colon: spares the costly match
        or len(prev) < 0.6 * width
    )


def _redact(text: str) -> str:
    """Replace the values of personal-data labels, then personal-data patterns, by [redacted]."""
    personal = personal_data()
    parts, cursor = [], 0
    for colon in _COLON.finditer(text):
        if colon.start() < cursor or not personal.label_before_colon.search(text, max(0, colon.start() - 40), colon.start()):
            continue
        end = personal.value_end.search(text, colon.end()).start()
        if text[colon.end():end].strip() not in ("", "[redacted]"):
            parts += [text[cursor:colon.end()], " [redacted]"]
            cursor = end
    text = "".join(parts) + text[cursor:]
    return personal.patterns.sub("[redacted]", text)
