"""Labelled sets of rationales (tests/criteria/*.yaml, format in its README): reading an entry
as the pipeline reads a rationale, and finding the extracted criterion an expected one names.
The criteria tests score the reader with these; tools/train_status_model.py trains on them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from kg_build.extract.criteria import read_rationale
from kg_build.extract.rationale import conclusion
from kg_build.paths import ROOT
from kg_build.text import Doc, Span

SETS = ROOT / "tests" / "criteria"


def load_set(name: str) -> list[dict]:
    return yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))


def set_digest(name: str) -> str:
    """What the status model records of each set it was trained on, to tell when one changed."""
    return hashlib.sha256((SETS / f"{name}.yaml").read_bytes()).hexdigest()[:16]


def rationale_text(entry: dict) -> str:
    """The entry's rationale with its white space folded, as a letter's text is normalised."""
    return " ".join(entry["rationale"].split())


def read_entry(entry: dict, revise: bool = True, statements: dict | None = None
               ) -> tuple[str, list[dict], str | None, Span | None]:
    """The entry's rationale (whitespace folded), its criteria, and the outcome it concludes with
    its verdict sentence; `statements`: a statement model other than the shipped one."""
    text = rationale_text(entry)
    doc = Doc(text)
    concluded, concluding = conclusion(doc, (0, len(text)))
    _, criteria = read_rationale(doc, (0, len(text)), concluding, {entry["topic"]}, concluded, revise,
                                 statements=statements)
    return text, criteria, concluded, concluding


def matches(text: str, expected: list[dict], got: list[dict]) -> list[dict | None]:
    """The extracted criterion each expected one names: the one covering its phrase, else one
    of its catalog id that no phrase names. A criterion stated twice is listed once, by either
    statement (README), and the reader keeps one statement of it, not always the same."""
    found = [matching(text, want["text_contains"], got) for want in expected]
    named = {id(c) for c in found if c is not None}
    for i, want in enumerate(expected):
        if found[i] is None and want["criterion_id"]:
            found[i] = next((c for c in got if c["criterion_id"] == want["criterion_id"] and id(c) not in named), None)
            named |= {id(found[i])} if found[i] else set()
    return found


def matching(text: str, phrase: str, got: list[dict]) -> dict | None:
    """The extracted criterion that covers most of the phrase, if it covers at least half of
    it: where a criterion's span starts or ends is a matter of a word or two ('after failure
    of ...' is cut after 'after'), which one it is is not."""
    start = text.lower().find(phrase.lower())
    end = start + len(phrase)
    covered = [(min(end, c["span"][1]) - max(start, c["span"][0]), i) for i, c in enumerate(got)]
    most, i = max(covered, default=(0, -1))
    return got[i] if start >= 0 and 2 * most >= len(phrase) else None


@dataclass
class Tally:
    right: int = 0  # expected criteria found right
    right_found: int = 0  # extracted criteria right (two expected phrases may name one)
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.right_found / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.right + other.right, self.right_found + other.right_found,
                     self.predicted + other.predicted, self.expected + other.expected)


def score(entries: list[dict], read: Callable[[dict], tuple[str, list[dict]]] = lambda e: read_entry(e)[:2]
          ) -> tuple[Tally, Tally, list[str]]:
    """Precision and recall of canonical ids (catalog criteria only) and of statuses, and a line
    for each expected criterion missed or misread. `read` gives an entry's text and criteria."""
    ids, statuses, misses = Tally(), Tally(), []
    for entry in entries:
        text, got = read(entry)
        ids.predicted += sum(1 for c in got if c.get("criterion_label"))
        statuses.predicted += len(got)
        right_ids, right_statuses = set(), set()
        for want, match in zip(entry["expected"], matches(text, entry["expected"], got)):
            phrase = want["text_contains"]
            statuses.expected += 1
            ids.expected += want["criterion_id"] is not None
            if match is None:
                misses.append(f"{entry['id']}: no criterion with {phrase!r}")
                continue
            if match["status"] == want["status"]:
                statuses.right += 1
                right_statuses.add(id(match))
            if want["criterion_id"] is not None and match["criterion_id"] == want["criterion_id"]:
                ids.right += 1
                right_ids.add(id(match))
            if match["status"] != want["status"] or (want["criterion_id"] and match["criterion_id"] != want["criterion_id"]):
                misses.append(f"{entry['id']}: {phrase!r}: {match['criterion_id']}/{match['status']}, "
                              f"want {want['criterion_id']}/{want['status']}")
        ids.right_found += len(right_ids)
        statuses.right_found += len(right_statuses)
    return ids, statuses, misses
