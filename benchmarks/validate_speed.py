"""SHACL validation speed: pyshacl against the compiled SPARQL validator, on the same batch.

The batch is --letters copies of the test letters (tests/letters/*.txt, fictional), each
with its own case number so that every copy is a letter of its own, mapped to RDF once
(with the vocabulary triples they use, as `imr-kg build` validates them). Both validators
then validate the batch --repeat times as one call (`imr-kg build` validates a batch of
--batch-size letters per call); the best time of each is printed in ms per letter, with the
ratio, and the two result lists are checked to be the same.

Usage: python3 benchmarks/validate_speed.py [--letters 200] [--repeat 3] [--skip-pyshacl]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, record_of  # noqa: E402

from kg_build.map import record_quads  # noqa: E402
from kg_build.validate import shacl  # noqa: E402
from kg_build.validate import compiled  # noqa: E402

CASE_NUMBER = re.compile(r"\b(CM\d{2}-)\d{5,8}\b")


def batch(count: int) -> list:
    """The quads of `count` letters: the test letters in turn, case number k of copy k."""
    texts = [p.read_text() for p in sorted((ROOT / "tests" / "letters").glob("*.txt"))]
    quads = []
    for k in range(count):
        text = CASE_NUMBER.sub(lambda m: m.group(1) + f"{9_000_000 + k:07d}", texts[k % len(texts)])
        text += f"\n(fictional benchmark copy {k})\n"  # a letter without a case number still differs
        sha = hashlib.sha256(text.encode()).hexdigest()
        quads += record_quads(record_of(text, {"path": f"copy-{k}.txt", "sha256": sha, "media_type": "text/plain"}))
    return quads


def best_time(validate, quads: list, repeat: int) -> tuple[float, list]:
    times, results = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        results = validate(quads)
        times.append(time.perf_counter() - start)
    return min(times), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=200, help="letters in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each validator; the best counts")
    parser.add_argument("--skip-pyshacl", action="store_true", help="time the compiled validator only")
    args = parser.parse_args()

    quads = batch(args.letters)
    start = time.perf_counter()
    compiled.compiled_shapes()
    print(f"batch: {args.letters} letters, {len(quads)} quads; compiling the shapes: "
          f"{(time.perf_counter() - start) * 1000:.0f} ms (once per process)")
    fast, fast_results = best_time(compiled.validate_letters, quads, args.repeat)
    print(f"compiled: {fast * 1000 / args.letters:8.2f} ms/letter  ({args.letters / fast:,.0f} letters/s)")
    if args.skip_pyshacl:
        return
    slow, slow_results = best_time(shacl.validate_letters, quads, args.repeat)
    print(f"pyshacl:  {slow * 1000 / args.letters:8.2f} ms/letter  ({args.letters / slow:,.0f} letters/s)")
    print(f"ratio:    {slow / fast:8.1f}x faster")
    key = lambda r: (r.letter, r.focus, r.shape, r.severity, r.message)  # a non-IRI path: pyshacl gives a blank node
    same = Counter(map(key, fast_results)) == Counter(map(key, slow_results))
    print(f"results:  {len(fast_results)} and {len(slow_results)}, {'the same' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
