"""Where a build's time goes, profiled: `imr-kg build` under py-spy, its samples summed by stage.

    python3 benchmarks/profile_build.py --corpus DIR [--jobs 2] [--rate 50] [--raw FILE]

Runs `imr-kg build DIR/letters --store TMP --jobs N --quiet` (DIR from make_corpus.py, or any
folder of letters) under `py-spy record --subprocesses` (`pip install -e '.[bench]'`), which
samples the Python threads of the parent, the forkserver and every worker --rate times a
second. Prints the workers' samples by stage (the first stage function found on a stack,
outermost first, names it) and the parent's by activity, each as a share and as milliseconds
a letter (samples / rate / letters: time on a CPU or waiting for one, so on a busy machine
more than CPU time). --raw keeps py-spy's raw stacks (one line per stack, then its count)
for a flame graph or another look.

py-spy sees Python threads only: the native threads of Oxigraph's bulk loader and of
RocksDB's compactions in the parent are not sampled, and the parent waits for them in
`replace_letters`. `benchmarks/run.py` gives the parent's CPU time with its threads.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402,F401  (kg_build on the path when not installed)

from kg_build.pipeline import letter_files  # noqa: E402

# (function, stage): a sample belongs to the first stage of the list whose function is on its
# stack, so a stage nested in another (the trees in `revise`) comes before it. A function is
# named as py-spy names it, qualified by its class where it has one.
WORKER_STAGES = (
    ("read_letter", "ingest: read (text, PDF)"),
    ("normalize", "ingest: normalise"),
    ("split_letter", "layout"),
    ("tree_probabilities", "extract: criterion status, trees (LightGBM)"),
    ("revise", "extract: criterion status, features + regression"),
    ("states_criterion", "extract: statement model"),
    ("build_record", "extract: rules"),
    ("link_record", "link"),
    ("record_nquads", "map"),
    ("_validate_isolating", "validate"),
    ("_serialise_apart", "serialise"),
    ("compress", "serialise: gzip for shards"),
    ("build_batch", "worker: other"),
)
PARENT_STAGES = (
    ("LetterStore.replace_letters", "load (the bulk loader's Python side)"),
    ("LetterStore.close", "close the store (flush, compaction)"),
    ("file_sha256", "hash files"),
    ("_Books.take", "books"),
    ("_Books.work", "books"),
    ("Queue._feed", "send batches"),
    ("_ExecutorManagerThread.wait_result_broken_or_wakeup", "receive outcomes"),
    ("Ledger.__init__", "read the store's state into the books"),
    ("LetterStore.__init__", "open the store"),
    ("LetterStore.replace_graph_from_file", "load the ontology and catalog"),
    ("Future.result", "wait for the workers"),
    ("pipeline_version", "start-up: pipeline version"),
    ("_find_and_load", "start-up: imports"),
)
_FRAME = re.compile(r"^(\S+?) \(")


def stage(frames: list[str], stages: tuple[tuple[str, str], ...]) -> str:
    """The stage of a sample: frames are py-spy's, as 'Class.function (file.py:line)'."""
    names = {m.group(1) for f in frames if (m := _FRAME.match(f))}
    return next((label for function, label in stages if function in names), "other")


def summarise(raw: Path) -> tuple[Counter, Counter]:
    """The workers' and the parent's samples by stage, from py-spy's raw output."""
    workers: Counter = Counter()
    parent: Counter = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        depth = sum(f.startswith("process ") for f in frames)  # parent 1, forkserver 2, worker 3
        code = [f for f in frames if not f.startswith("process ")]
        if depth >= 3:
            workers[stage(code, WORKER_STAGES)] += int(count)
        elif depth == 1:
            parent[stage(code, PARENT_STAGES)] += int(count)
    return workers, parent


def print_table(title: str, samples: Counter, rate: int, letters: int) -> None:
    total = sum(samples.values()) or 1
    print(f"\n{title:52} {'share':>7} {'ms/letter':>10}")
    print("-" * 71)
    for label, n in samples.most_common():
        print(f"{label:52} {100 * n / total:6.1f}% {1000 * n / rate / max(letters, 1):10.2f}")
    print(f"{'all':52} {100.0:6.1f}% {1000 * total / rate / max(letters, 1):10.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a make_corpus.py corpus, or a folder of letters")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--rate", type=int, default=50, help="py-spy samples a second (default 50)")
    parser.add_argument("--raw", type=Path, help="also keep py-spy's raw stacks in this file")
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        print("profile_build.py: py-spy is not installed (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    letters_dir = args.corpus / "letters" if (args.corpus / "letters").is_dir() else args.corpus
    letters = sum(1 for _ in letter_files([letters_dir]))  # the files the build reads
    if not letters:
        print(f"profile_build.py: no letters in {letters_dir}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="imr-kg-profile-") as tmp:
        raw = args.raw or Path(tmp) / "raw.txt"
        build = [sys.executable, "-m", "kg_build.cli", "build", str(letters_dir), "--store", str(Path(tmp) / "store"),
                 "--jobs", str(args.jobs), "--quiet"]
        profile = ["py-spy", "record", "--subprocesses", "--format", "raw", "--rate", str(args.rate),
                   "--output", str(raw), "--", *build]
        done = subprocess.run(profile, capture_output=True, text=True)
        if done.returncode not in (0, 3):  # 3: the build skipped some letters, which it reports
            print(f"profile_build.py: the profiled build failed: {done.stderr.strip().splitlines()[-1:]}",
                  file=sys.stderr)
            return 1
        workers, parent = summarise(raw)
    print(f"{letters:,} letters in {letters_dir}, --jobs {args.jobs}, py-spy at {args.rate} samples/s")
    print_table("workers, by stage (all workers summed)", workers, args.rate, letters)
    print_table("parent, by activity (Python threads only)", parent, args.rate, letters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
