"""The memory of a build's books as the corpus grows: the on-disk ledger against Python dicts.

    python3 benchmarks/books_memory.py [--counts 10000 100000 1000000]

For each count N, two fresh processes keep the books of a rebuild of N letters (a store
holding N letters, then N files seen, each looked up and claimed, as kg_build.pipeline's
_Books does): one in kg_build.store.ledger.Ledger, one in the dicts the build kept before
it (the baseline). Each prints the growth of its peak RSS over its RSS before the books, and
its time a letter. No letters are read or built: the file names, hashes and graph names are
made up, as long as real ones (a 64-character hash, a graph IRI, a path of 60 characters).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402,F401  (kg_build on the path when not installed)

from kg_build.store import LetterState  # noqa: E402
from kg_build.store.ledger import Ledger  # noqa: E402
from kg_build.store.oxigraph_store import LETTER_GRAPHS  # noqa: E402

VERSION = "0.9.0+0123456789abcdef"


def letters(count: int) -> Iterator[tuple[str, str, str]]:
    """(graph, sha256, path) of count made-up letters."""
    for i in range(count):
        case = f"CM{13 + i % 12:02d}-{i:07d}"
        yield (LETTER_GRAPHS + case, hashlib.sha256(case.encode()).hexdigest(),
               f"/data/imr/letters/20{13 + i % 12:02d}/{i % 97:02d}/{case}-final-determination.txt")


def with_ledger(count: int) -> None:
    with Ledger(((g, s) for g, s, _ in letters(count)), ((g, VERSION) for g, _, _ in letters(count))) as ledger:
        for graph, sha, path in letters(count):
            assert ledger.first_seen(sha, path) is None
            stored = ledger.stored_with(sha)
            assert stored is not None and stored[1].version == VERSION
            ledger.claim(graph, sha, path)
            ledger.stored(graph)
        assert not ledger.unclaimed()


def with_dicts(count: int) -> None:
    """The books as the build kept them until the ledger (git history: kg_build/pipeline.py)."""
    stored = {g: LetterState(s, VERSION) for g, s, _ in letters(count)}
    by_sha = {state.sha256: graph for graph, state in stored.items()}
    first_with: dict[str, str] = {}
    claims: dict[str, tuple[str, str]] = {}
    for graph, sha, path in letters(count):
        assert sha not in first_with
        first_with[sha] = path
        assert stored[by_sha[sha]].version == VERSION
        claims.setdefault(graph, (sha, path))
        stored.get(graph)
    assert not [g for g in stored if g not in claims]


def child(variant: str, count: int) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    {"ledger": with_ledger, "dicts": with_dicts}[variant](count)
    seconds = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux
    print(f"{grown / 1024:.1f} {seconds / count * 1e6:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="numbers of letters (default: 10,000, 100,000 and 1,000,000)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    print(f"{'letters':>10} {'dicts MiB':>10} {'ledger MiB':>11} {'dicts µs/letter':>16} {'ledger µs/letter':>17}")
    for count in args.counts:
        figures = {}
        for variant in ("dicts", "ledger"):
            out = subprocess.run([sys.executable, __file__, "--child", variant, str(count)],
                                 capture_output=True, text=True, check=True).stdout.split()
            figures[variant] = [float(x) for x in out]
        (dm, dt), (lm, lt) = figures["dicts"], figures["ledger"]
        print(f"{count:>10,} {dm:>10.1f} {lm:>11.1f} {dt:>16.1f} {lt:>17.1f}", flush=True)


if __name__ == "__main__":
    main()
