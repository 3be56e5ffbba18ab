"""ICD-10-CM codes for diagnosis mentions: the most specific code the words support, or none.

A mention and every name it may match are put in one canonical form (`_canonical`): the
abbreviations, spellings and synonyms letters use are rewritten (data/icd10cm_synonyms.csv),
side words ("rt", "bilateral") and spinal levels ("C5-6") are read off, and "X of the Y" /
"X in the Y" is turned into "Y X". The names are those of the diagnosis lexicon
(data/diagnoses.csv, curated) and the descriptions and inclusion terms of the ICD-10-CM code
set shipped by simple-icd-10-cm.

Match types (the `match` of each code, as the SKOS mapping relations):
- exact: the mention names the code's concept;
- close: it names it with detail ICD-10-CM does not code (a qualifier such as "chronic" or
  "multilevel", a spinal level, a side the code has none for, "sprain/strain" coded as one of
  the two), or data/icd10cm_lexicon_matches.csv marks the lexicon entry's code close;
- broad: the code is broader than the mention: icd10cm_lexicon_matches.csv marks it so
  ("status post shoulder arthroscopy" -> Z98.890), or the mention contains a known diagnosis
  among other words.
A side picks the code of that side; "bilateral" where ICD-10-CM has no bilateral code gives
the right and the left code (Official Guidelines I.B.13). Injury codes carry the 7th character
A (initial encounter), as in the lexicon. An uncertain diagnosis ("rule out ...") and a
mention none of whose words name a diagnosis get no code. Every look-up is cached: a wording
seen before costs one dictionary access.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from kg_build.lexicon import lexicon, load_csv
from kg_build.text import tokenize

SYSTEM = "ICD-10-CM"
# the code set's names in canonical form, built by tools/build_icd_index.py: reading it takes
# about 0.3 s, computing it 2-5 s
_DATA = Path(__file__).resolve().parent.parent / "data"
INDEX_FILE = _DATA / "icd10cm_index.tsv.gz"
_RANK = {"exact": 0, "close": 1, "broad": 2}
_LEVEL = re.compile(r"([ctls])(\d{1,2})(?:-([ctls])?(\d{1,2}))?")
_INVERT_AT = {"of", "in"}  # "tear of the medial meniscus" -> "medial meniscus tear"


def link_diagnoses(record: dict) -> dict:
    for mention in record["diagnoses"]:
        name = mention["normalized"] or ""
        mention["concept"] = _resolve(name, mention.get("laterality")).concept
        mention["codes"] = diagnosis_codes(name, mention.get("laterality"))
    return record


def uncoded_diagnoses(record: dict) -> int:
    """How many diagnosis mentions of a linked record have no ICD-10-CM code."""
    return sum(1 for m in record["diagnoses"] if not any(c.get("system") == SYSTEM for c in m.get("codes", [])))


def diagnosis_codes(name: str, laterality: str | None) -> list[dict]:
    """The ICD-10-CM codes of a diagnosis as written (side words may be left in), each with
    its description and match type; [] when no code is defensible."""
    found = _resolve(name, laterality)
    return [{"system": SYSTEM, "code": code, "label": description(code), "match": found.match} for code in found.codes]


@cache
def description(code: str) -> str:
    import simple_icd_10_cm as cm

    return cm.get_description(code)


@dataclass(frozen=True)
class _Rewrite:
    means: tuple[str, ...]
    kind: str
    match: str


@dataclass(frozen=True)
class _Form:
    """A phrase in canonical form: its words, and what the rewrites read off them."""

    tokens: tuple[str, ...]
    bare: tuple[str, ...]  # without qualifiers
    side: str | None
    level: str | None  # a spinal level, "C5-C6"
    level_match: str  # the match when the code does not name the level
    match: str  # the weakest match the other rewrites allow
    uncertain: bool


@dataclass(frozen=True)
class _Name:
    """What an indexed name stands for: its code per side ('' = no side), the lexicon entry
    it comes from (None for ICD-10-CM descriptions) and the lexicon's match type for it."""

    codes: dict[str, str]
    concept: str | None
    match: str


@dataclass(frozen=True)
class _Found:
    codes: tuple[str, ...] = ()
    match: str = ""
    concept: str | None = None


@dataclass(frozen=True)
class _Rewrites:
    """data/icd10cm_synonyms.csv: token rewrites, spinal levels -> region, and body parts."""

    words: dict[tuple[str, ...], _Rewrite]
    starts: frozenset[str]  # the first token of every rewrite: other tokens need no look-up
    longest: int
    levels: dict[str, _Rewrite]
    regions: frozenset[tuple[str, ...]]
    body_parts: frozenset[str]


@cache
def _rewrites() -> _Rewrites:
    words, levels, body_parts = {}, {}, set()
    for row in load_csv("icd10cm_synonyms.csv"):
        rewrite = _Rewrite(tuple(tokenize(row["means"])), row["kind"], row["match"] or "exact")
        if row["kind"] == "level":
            levels[row["written"].lower()] = rewrite
        elif row["kind"] == "body part":
            body_parts.update(tokenize(row["written"]))
        else:
            words[tuple(tokenize(row["written"]))] = rewrite
    return _Rewrites(words, frozenset(w[0] for w in words), max(map(len, words)), levels,
                     frozenset(r.means for r in levels.values()), frozenset(body_parts))


def _weaker(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


@cache
def _canonical(text: str) -> _Form:
    r = _rewrites()
    tokens = tokenize(text)
    out: list[tuple[str, bool]] = []  # (token, is a qualifier)
    side = level = region = None
    match, level_match, uncertain, i = "exact", "exact", False, 0
    while i < len(tokens):
        token, rewrite, n = tokens[i], None, 1
        if token in r.starts:
            for n in range(min(r.longest, len(tokens) - i), 0, -1):
                if rewrite := r.words.get(tuple(tokens[i:i + n])):
                    break
        spine = _LEVEL.fullmatch(token) if rewrite is None and token[0] in "ctls" else None
        if rewrite is None and spine is None:
            out.append((token, False))
            n = 1
        elif spine is not None:
            letter, number, letter2, number2 = spine.groups()
            level = f"{letter}{number}-{letter2 or letter}{number2}".upper() if number2 else f"{letter}{number}".upper()
            known = r.levels.get(level.lower()) or r.levels[letter]
            region, level_match, n = known.means, known.match, 1
        elif rewrite.kind == "side":
            side = side or rewrite.means[0]
        elif rewrite.kind == "uncertain":
            uncertain = True
        elif rewrite.kind == "qualifier":
            out.append((" ".join(tokens[i:i + n]), True))
        elif rewrite.kind != "filler":
            out.extend((t, False) for t in rewrite.means)
            match = _weaker(match, rewrite.match)
        i += n
    if region and not any((t,) in r.regions for t, _ in out):
        out = [(t, False) for t in region] + out
    words = [t for t, _ in out]
    bare = [t for t, qualifier in out if not qualifier]
    return _Form(_invert(words), _invert(bare), side, level, level_match, match, uncertain)


def _invert(tokens: list[str]) -> tuple[str, ...]:
    """'tear of medial meniscus of knee' -> 'knee medial meniscus tear'."""
    if not _INVERT_AT.intersection(tokens):
        return tuple(tokens)
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token in _INVERT_AT and segments[-1]:
            segments.append([])
        elif token not in _INVERT_AT:
            segments[-1].append(token)
    return tuple(t for segment in reversed(segments) for t in segment)


@cache
def _lexicon_index() -> dict[tuple[str, ...], _Name]:
    """The lexicon's names and synonyms in canonical form (curated: they come first)."""
    index: dict[tuple[str, ...], _Name] = {}
    matches = {row["name"]: row["match"] for row in load_csv("icd10cm_lexicon_matches.csv")}
    for entry in lexicon("diagnoses").entries:
        code = entry.row.get("icd10cm")
        if code:
            name = _Name({"": code}, entry.name, matches.get(entry.name, "exact"))
            for phrase in [entry.name, *entry.row.get("synonyms", "").split("|")]:
                form = _canonical(phrase)
                if form.tokens:
                    index.setdefault(form.tokens, name)
    return index


def load_code_set_index() -> None:
    """Load the code-set index now, not on the first wording the lexicon lacks: a build's
    worker pool calls it once before forking, so that no worker spends time on it."""
    _code_set_index()


@cache
def _code_set_index() -> dict[tuple[str, ...], _Name]:
    """The code-set index shipped in data/icd10cm_index.tsv.gz (about 0.2 s to read) when it
    was built from the rewrites and code set in use, else computed (seconds, once per process)."""
    shipped = read_code_set_index()
    return shipped if shipped is not None else compute_code_set_index()


def compute_code_set_index() -> dict[tuple[str, ...], _Name]:
    """The descriptions and inclusion terms of the ICD-10-CM code set in canonical form, each
    with its code per side."""
    import simple_icd_10_cm as cm

    described: dict[tuple[str, ...], dict[str, str]] = {}
    for code in cm.get_all_codes(True):
        # categories and subcategories: not chapters ('13'), blocks ('M50-M54') or 7-character codes
        if code[0].isalpha() and "-" not in code and len(code) < 8:
            for phrase in [cm.get_description(code), *cm.get_inclusion_term(code)]:
                form = _canonical(phrase)
                # a description naming a level ("... at C5-C6 level") is reached from its region's code
                if form.tokens and not form.level:
                    described.setdefault(form.tokens, {}).setdefault(form.side or "", code)
    return {tokens: _Name(codes, None, "exact") for tokens, codes in described.items()}


def index_inputs() -> str:
    """What the code-set index is computed from: the rewrites file and the code set's release.
    An index file built from other inputs (an expert edited the rewrites) is not used."""
    rewrites = hashlib.sha256((_DATA / "icd10cm_synonyms.csv").read_bytes()).hexdigest()[:16]
    return f"icd10cm_synonyms.csv {rewrites}; simple-icd-10-cm {metadata.version('simple-icd-10-cm')}"


def write_code_set_index(index: dict[tuple[str, ...], _Name]) -> str:
    """The index file's text: a header line naming its inputs, then a line per name (its
    tokens, then side=code pairs; '' is no side), sorted so that a rebuilt file reads as a diff."""
    rows = sorted(f"{' '.join(tokens)}\t{' '.join(f'{side}={code}' for side, code in sorted(name.codes.items()))}"
                  for tokens, name in index.items())
    return "\n".join([f"# inputs\t{index_inputs()}", *rows]) + "\n"


def read_code_set_index() -> dict[tuple[str, ...], _Name] | None:
    """The shipped index, or None when it is missing or was built from other inputs."""
    if not INDEX_FILE.exists():
        return None
    with gzip.open(INDEX_FILE, "rt", encoding="utf-8") as f:
        if f.readline().rstrip("\n") != f"# inputs\t{index_inputs()}":
            return None
        index: dict[tuple[str, ...], _Name] = {}
        for line in f:
            tokens, codes = line.rstrip("\n").split("\t")
            index[tuple(tokens.split(" "))] = _Name(dict(pair.split("=") for pair in codes.split(" ")), None, "exact")
    return index


def _lookup(tokens: tuple[str, ...]) -> _Name | None:
    return _lexicon_index().get(tokens) or _code_set_index().get(tokens)


@cache
def _initial_encounter(code: str) -> str:
    """An injury code that takes a 7th character, with A (initial encounter), as the lexicon's."""
    import simple_icd_10_cm as cm

    if cm.is_leaf(code):
        return code
    raw = code.replace(".", "").ljust(6, "X") + "A"
    extended = f"{raw[:3]}.{raw[3:]}"
    return extended if cm.is_valid_item(extended) else code


@cache
def _resolve(text: str, laterality: str | None) -> _Found:
    form = _canonical(text)
    if form.uncertain or not form.bare:
        return _Found()
    side = laterality or form.side
    name, match = _lookup(form.tokens), form.match
    if form.bare != form.tokens:
        bare = _lookup(form.bare)
        if name is None or (bare is not None and bare.codes == name.codes):
            name, match = bare, _weaker(match, "close")
    if name is None:
        name, match = _contained(form.tokens) or _contained(form.bare) or (None, "")
    if name is None:
        return _Found()
    codes, match = _sided(name, side, _weaker(match, name.match))
    if form.level:
        at_level = tuple(_level_code(code, form.level) for code in codes)
        codes, match = (at_level, match) if codes and all(at_level) else (codes, _weaker(match, form.level_match))
    return _Found(tuple(map(_initial_encounter, codes)), match, name.concept)


def _contained(tokens: tuple[str, ...]) -> tuple[_Name, str] | None:
    """The lexicon name that is the longest run of the mention's words, if any, with the match:
    close when the other words only name a body part, else broad."""
    index = _lexicon_index()
    for n in range(len(tokens) - 1, 0, -1):
        for i in range(len(tokens) - n + 1):
            name = index.get(tokens[i:i + n])
            if name is not None:
                rest = set(tokens[:i] + tokens[i + n:])
                return name, "close" if rest <= _rewrites().body_parts else "broad"
    return None


def _sided(name: _Name, side: str | None, match: str) -> tuple[tuple[str, ...], str]:
    """The code of the mention's side: ICD-10-CM's own for that side, else the bilateral
    concept's right and left codes, else the side-less code with a close match."""
    if side in name.codes:
        return (name.codes[side],), match
    if "" not in name.codes:
        return (), ""
    from kg_build.link.laterality_table import lateral_codes  # its module is also a script

    code = name.codes[""]
    if side is None:
        return (code,), match
    sides = lateral_codes(code)
    if side in sides:
        return (sides[side],), match
    if side == "bilateral" and "right" in sides and "left" in sides:
        return (sides["right"], sides["left"]), match
    return (code,), _weaker(match, "close")


@cache
def _level_code(code: str, level: str) -> str | None:
    """ICD-10-CM codes some spinal disorders by level ("Other cervical disc displacement at
    C5-C6 level"): the one code of that level under the region code's parent, if any."""
    import simple_icd_10_cm as cm

    if "-" not in level or not cm.is_valid_item(code) or cm.is_chapter_or_block(code):
        return None
    parent = cm.get_parent(code)
    wanted = f" at {level} level"
    hits = [c for c in cm.get_descendants(parent) if cm.is_leaf(c) and wanted.lower() in cm.get_description(c).lower()]
    return hits[0] if len(hits) == 1 else None
