"""Benchmark: the cost of ICD-10-CM linking per letter (the link stage alone), on the fictional
letters of tests/letters. Prints figures; not a test.

    python3 tests/icd/bench_link.py [OLD_LINKER.py]

cold: each letter linked once with the linker's per-phrase caches emptied (a corpus of new
wordings); warm: linked again (wordings seen before, as most are in a large corpus). The
one-off start-up (importing simple-icd-10-cm and indexing its code set) is printed apart.
Given the path of another linker module (e.g. the previous version), times it the same way.
"""

from __future__ import annotations

import copy
import importlib.util
import statistics
import sys
import time
from pathlib import Path

from kg_build.extract import build_record
from kg_build.ingest import normalize, read_letter
from kg_build.layout import split_letter

LETTERS = sorted((Path(__file__).resolve().parent.parent / "letters").glob("*.txt"))
ROUNDS = 200


def unlinked_records() -> list[dict]:
    records = []
    for path in LETTERS:
        raw = read_letter(path)
        text = normalize(raw.text)
        records.append(build_record(text, split_letter(text), {"path": str(path), "sha256": raw.sha256, "media_type": raw.media_type}))
    return records


def clear_caches(module) -> None:
    for name in ("_resolve", "_canonical", "_entry"):
        fn = getattr(module, name, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()


def bench(module, records: list[dict]) -> None:
    start = time.perf_counter()
    module.link_diagnoses(copy.deepcopy(records[0]))  # start-up: imports and indexes
    startup = time.perf_counter() - start
    cold, warm = [], []
    for _ in range(ROUNDS):
        batch = copy.deepcopy(records)
        clear_caches(module)
        start = time.perf_counter()
        for record in batch:
            module.link_diagnoses(record)
        cold.append((time.perf_counter() - start) / len(batch))
        batch = copy.deepcopy(records)
        start = time.perf_counter()
        for record in batch:
            module.link_diagnoses(record)
        warm.append((time.perf_counter() - start) / len(batch))
    mentions = sum(len(r["diagnoses"]) for r in records) / len(records)
    print(f"{module.__name__}: start-up {startup:.2f} s; per letter ({len(records)} letters, {mentions:.1f} diagnoses each, "
          f"median of {ROUNDS}): cold {statistics.median(cold) * 1e6:.0f} us, warm {statistics.median(warm) * 1e6:.1f} us")


def main() -> None:
    records = unlinked_records()
    if len(sys.argv) > 1:
        spec = importlib.util.spec_from_file_location("other_linker", sys.argv[1])
        other = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(other)
        bench(other, records)
    from kg_build.link import icd10cm

    bench(icd10cm, records)


if __name__ == "__main__":
    main()
