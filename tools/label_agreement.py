"""How far two labellings of one set agree: the second scored against the first as the
extractor is scored (kg_build/extract/labelled_sets.py), its phrases taken for extracted spans.

    python3 tools/label_agreement.py heldout22 tests/criteria/second/heldout22.yaml

The second file lists, per entry id, an `expected` list in the set's format (tests/criteria/
README.md). The figures bound what to expect of the extractor: where two careful labellings
disagree, neither can be matched exactly.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from kg_build.extract.labelled_sets import load_set, rationale_text, score


def as_extracted(text: str, expected: list[dict]) -> list[dict]:
    """Labelled criteria in the shape of extracted ones."""
    found = []
    for want in expected:
        start = text.index(want["text_contains"])
        found.append({"span": [start, start + len(want["text_contains"])], "status": want["status"],
                      "criterion_id": want["criterion_id"] or f"uncatalogued-{start}",
                      "criterion_label": want["criterion_id"]})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", help="a set in tests/criteria/, e.g. heldout22")
    parser.add_argument("second", type=Path, help="the second labelling (YAML)")
    args = parser.parse_args()
    second = {e["id"]: e["expected"] for e in yaml.safe_load(args.second.read_text(encoding="utf-8"))}
    entries = load_set(args.set)
    ids, statuses, _ = score(entries, lambda e: (text := rationale_text(e), as_extracted(text, second[e["id"]])))
    print(f"{args.set}: second labelling against the first: status P {statuses.precision:.3f} R {statuses.recall:.3f} "
          f"({statuses.right_found}/{statuses.predicted}, {statuses.right}/{statuses.expected}); "
          f"criterion id P {ids.precision:.3f} R {ids.recall:.3f}")


if __name__ == "__main__":
    main()
