"""benchmarks/profile_build.py sums py-spy's samples by stage: the worker's, the parent's."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from profile_build import summarise  # noqa: E402

PARENT = 'process 10:"imr-kg build"'
WORKER = f'{PARENT};process 11:"forkserver";process 12:"worker"'
RAW = "\n".join([
    # the trees are called inside the status model's revise, inside the rules: the stage listed first wins
    f"{WORKER};build_batch (kg_build/pipeline.py:1);build_record (kg_build/extract/record.py:2);"
    "revise (kg_build/extract/status_model.py:3);tree_probabilities (kg_build/extract/status_model.py:4) 7",
    f"{WORKER};build_batch (kg_build/pipeline.py:1);build_record (kg_build/extract/record.py:2) 5",
    f"{WORKER};build_batch (kg_build/pipeline.py:1);_validate_isolating (kg_build/pipeline.py:9) 3",
    f"{PARENT};build (kg_build/pipeline.py:5);LetterStore.replace_letters (kg_build/store/oxigraph_store.py:6) 4",
    f'{PARENT};process 11:"forkserver";main (multiprocessing/forkserver.py:7) 9',  # the forkserver: neither
])


def test_samples_are_summed_by_the_most_specific_stage(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text(RAW + "\n")
    workers, parent = summarise(raw)
    assert workers == {"extract: criterion status, trees (LightGBM)": 7, "extract: rules": 5, "validate": 3}
    assert parent == {"load (the bulk loader's Python side)": 4}
