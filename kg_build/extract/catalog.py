"""The curated catalog of canonical criteria (ontology/criteria.ttl), and a stable identifier
for a criterion the catalog does not know.

A catalog criterion is recognised by its phrase patterns (imr:phrasePattern), preferring
those of the guideline topics the item's reviewer cited; its contrary and support patterns
(imr:contraryPattern, imr:supportPattern) recognise the case facts that deny or satisfy it in
words of their own. A criterion the catalog does not
know gets `uncatalogued-<hash>` of its content words, cut to stems and sorted, so that case,
punctuation, plurals, small words and word order do not split one criterion into several;
`imr-kg criteria discover` groups the near duplicates that remain, as catalog candidates.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter

import pyoxigraph as ox

from kg_build.extract.phrases import relevance_stopwords
from kg_build.map.iris import IMR, RDF, SKOS, VOCAB
from kg_build.paths import ONTOLOGY
from kg_build.regex_screen import LiteralScreen, guarded

CATALOG = ONTOLOGY / "criteria.ttl"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, eq=False)  # one object per criterion (catalog() is cached): hashed by identity, not by its patterns
class CatalogCriterion:
    id: str
    label: str
    topics: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    contrary: tuple[re.Pattern[str], ...]  # case facts that show it unsatisfied ('drives to her appointments' for homebound)
    support: tuple[re.Pattern[str], ...]  # case facts that show it satisfied ('bedbound' for homebound)
    wordings: tuple[str, ...]  # prefLabel, altLabels and evidence terms: words that speak of it
    met_when_absent: bool  # met when the case shows an absence ("no aberrant behavior")
    broader: str | None = None  # the umbrella criterion this one is one way of meeting


@cache
def catalog() -> tuple[CatalogCriterion, ...]:
    """The catalog's criteria, in IRI order."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    for triple in ox.parse(path=str(CATALOG), format=ox.RdfFormat.TURTLE):
        by_subject.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, []).append(triple.object.value)
    prefix = VOCAB + "criterion/"
    return tuple(
        CatalogCriterion(
            id=subject.removeprefix(prefix),
            label=props[SKOS + "prefLabel"][0],
            topics=frozenset(t.lower() for t in props.get(IMR + "guidelineTopicName", [])),
            patterns=tuple(guarded(p, re.IGNORECASE) for p in props.get(IMR + "phrasePattern", [])),
            contrary=tuple(guarded(p, re.IGNORECASE) for p in props.get(IMR + "contraryPattern", [])),
            support=tuple(guarded(p, re.IGNORECASE) for p in props.get(IMR + "supportPattern", [])),
            wordings=tuple(props[SKOS + "prefLabel"] + props.get(SKOS + "altLabel", []) + props.get(IMR + "evidenceTerm", [])),
            met_when_absent=props.get(IMR + "metWhenAbsent", ["false"])[0] == "true",
            broader=next((b.removeprefix(prefix) for b in props.get(SKOS + "broader", [])), None),
        )
        for subject, props in sorted(by_subject.items())
        if subject.startswith(prefix) and IMR + "Criterion" in props.get(RDF + "type", [])
    )


def match(text: str, topics: set[str]) -> CatalogCriterion | None:
    """The catalog criterion whose pattern matches the most of the text: among the cited
    topics' criteria when the catalog has any, else among all. A clause that names none of
    the cited topics' criteria is not given another topic's: the same words mean different
    criteria under different topics ('first-line' for opioids is not the topical analgesics'
    failed first-line trial), and trying the whole catalog was most of the time spent here."""
    return _match(text, frozenset(topics))


_REMEMBERED = 1 << 14  # clauses whose answers are kept: guideline wordings recur from letter to letter


@lru_cache(maxsize=_REMEMBERED)
def _match(text: str, topics: frozenset[str]) -> CatalogCriterion | None:
    best, found = 0, None
    for entry, group in groupby(_candidates(text, _scope(topics, fallback=True)), key=itemgetter(0)):
        longest = max((len(m.group()) for _, p in group if (m := p.search(text))), default=0)
        if longest > best:  # ties go to the first in catalog order
            best, found = longest, entry
    return found


def mentions(text: str, topics: set[str]) -> list[tuple[int, int, CatalogCriterion]]:
    """Where the criteria of the cited topics are named in a clause: the longest match of each
    pattern, longest first, none overlapping another. A clause naming several criteria states
    several; the caller cuts it between them."""
    return list(_mentions(text, frozenset(topics)))


@lru_cache(maxsize=_REMEMBERED)
def _mentions(text: str, topics: frozenset[str]) -> tuple[tuple[int, int, CatalogCriterion], ...]:
    found = [(m.start(), m.end(), entry) for entry, pattern in _candidates(text, _scope(topics, fallback=False))
             for m in pattern.finditer(text) if m.end() > m.start()]
    kept: list[tuple[int, int, CatalogCriterion]] = []
    for start, end, entry in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, entry))
    return tuple(sorted(kept, key=lambda f: f[0]))


def _candidates(text: str, scope: frozenset[CatalogCriterion]) -> list[tuple[CatalogCriterion, re.Pattern[str]]]:
    """The phrase patterns of the criteria in scope that may match the text, in catalog order;
    the others cannot (regex_screen.LiteralScreen), so leaving them out changes no result."""
    patterns, screen = _phrase_patterns()
    return [patterns[i] for i in screen.candidates(text) if patterns[i][0] in scope]


@cache
def _phrase_patterns() -> tuple[tuple[tuple[CatalogCriterion, re.Pattern[str]], ...], LiteralScreen]:
    patterns = tuple((entry, pattern) for entry in catalog() for pattern in entry.patterns)
    return patterns, LiteralScreen([pattern for _, pattern in patterns])


@cache
def _scope(topics: frozenset[str], fallback: bool) -> frozenset[CatalogCriterion]:
    """The criteria of the topics; with fallback, the whole catalog when the topics have none."""
    return frozenset(_of_topics(topics) or (catalog() if fallback else ()))


@cache
def _of_topics(topics: frozenset[str]) -> tuple[CatalogCriterion, ...]:
    return tuple(entry for entry in catalog() if entry.topics & topics)


@cache
def _stopwords() -> frozenset[str]:
    return relevance_stopwords() | {"the", "and", "for", "with", "that", "are", "was"}


def uncatalogued_id(text: str) -> str:
    stems = sorted({w[:6] for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _stopwords()})
    return "uncatalogued-" + hashlib.sha256(" ".join(stems).encode()).hexdigest()[:12]
