"""tools/label_agreement.py: a second labelling of heldout22 and heldout23 (tests/criteria/second/,
fictional rationales) scored against the first, as README.md reports it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from kg_build.extract.labelled_sets import load_set
from kg_build.paths import ROOT


@pytest.mark.parametrize("name", ["heldout22", "heldout23"])
def test_the_second_labelling_agrees_with_the_first(name: str):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "label_agreement.py"), name,
                          str(ROOT / "tests" / "criteria" / "second" / f"{name}.yaml")],
                         capture_output=True, text=True, check=True).stdout
    precision, recall = (float(x) for x in out.split("status P ")[1].split(" (")[0].split(" R "))
    assert precision >= 0.98 and recall >= 0.99, out


def test_a_labelling_scored_against_itself_agrees_fully(tmp_path):
    same = tmp_path / "same.yaml"
    same.write_text(yaml.safe_dump([{"id": e["id"], "expected": e["expected"]} for e in load_set("heldout22")]))
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "label_agreement.py"), "heldout22", str(same)],
                         capture_output=True, text=True, check=True).stdout
    assert "status P 1.000 R 1.000" in out and "criterion id P 1.000 R 1.000" in out
