"""Query latency: the median time of every shipped query on an existing store.

    python3 benchmarks/query_latency.py --store DIR [--runs 5] [--queries DIR] [--only NAME ...]
                                        [--compare DIR] [--timeout SECONDS]

Runs each query of queries/*.rq (or of --queries DIR, e.g. an older copy of the queries, to
measure before and after on the same store) through kg_build.use.query.run, as `imr-kg query
--store` does: one warm-up run, then --runs timed runs; prints rows and the median, min and
max in ms. Parameters as benchmarks/run.py gives them: required ones get the example of
their header line (a decision node for iri parameters), optional ones are left free. A query
with an optional `one letter` parameter is timed once more with it given (the line
`NAME letter=`): the letter of that decision node, or for a string its case number.

--compare DIR also runs the same-named query of DIR once and says whether it returns exactly
the same rows (same columns, same order): the check that a rewritten query is a pure speed-up.

--timeout S runs each query in a child process and stops it when one run (the warm-up or a
timed one) takes more than S seconds; the query is reported as not finished and the next one
runs. On a large store this keeps one slow query from holding up the rest.

The machine's other load changes the figures: they are indicative unless it is idle.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402,F401  (kg_build on the path when not installed)
from run import query_params  # noqa: E402  (the same parameters as the full benchmark)


def one_letter_cases(query, store, values: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """(label, parameter values) for each optional one-letter parameter, given the letter of
    the store's first decision node (its IRI, or its case number for a string)."""
    found = list(store.query("PREFIX imr: <https://w3id.org/imr-kg/ontology#> SELECT ?l ?n WHERE { "
                             "GRAPH ?g { ?i imr:hasDecision ?d } GRAPH ?g { ?l a imr:DeterminationLetter ; "
                             "imr:aboutCase/imr:caseNumber ?n } } LIMIT 1"))
    if not found:
        return []
    sample = {"iri": found[0]["l"].value, "string": found[0]["n"].value}
    return [(f"{query.name} {p.name}=", {**values, p.name: sample[p.type]}) for p in query.parameters
            if p.optional and p.one_letter and p.type in sample]


def rows_of(store, query, values: dict[str, str]) -> tuple[list[str], list[tuple]]:
    """Columns and rows of a query, each cell as its N-Triples text (None when unbound)."""
    from kg_build.use.query import run

    solutions = run(store, query, values)
    columns = [v.value for v in solutions.variables]
    return columns, [tuple(None if s[c] is None else str(s[c]) for c in columns) for s in solutions]


def timings(store, query, values: dict[str, str], runs: int) -> list[float]:
    from kg_build.use.query import run

    list(run(store, query, values))  # warm-up: the store's caches, not the query, are measured otherwise
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        list(run(store, query, values))
        out.append(time.perf_counter() - t0)
    return out


def _timed_child(store_dir: Path, query_path: Path, values: dict[str, str], runs: int, conn) -> None:
    """In a child process: once the store is open, the warm-up and the timed runs, sending
    each run's seconds as it ends."""
    from kg_build.store import LetterStore
    from kg_build.use.query import load_query, run

    store = LetterStore(store_dir, read_only=True).store
    query = load_query(str(query_path))
    conn.send(0.0)  # open: the timeout starts now
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        list(run(store, query, values))
        conn.send(time.perf_counter() - t0)


def timings_within(store_dir: Path, query, values: dict[str, str], runs: int, timeout: float) -> list[float] | None:
    """timings() in a child process that is stopped when a run takes more than timeout
    seconds (None then); a stuck query cannot be interrupted in this process."""
    context = multiprocessing.get_context("spawn")  # a fork would share the open store's handles
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_timed_child, args=(store_dir, query.path, values, runs, sender), daemon=True)
    child.start()
    sender.close()
    out = []
    try:
        receiver.recv()
        for _ in range(runs + 1):
            if not receiver.poll(timeout):
                return None
            out.append(receiver.recv())
    except EOFError:
        raise RuntimeError(f"{query.name}: the child process died (exit code {child.exitcode})") from None
    finally:
        child.kill()
        child.join()
    return out[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `imr-kg build`")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (default 5; the median is shown)")
    parser.add_argument("--queries", type=Path, help="run the .rq files of this directory instead of the shipped ones")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these queries")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also check that DIR/NAME.rq returns exactly the same rows as each query")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="stop a query when one of its runs takes longer than this (in a child process)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    from kg_build.store import LetterStore
    from kg_build.use.query import load_query, shipped_queries

    try:
        store = LetterStore(args.store, read_only=True).store
    except FileNotFoundError as err:
        print(f"query_latency.py: {err}", file=sys.stderr)
        return 2
    queries = ([load_query(str(p)) for p in sorted(args.queries.glob("*.rq"))] if args.queries
               else shipped_queries())
    if args.only:
        queries = [q for q in queries if q.name in args.only]
    print(f"store: {args.store} ({len(store):,} quads); queries: {args.queries or 'queries/'}; "
          f"{args.runs} runs after a warm-up")
    print(f"{'query':<30} {'rows':>7} {'median ms':>11} {'min ms':>10} {'max ms':>10}"
          + ("  same rows" if args.compare else ""))
    print("-" * (72 + (11 if args.compare else 0)))
    worst = ("", 0.0)
    for query in queries:
        values = query_params(query, store)
        if values is None:
            print(f"{query.name:<30} skipped: no decision in the store for its iri parameter")
            continue
        for label, case in [(query.name, values), *one_letter_cases(query, store, values)]:
            if args.timeout is None:
                times = timings(store, query, case, args.runs)
            elif (times := timings_within(args.store, query, case, args.runs, args.timeout)) is None:
                print(f"{label:<30} {'-':>7} did not finish within {args.timeout:g} s", flush=True)
                continue
            columns, rows = rows_of(store, query, case)
            median = statistics.median(times)
            worst = max(worst, (label, median), key=lambda w: w[1])
            line = f"{label:<30} {len(rows):>7} {median * 1000:>11,.1f} {min(times) * 1000:>10,.1f} {max(times) * 1000:>10,.1f}"
            if args.compare:
                other = args.compare / f"{query.name}.rq"
                same = "-" if not other.is_file() else (
                    "yes" if rows_of(store, load_query(str(other)), case) == (columns, rows) else "NO")
                line += f"  {same:>9}"
            print(line, flush=True)
    print(f"slowest: {worst[0]} {worst[1] * 1000:,.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
