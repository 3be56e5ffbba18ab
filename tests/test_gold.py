"""Extraction scores against answer keys, with the shared scorer (../shared/tools).

The shared letters must score 100%; the fictional letters of tests/letters (written for
these tests, see tests/letters/README.md) are held to the same bar.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SHARED, SHARED_GOLD, TEST_GOLD, letter_for
from kg_build.pipeline import extract_file

SCORER = SHARED / "tools" / "score_extraction.py"


def _score(gold, tmp_path) -> subprocess.CompletedProcess:
    record, _ = extract_file(letter_for(gold))
    out = tmp_path / "record.json"
    out.write_text(json.dumps(record))
    return subprocess.run([sys.executable, str(SCORER), str(out), str(gold)], capture_output=True, text=True)


@pytest.mark.parametrize("gold", SHARED_GOLD + TEST_GOLD, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_letter_scores_full_marks(gold, tmp_path):
    result = _score(gold, tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("(100.0%)"), result.stdout


def test_the_three_shared_letters_are_scored():
    assert len(SHARED_GOLD) >= 3
