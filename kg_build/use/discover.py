"""Uncatalogued criteria of a corpus, by frequency: candidates for ontology/criteria.ttl.

Criteria with one identifier are counted together; identifiers whose wordings are near
duplicates (MinHash over word pairs, with datasketch's LSH) are grouped into one candidate.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Candidate:
    ids: list[str]
    wordings: Counter = field(default_factory=Counter)
    letters: set[str] = field(default_factory=set)
    topics: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.wordings.values())

    @property
    def wording(self) -> str:
        return self.wordings.most_common(1)[0][0]


def uncatalogued(records: Iterable[dict]) -> dict[str, Candidate]:
    """Uncatalogued criterion identifier -> its wordings, letters and cited topics."""
    found: dict[str, Candidate] = {}
    for record in records:
        for item in record["items"]:
            topics = [g.get("topic_normalized") or g.get("topic") for g in item["guidelines"] if g["cited_by"] == "imro"]
            for criterion in item["criteria"]:
                if criterion.get("criterion_label") is None:
                    candidate = found.setdefault(criterion["criterion_id"], Candidate([criterion["criterion_id"]]))
                    candidate.wordings[" ".join(criterion["text"].split())] += 1
                    candidate.letters.add(record["source"]["sha256"])
                    candidate.topics.update(t for t in topics if t)
    return found


def group_near_duplicates(found: dict[str, Candidate], threshold: float = 0.6) -> list[Candidate]:
    """Merge candidates whose main wordings are near duplicates; most frequent first."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    hashes = {}
    for key, candidate in sorted(found.items()):
        m = MinHash(num_perm=64, seed=1)
        for shingle in _shingles(candidate.wording):
            m.update(shingle.encode())
        hashes[key] = m
        lsh.insert(key, m)
    groups: list[Candidate] = []
    placed: set[str] = set()
    for key in sorted(found, key=lambda k: (-found[k].count, k)):
        if key in placed:
            continue
        members = sorted(k for k in lsh.query(hashes[key]) if k not in placed)
        merged = Candidate(members)
        for k in members:
            merged.wordings += found[k].wordings
            merged.letters |= found[k].letters
            merged.topics += found[k].topics
        placed.update(members)
        groups.append(merged)
    return sorted(groups, key=lambda g: (-g.count, g.wording))


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return set(words) | {" ".join(pair) for pair in zip(words, words[1:])}
