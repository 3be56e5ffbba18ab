"""Criteria against the labelled set of tests/criteria/labelled.yaml (fictional rationales).

Each expected criterion is matched to the extracted criterion whose text contains its phrase.
Reported: precision and recall of canonical criterion identifiers (catalog criteria only) and
of statuses. The test fails when any of them is below 0.90.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from kg_build.extract.criteria import read_rationale
from kg_build.extract.rationale import conclusion
from kg_build.text import Doc

LABELLED = yaml.safe_load((Path(__file__).parent / "criteria" / "labelled.yaml").read_text())
AIM = 0.90


@dataclass
class Tally:
    right: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 0.0


def _extract(entry: dict) -> list[dict]:
    text = " ".join(entry["rationale"].split())
    doc = Doc(text)
    concluded, concluding = conclusion(doc, (0, len(text)))
    _, criteria = read_rationale(doc, (0, len(text)), concluding, {entry["topic"]}, concluded)
    return criteria


def score() -> tuple[Tally, Tally, list[str]]:
    ids, statuses, misses = Tally(), Tally(), []
    for entry in LABELLED:
        got = _extract(entry)
        ids.predicted += sum(1 for c in got if c.get("criterion_label"))
        statuses.predicted += len(got)
        for want in entry["expected"]:
            phrase = want["text_contains"].lower()
            match = next((c for c in got if phrase in c["text"].lower()), None)
            statuses.expected += 1
            ids.expected += want["criterion_id"] is not None
            if match is None:
                misses.append(f"{entry['id']}: no criterion with {phrase!r}")
                continue
            statuses.right += match["status"] == want["status"]
            if want["criterion_id"] is not None:
                ids.right += match["criterion_id"] == want["criterion_id"]
            if match["status"] != want["status"] or (want["criterion_id"] and match["criterion_id"] != want["criterion_id"]):
                misses.append(f"{entry['id']}: {phrase!r}: {match['criterion_id']}/{match['status']}, "
                              f"want {want['criterion_id']}/{want['status']}")
    return ids, statuses, misses


def test_labelled_set_is_large_and_varied():
    assert len(LABELLED) >= 60
    assert len({e["topic"] for e in LABELLED}) >= 15


@pytest.mark.parametrize("what", ["criterion_id", "status"])
def test_precision_and_recall_reach_90_percent(what):
    ids, statuses, misses = score()
    tally = ids if what == "criterion_id" else statuses
    print(f"{what}: precision {tally.precision:.3f}, recall {tally.recall:.3f} (floor {AIM})")
    assert tally.precision >= AIM and tally.recall >= AIM, "\n".join(misses[:40])
