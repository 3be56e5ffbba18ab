"""Criteria against labelled sets of fictional rationales.

tests/criteria/labelled.yaml is the first development set: the extractor and the catalog were
improved against it, and the test fails when any figure is below 0.90. tests/criteria/dev2.yaml
(a second development set), tests/criteria/heldout.yaml and heldout2.yaml to heldout13.yaml
were written afterwards by writers who read neither the code nor the other sets. Each was
measured before it was tuned on; how each has been used since is in tests/criteria/README.md.
Of heldout2.yaml only the figures are read, as a check that a change does no harm. The floors
are the figures reached so far, so that no change makes them worse.

Each expected criterion is matched to the extracted criterion that covers most of its phrase
(at least half of it).
Reported: precision and recall of canonical criterion identifiers (catalog criteria only) and
of statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kg_build.extract.labelled_sets import load_set, matching, read_entry

LABELLED = load_set("labelled")
AIM = 0.90
# (precision, recall) of criterion ids and of statuses reached so far
FLOORS = {"dev2": {"criterion_id": (0.97, 0.98), "status": (0.92, 0.95)},
          "heldout": {"criterion_id": (0.96, 0.95), "status": (0.98, 0.98)},
          "heldout2": {"criterion_id": (0.93, 0.91), "status": (0.83, 0.84)},
          "heldout3": {"criterion_id": (0.93, 0.93), "status": (0.89, 0.92)},
          "heldout4": {"criterion_id": (0.95, 0.95), "status": (0.92, 0.93)},
          "heldout5": {"criterion_id": (0.92, 0.96), "status": (0.86, 0.92)},
          "heldout6": {"criterion_id": (0.97, 0.96), "status": (0.92, 0.94)},
          "heldout7": {"criterion_id": (0.94, 0.95), "status": (0.87, 0.93)},
          "heldout8": {"criterion_id": (0.92, 0.93), "status": (0.90, 0.92)},
          "heldout9": {"criterion_id": (0.94, 0.95), "status": (0.90, 0.94)},
          "heldout10": {"criterion_id": (0.91, 0.95), "status": (0.89, 0.93)},
          "heldout11": {"criterion_id": (0.92, 0.97), "status": (0.88, 0.94)},
          "heldout12": {"criterion_id": (0.93, 0.94), "status": (0.89, 0.95)},
          "heldout13": {"criterion_id": (0.91, 0.91), "status": (0.87, 0.92)}}
# the sets written after labelled.yaml, by writers blind to the code (tests/criteria/README.md)
LATER = {name: load_set(name) for name in FLOORS}


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


def score(entries: list[dict] = LABELLED) -> tuple[Tally, Tally, list[str]]:
    ids, statuses, misses = Tally(), Tally(), []
    for entry in entries:
        text, got, _, _ = read_entry(entry)
        ids.predicted += sum(1 for c in got if c.get("criterion_label"))
        statuses.predicted += len(got)
        for want in entry["expected"]:
            phrase = want["text_contains"]
            match = matching(text, phrase, got)
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


@pytest.mark.parametrize("entries", [LABELLED, *LATER.values()], ids=["development", *LATER])
def test_labelled_set_is_large_and_varied(entries):
    assert len(entries) >= 60
    assert len({e["topic"] for e in entries}) >= 15


@pytest.mark.parametrize("what", ["criterion_id", "status"])
def test_precision_and_recall_reach_90_percent(what):
    ids, statuses, misses = score()
    tally = ids if what == "criterion_id" else statuses
    print(f"{what}: precision {tally.precision:.3f}, recall {tally.recall:.3f} (floor {AIM})")
    assert tally.precision >= AIM and tally.recall >= AIM, "\n".join(misses[:40])


@pytest.mark.parametrize("name, entries", LATER.items(), ids=list(LATER))
@pytest.mark.parametrize("what", ["criterion_id", "status"])
def test_figures_on_later_sets_do_not_fall(name, entries, what):
    ids, statuses, misses = score(entries)
    tally = ids if what == "criterion_id" else statuses
    print(f"{name}, {what}: precision {tally.precision:.3f}, recall {tally.recall:.3f}")
    precision, recall = FLOORS[name][what]
    assert tally.precision >= precision and tally.recall >= recall, "\n".join(misses[:40])
