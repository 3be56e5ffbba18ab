"""Labelled sets of rationales (tests/criteria/*.yaml, format in its README): reading an entry
as the pipeline reads a rationale, and finding the extracted criterion an expected one names.
The criteria tests score the reader with these; tools/train_status_model.py trains on them."""

from __future__ import annotations

from pathlib import Path

import yaml

from kg_build.extract.criteria import read_rationale
from kg_build.extract.rationale import conclusion
from kg_build.paths import ROOT
from kg_build.text import Doc, Span

SETS = ROOT / "tests" / "criteria"


def load_set(name: str) -> list[dict]:
    return yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))


def read_entry(entry: dict, revise: bool = True) -> tuple[str, list[dict], str | None, Span | None]:
    """The entry's rationale (whitespace folded), its criteria, and the outcome it concludes with
    its verdict sentence."""
    text = " ".join(entry["rationale"].split())
    doc = Doc(text)
    concluded, concluding = conclusion(doc, (0, len(text)))
    _, criteria = read_rationale(doc, (0, len(text)), concluding, {entry["topic"]}, concluded, revise)
    return text, criteria, concluded, concluding


def matching(text: str, phrase: str, got: list[dict]) -> dict | None:
    """The extracted criterion that covers most of the phrase, if it covers at least half of
    it: where a criterion's span starts or ends is a matter of a word or two ('after failure
    of ...' is cut after 'after'), which one it is is not."""
    start = text.lower().find(phrase.lower())
    end = start + len(phrase)
    covered = [(min(end, c["span"][1]) - max(start, c["span"][0]), i) for i, c in enumerate(got)]
    most, i = max(covered, default=(0, -1))
    return got[i] if start >= 0 and 2 * most >= len(phrase) else None
