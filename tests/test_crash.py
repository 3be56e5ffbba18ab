"""A build killed at any moment (SIGKILL) leaves no letter half written, and run again gives
exactly the graph of a clean build. Real `imr-kg build` subprocesses are killed at several
points of a build of fictional letters (copies of tests/letters under their own case
numbers); each killed store is checked to hold every letter whole (each letter graph has
its commit mark, the last quad written), then rebuilt and compared with a clean build, by
quad count and canonical (RDFC-1.0) dataset. With --transactional both checks hold; with the
default bulk loader the first is waived (that loader is not atomic), the second still holds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT, TESTS
from kg_build.store import LetterStore

COPIES = 4  # the 13 test letters 4 times: a build of about 50 letters
KILL_AT = (0.3, 0.55, 0.7, 0.85)  # fractions of a clean build's duration: start-up, mid-load, late


def _corpus(directory: Path) -> Path:
    directory.mkdir()
    for n in range(COPIES):
        for letter in sorted((TESTS / "letters").glob("*.txt")):
            text = re.sub(r"\b(C[MB]\d{2}-)\d{7}\b", lambda m: f"{m.group(1)}{n}{m.group()[-6:]}", letter.read_text())
            (directory / f"{n}-{letter.name}").write_text(text)
    return directory


def _build(corpus: Path, store: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "kg_build.cli", "build", str(corpus), "--store", str(store),
               "--jobs", "1", "--batch-size", "4", "--quiet", *options]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _canonical(directory: Path) -> tuple[int, list[str]]:
    store = LetterStore(directory, read_only=True)
    dataset = ox.Dataset(store.store.quads_for_pattern(None, None, None, None))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return len(store), sorted(str(q) for q in dataset)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, float, tuple[int, list[str]]]:
    """The corpus, how long a clean build of it takes, and its canonical dataset."""
    base = tmp_path_factory.mktemp("crash")
    corpus = _corpus(base / "letters")
    started = time.monotonic()
    proc = _build(corpus, base / "clean")
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    return corpus, time.monotonic() - started, _canonical(base / "clean")


def _whole(directory: Path) -> bool:
    """Whether every letter graph of the store has its commit mark."""
    if not (directory / "CURRENT").exists():
        return True
    store = LetterStore(directory, read_only=True)
    marked = dict(store.letter_versions())
    return all(marked.get(g.value) for g in store.letter_graphs())


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("fraction, options", [(f, ("--transactional",)) for f in KILL_AT] + [(0.6, ())])
def test_a_build_killed_and_run_again_equals_a_clean_build(tmp_path, clean, fraction, options):
    corpus, duration, (quads, canonical) = clean
    store = tmp_path / "store"
    proc = _build(corpus, store, *options)
    time.sleep(duration * fraction)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert "--transactional" not in options or _whole(store)
    rerun = _build(corpus, store, *options)
    assert rerun.wait(timeout=600) == 0, rerun.stderr.read()
    assert _canonical(store) == (quads, canonical), f"killed mid-build: {killed}"
