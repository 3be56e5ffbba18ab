"""Extraction throughput on one core: letters per second, end to end and per stage.

The example, test and shared letters (.txt), or those of --corpus DIR (searched
recursively, e.g. a benchmarks/make_corpus.py corpus), are read into memory once and
processed --repeat times. Measured, each in its own timed loop in this one process:

- end to end (memory): bytes -> decode + sha256 -> normalise -> layout -> extract -> link -> json.dumps
- end to end (disk):   kg_build.pipeline.extract_file(path) + json.dumps, as the CLI does
- each stage alone on the previous stage's precomputed output: ingest (decode + sha256 +
  normalise), layout (split_letter), extract (build_record), link (link_record), json.dumps
- baseline: reading + normalising only (decode + normalise), the cheapest useful pass
- extract with the criteria status model switched off, to show what the model costs

It prints letters/s and ms/letter for each, the share of the end-to-end time spent in each
stage, and the ratio of the end-to-end rate to the baseline rate. Target: >= 1,000
letters/s per core end to end.

Usage: python3 benchmarks/extract_throughput.py [--repeat N] [--seconds S] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import letter_files  # noqa: E402

from kg_build.errors import LetterError  # noqa: E402
from kg_build.extract import build_record, status_model  # noqa: E402
from kg_build.ingest import normalize  # noqa: E402
from kg_build.ingest.read import decode_text  # noqa: E402
from kg_build.layout import split_letter  # noqa: E402
from kg_build.link import link_record  # noqa: E402
from kg_build.pipeline import extract_file  # noqa: E402

TARGET = 1000.0  # letters per second per core


def _source(path: Path, data: bytes) -> dict:
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "media_type": "text/plain"}


def end_to_end(path: Path, data: bytes) -> str:
    text = normalize(decode_text(data))
    record = link_record(build_record(text, split_letter(text), _source(path, data)))
    return json.dumps(record, ensure_ascii=False)


def _run(fn, inputs: list, repeat: int) -> float:
    """Seconds for `repeat` passes of fn over inputs (garbage collector off while timing)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(repeat):
            for args in inputs:
                fn(*args)
        return time.perf_counter() - start
    finally:
        gc.enable()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=0,
                        help="passes over the letters (default: as many as make the run last about --seconds)")
    parser.add_argument("--seconds", type=float, default=5.0, help="target run time when --repeat is not given (default 5)")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="measure the .txt letters under DIR instead of the example, test and shared letters")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    letters = []
    for path in sorted(args.corpus.rglob("*.txt")) if args.corpus else letter_files():
        data = path.read_bytes()
        try:
            end_to_end(path, data)  # warm-up: lexicons, compiled patterns; drops letters that fail
        except LetterError as err:
            print(f"skipped {path}: {err.reason}", file=sys.stderr)
            continue
        letters.append((path, data))
    if not letters:
        print("no letters found", file=sys.stderr)
        return 1

    # precomputed inputs, so each stage can be timed alone
    sources = [_source(p, d) for p, d in letters]
    raws = [decode_text(d) for _, d in letters]
    texts = [normalize(r) for r in raws]
    layouts = [split_letter(t) for t in texts]
    records = [build_record(t, lay, s) for t, lay, s in zip(texts, layouts, sources)]
    linked = [link_record(copy.deepcopy(r)) for r in records]

    one_pass = _run(end_to_end, letters, 1)
    # the e2e loops and the stage loops take about 3 passes' time per repeat in all
    repeat = args.repeat or max(1, math.ceil(args.seconds / (3.2 * one_pass)))
    n = len(letters) * repeat

    def ingest(data: bytes) -> str:
        hashlib.sha256(data).hexdigest()
        return normalize(decode_text(data))

    timings = {
        "baseline: decode + normalise": _run(lambda d: normalize(decode_text(d)), [(d,) for _, d in letters], repeat),
        "end to end (memory)": _run(end_to_end, letters, repeat),
        "end to end (disk, extract_file)": _run(lambda p: json.dumps(extract_file(p)[0], ensure_ascii=False),
                                                [(p,) for p, _ in letters], repeat),
    }
    stages = {
        "ingest (decode+sha256+normalise)": _run(ingest, [(d,) for _, d in letters], repeat),
        "layout (split_letter)": _run(split_letter, [(t,) for t in texts], repeat),
        "extract (build_record)": _run(build_record, list(zip(texts, layouts, sources)), repeat),
        # link_record adds codes in place, idempotently, so the same records can be reused
        "link (link_record)": _run(link_record, [(r,) for r in records], repeat),
        "json.dumps": _run(lambda r: json.dumps(r, ensure_ascii=False), [(r,) for r in linked], repeat),
    }
    ingest_only = {
        "  decode_text": _run(decode_text, [(d,) for _, d in letters], repeat),
        "  normalize": _run(normalize, [(r,) for r in raws], repeat),
    }
    revise, status_model.revise = status_model.revise, lambda criteria, *_, **__: criteria
    without_model = _run(build_record, list(zip(texts, layouts, sources)), repeat)
    status_model.revise = revise

    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(letters)} letters (mean {chars:,.0f} chars normalised) x {repeat} passes = {n:,} letters per "
          f"measurement, one core (Python {sys.version.split()[0]})")
    stage_total = sum(stages.values())
    e2e = timings["end to end (memory)"]
    print(f"{'measurement':<34} {'letters/s':>10} {'ms/letter':>10} {'% of stages':>11}")
    print("-" * 68)
    for name, seconds in timings.items():
        print(f"{name:<34} {n / seconds:>10,.0f} {seconds * 1000 / n:>10.3f}")
    print("-" * 68)
    for name, seconds in stages.items():
        print(f"{name:<34} {n / seconds:>10,.0f} {seconds * 1000 / n:>10.3f} {100 * seconds / stage_total:>10.1f}%")
        if name.startswith("ingest"):
            for sub, sub_seconds in ingest_only.items():
                print(f"{sub:<34} {n / sub_seconds:>10,.0f} {sub_seconds * 1000 / n:>10.3f}")
        if name.startswith("extract"):
            print(f"{'  without the status model':<34} {n / without_model:>10,.0f} {without_model * 1000 / n:>10.3f}"
                  f"   (the model: {seconds / without_model:.2f}x)")
    print(f"{'sum of stages':<34} {n / stage_total:>10,.0f} {stage_total * 1000 / n:>10.3f}")
    print("-" * 68)
    base = timings["baseline: decode + normalise"]
    rate = n / e2e
    print(f"end-to-end rate / baseline rate = {rate:,.0f} / {n / base:,.0f} = {base / e2e:.3f} "
          f"(the full path costs {e2e / base:.1f}x reading + normalising)")
    slowest = max(stages, key=stages.get)
    verdict = "meets" if rate >= TARGET else "misses"
    print(f"target >= {TARGET:,.0f} letters/s per core: {verdict} it at {rate:,.0f} letters/s "
          f"({rate / TARGET:.2f}x target); slowest stage: {slowest} "
          f"({100 * stages[slowest] / stage_total:.0f}% of the time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
