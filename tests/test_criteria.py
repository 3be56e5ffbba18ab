"""Criteria against labelled sets of fictional rationales.

tests/criteria/labelled.yaml is the first development set: the rules and the catalog were
improved against it, and the test fails when any figure is below 0.90. tests/criteria/dev2.yaml
(a second development set), tests/criteria/heldout.yaml and heldout2.yaml to heldout120.yaml
were written afterwards by writers who read neither the code nor the other sets. Each was
measured before it was tuned on; how each has been used since is in tests/criteria/README.md.
Of heldout2.yaml only the figures are read, as a check that a change does no harm.

The status model (extract/status_model.py) is trained on the later sets but labelled.yaml,
heldout2.yaml and the newest blind sets (tools/train_status_model.py: HELD_OUT): on the sets it was trained on, the floors measure its
fit, not how it reads unseen rationales (tools/train_status_model.py --cross-validate does).
The floors are the figures reached so far, so that no change makes them worse.

Each expected criterion is matched to the extracted criterion that covers most of its phrase
(at least half of it), else to one of its catalog id that no phrase names (a criterion stated
twice is listed once, and the reader keeps one of its statements); precision counts an
extracted criterion once even when two expected phrases fall in it (extract/labelled_sets.py).
"""

from __future__ import annotations

import pytest

from kg_build.extract.labelled_sets import load_set, matches, score

LABELLED = load_set("labelled")
AIM = 0.90
# (precision, recall) of criterion ids and of statuses reached so far
FLOORS = {"dev2": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.99)},
          "heldout": {"criterion_id": (0.99, 0.96), "status": (1.00, 1.00)},
          "heldout2": {"criterion_id": (0.98, 0.95), "status": (0.93, 0.91)},
          "heldout3": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.96)},
          "heldout4": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout5": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.97)},
          "heldout6": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.97)},
          "heldout7": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout8": {"criterion_id": (0.99, 0.96), "status": (1.00, 0.97)},
          "heldout9": {"criterion_id": (1.00, 0.99), "status": (1.00, 1.00)},
          "heldout10": {"criterion_id": (0.98, 0.95), "status": (1.00, 0.96)},
          "heldout11": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.99)},
          "heldout12": {"criterion_id": (1.00, 0.97), "status": (1.00, 1.00)},
          "heldout14": {"criterion_id": (0.99, 0.96), "status": (1.00, 1.00)},
          "heldout13": {"criterion_id": (0.99, 0.96), "status": (1.00, 0.98)},
          "heldout15": {"criterion_id": (0.98, 0.97), "status": (1.00, 0.99)},
          "heldout16": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.99)},
          "heldout17": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.99)},
          "heldout18": {"criterion_id": (0.99, 0.94), "status": (1.00, 0.96)},
          "heldout19": {"criterion_id": (1.00, 0.93), "status": (1.00, 0.95)},
          "heldout20": {"criterion_id": (0.98, 0.96), "status": (1.00, 0.98)},
          "heldout21": {"criterion_id": (0.98, 0.98), "status": (1.00, 1.00)},
          "heldout22": {"criterion_id": (1.00, 1.00), "status": (1.00, 1.00)},
          "heldout23": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.99)},
          "heldout27": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout28": {"criterion_id": (0.99, 0.98), "status": (1.00, 1.00)},
          "heldout29": {"criterion_id": (1.00, 0.95), "status": (1.00, 0.97)},
          "heldout30": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout31": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.98)},
          "heldout32": {"criterion_id": (0.99, 0.98), "status": (1.00, 0.96)},
          "heldout33": {"criterion_id": (0.99, 0.96), "status": (1.00, 0.98)},
          "heldout34": {"criterion_id": (1.00, 0.94), "status": (1.00, 0.95)},
          "heldout35": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout36": {"criterion_id": (1.00, 0.98), "status": (1.00, 1.00)},
          "heldout37": {"criterion_id": (0.99, 0.98), "status": (1.00, 0.98)},
          "heldout38": {"criterion_id": (0.98, 0.93), "status": (1.00, 0.98)},
          "heldout39": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.99)},
          "heldout40": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.99)},
          "heldout41": {"criterion_id": (0.98, 0.95), "status": (0.99, 0.98)},
          "heldout42": {"criterion_id": (1.00, 0.95), "status": (1.00, 0.98)},
          "heldout43": {"criterion_id": (0.98, 0.97), "status": (1.00, 0.99)},
          "heldout44": {"criterion_id": (0.98, 0.96), "status": (1.00, 0.99)},
          "heldout45": {"criterion_id": (1.00, 0.94), "status": (1.00, 0.97)},
          "heldout46": {"criterion_id": (0.99, 0.96), "status": (0.99, 0.97)},
          "heldout47": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.98)},
          "heldout48": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.97)},
          "heldout49": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.99)},
          "heldout50": {"criterion_id": (0.98, 0.93), "status": (1.00, 0.96)},
          "heldout51": {"criterion_id": (0.99, 0.98), "status": (1.00, 1.00)},
          "heldout52": {"criterion_id": (1.00, 0.98), "status": (1.00, 1.00)},
          "heldout53": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout54": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.97)},
          "heldout55": {"criterion_id": (0.98, 0.96), "status": (1.00, 0.98)},
          "heldout56": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.98)},
          "heldout24": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout25": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.99)},
          "heldout26": {"criterion_id": (0.98, 0.96), "status": (1.00, 0.98)},
          "heldout57": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.98)},
          "heldout58": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.98)},
          "heldout59": {"criterion_id": (0.98, 0.96), "status": (1.00, 0.98)},
          "heldout60": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.96)},
          "heldout61": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.98)},
          "heldout62": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.99)},
          "heldout63": {"criterion_id": (0.97, 0.97), "status": (0.99, 0.99)},
          "heldout64": {"criterion_id": (0.98, 0.99), "status": (0.99, 0.99)},
          "heldout73": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout74": {"criterion_id": (1.00, 0.99), "status": (1.00, 0.98)},
          "heldout75": {"criterion_id": (0.97, 0.99), "status": (1.00, 1.00)},
          "heldout76": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.98)},
          "heldout77": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.98)},
          "heldout78": {"criterion_id": (1.00, 0.93), "status": (1.00, 0.97)},
          "heldout79": {"criterion_id": (0.98, 0.94), "status": (1.00, 0.95)},
          "heldout80": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout65": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout66": {"criterion_id": (1.00, 0.96), "status": (1.00, 1.00)},
          "heldout67": {"criterion_id": (0.99, 0.98), "status": (1.00, 0.99)},
          "heldout68": {"criterion_id": (1.00, 0.94), "status": (1.00, 0.95)},
          "heldout69": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.99)},
          "heldout70": {"criterion_id": (0.98, 0.92), "status": (1.00, 0.96)},
          "heldout71": {"criterion_id": (0.99, 0.96), "status": (1.00, 0.98)},
          "heldout72": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.97)},
          "heldout81": {"criterion_id": (0.98, 0.97), "status": (1.00, 0.99)},
          "heldout82": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.97)},
          "heldout83": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.99)},
          "heldout84": {"criterion_id": (0.99, 0.98), "status": (1.00, 0.97)},
          "heldout85": {"criterion_id": (1.00, 0.95), "status": (1.00, 0.97)},
          "heldout86": {"criterion_id": (0.99, 0.97), "status": (1.00, 0.98)},
          "heldout87": {"criterion_id": (1.00, 0.98), "status": (1.00, 1.00)},
          "heldout88": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.97)},
          "heldout89": {"criterion_id": (0.98, 0.92), "status": (1.00, 0.97)},
          "heldout90": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.98)},
          "heldout91": {"criterion_id": (1.00, 0.97), "status": (1.00, 0.99)},
          "heldout92": {"criterion_id": (0.98, 0.97), "status": (1.00, 1.00)},
          "heldout93": {"criterion_id": (0.99, 0.99), "status": (1.00, 0.98)},
          "heldout94": {"criterion_id": (1.00, 0.98), "status": (1.00, 0.99)},
          "heldout95": {"criterion_id": (1.00, 0.96), "status": (1.00, 0.98)},
          "heldout96": {"criterion_id": (1.00, 0.92), "status": (1.00, 0.93)},
          "heldout97": {"criterion_id": (0.98, 0.95), "status": (0.90, 0.89)},
          "heldout98": {"criterion_id": (0.99, 0.91), "status": (0.91, 0.87)},
          "heldout99": {"criterion_id": (0.98, 0.94), "status": (0.89, 0.89)},
          "heldout100": {"criterion_id": (1.00, 0.99), "status": (0.92, 0.91)},
          "heldout101": {"criterion_id": (0.98, 0.94), "status": (0.93, 0.90)},
          "heldout102": {"criterion_id": (0.99, 0.98), "status": (0.91, 0.92)},
          "heldout103": {"criterion_id": (0.97, 0.97), "status": (0.88, 0.88)},
          "heldout104": {"criterion_id": (0.99, 0.96), "status": (0.88, 0.89)},
          "heldout105": {"criterion_id": (1.00, 0.98), "status": (0.92, 0.92)},
          "heldout106": {"criterion_id": (0.98, 0.94), "status": (0.93, 0.91)},
          "heldout107": {"criterion_id": (0.99, 0.97), "status": (0.89, 0.89)},
          "heldout108": {"criterion_id": (1.00, 0.96), "status": (0.92, 0.89)},
          "heldout109": {"criterion_id": (1.00, 0.99), "status": (0.94, 0.93)},
          "heldout110": {"criterion_id": (0.96, 0.94), "status": (0.89, 0.89)},
          "heldout111": {"criterion_id": (0.99, 0.98), "status": (0.92, 0.91)},
          "heldout112": {"criterion_id": (0.96, 0.91), "status": (0.85, 0.82)},
          "heldout113": {"criterion_id": (0.99, 0.98), "status": (0.94, 0.93)},
          "heldout114": {"criterion_id": (0.98, 0.97), "status": (0.94, 0.95)},
          "heldout115": {"criterion_id": (0.95, 0.95), "status": (0.86, 0.86)},
          "heldout116": {"criterion_id": (0.97, 0.97), "status": (0.89, 0.90)},
          "heldout117": {"criterion_id": (0.98, 0.94), "status": (0.88, 0.87)},
          "heldout118": {"criterion_id": (0.98, 0.96), "status": (0.93, 0.93)},
          "heldout119": {"criterion_id": (0.98, 0.95), "status": (0.89, 0.89)},
          "heldout120": {"criterion_id": (0.98, 0.98), "status": (0.90, 0.91)}}
# the sets written after labelled.yaml, by writers blind to the code (tests/criteria/README.md)
LATER = {name: load_set(name) for name in FLOORS}


@pytest.mark.parametrize("entries", [LABELLED, *LATER.values()], ids=["development", *LATER])
def test_labelled_set_is_large_and_varied(entries):
    assert len(entries) >= 60
    assert len({e["topic"] for e in entries}) >= 15


@pytest.mark.parametrize("what", ["criterion_id", "status"])
def test_precision_and_recall_reach_90_percent(what):
    ids, statuses, misses = score(LABELLED)
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


def test_an_expected_criterion_matches_by_phrase_else_by_its_catalog_id():
    """'Use beyond two to three weeks is not supported' restates the short course the reader
    kept: it names that criterion; a phrase no criterion covers and no id names matches none."""
    text = "Muscle relaxants are for short-term use. Use beyond two to three weeks is not supported. He takes them daily."
    kept = {"criterion_id": "muscle-relaxants-short-term", "span": [0, 39], "status": "not_met"}
    expected = [{"text_contains": "Use beyond two to three weeks", "criterion_id": "muscle-relaxants-short-term"},
                {"text_contains": "He takes them daily", "criterion_id": None}]
    assert matches(text, expected, [kept]) == [kept, None]
    # a criterion a phrase names is not taken again by id
    both = [{"text_contains": "short-term use", "criterion_id": "muscle-relaxants-short-term"}, expected[0]]
    assert matches(text, both, [kept]) == [kept, None]
