"""The stages in order: ingest -> layout -> extract -> link for one letter (`extract_file`),
then map -> validate -> store for a whole build (`build`).

API of a build (the command line's `imr-kg build` and the benchmarks call it):

    build(paths, store=None, *, validate=True, jobs=1, dask=None, batch_size=100,
          force=False, prune=False, nquads=None, progress=lambda n: None) -> BuildSummary

- paths: letter files or directories (searched recursively for .txt and .pdf, in sorted
  order); an iterable, consumed as the build goes.
- store: a LetterStore to load into, or None when only shards are wanted.
- nquads: a directory for gzip N-Quads shards (imr-kg-letters-NNNNNN.nq.gz, one per batch
  of letters built in this run, and imr-kg-ontology.nq.gz); None for none. At least one of
  store and nquads is needed.
- jobs: worker processes (1: everything in this process); dask: the address of a
  dask.distributed scheduler, which then runs the batches instead (jobs is ignored).
  Workers are started by multiprocessing's forkserver, which imports the main module: a
  script that calls build with jobs > 1 must do so under `if __name__ == "__main__":`.
- batch_size: letters per batch: the unit of work of a worker, of SHACL validation, of a
  store write and of a shard.
- force: rebuild every letter; prune: afterwards remove the letter graphs of the store
  that no file under paths gave (the store then mirrors paths).
- progress(n) is called as n more files are done (built, unchanged or skipped).
- Returns a BuildSummary: the counts new, changed, rebuilt (unchanged file built again:
  force or a new pipeline version), unchanged, pruned, items, quads and warnings; the
  lists skipped and duplicates (Skipped: path, stage, reason) and shards (paths written);
  `letters` is the number built and loaded in this run. Exit-code rule of the CLI: 3 when
  skipped is not empty.

The per-letter work (`build_batch`: ingest, extract, link, map, validate, serialise)
runs in the workers over batches of file paths and returns plain values (strings, ints
and N-Quads bytes) that are cheap to pickle; the calling process only hashes files, keeps
the books and loads. At most two batches per worker are in flight, and the books (a file
hash, graph name and path per letter) are kept on disk (kg_build.store.ledger), so memory
is bounded whatever the corpus size; only the lists of skipped and duplicate files, which
the summary returns, grow with their number.

Incremental: a file whose SHA-256 and pipeline version (kg_build.version) match a letter
graph of the store is skipped without being read further; the state is the letter graphs
themselves (see kg_build.store.oxigraph_store), read once at the start. A file with the
same content as an earlier one is counted as a duplicate and built once. A letter whose
case number is already that of another file's letter in this build (different content) is
kept too: the first file in path order keeps the case number's graph, the other is built
again with the quality flag duplicate_case_number and kept under its case number and
content hash (kg_build.map.letter_id).

A build also loads the ontology and the criteria catalog into named graphs of their own, so
queries can use their labels, definitions and class hierarchy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from kg_build.errors import LetterError
from kg_build.extract import build_record
from kg_build.extract.catalog import CATALOG
from kg_build.ingest import normalize, read_letter
from kg_build.ingest.read import max_letter_bytes
from kg_build.layout import split_letter
from kg_build.link import link_record
from kg_build.link.icd10cm import uncoded_diagnoses
from kg_build.map import letter_graph, letter_id, record_nquads
from kg_build.map.record_to_rdf import DUPLICATE_CASE
from kg_build.map.iris import CRITERIA_GRAPH, ONTOLOGY_GRAPH, VOCABULARY_GRAPH
from kg_build.parallel import Pending, Ready, batch_runner, ordered
from kg_build.paths import ONTOLOGY
from kg_build.store import LetterStore, ShardWriter
from kg_build.store.ledger import Ledger
from kg_build.store.oxigraph_store import COMMIT_MARK
from kg_build.version import pipeline_version

LETTER_SUFFIXES = (".txt", ".pdf")
REPORT_NAME = "imr-kg-build-report.jsonl"


def extract_file(path: Path, candidates: bool = False) -> tuple[dict, str]:
    """The extraction record of one letter and the normalised text its spans point into.
    candidates=True keeps every uncatalogued criterion the rules find (extract.criteria), for
    `imr-kg criteria discover`.

    Raises LetterError with a one-line reason when the letter cannot be read.
    """
    raw = read_letter(path)
    text = normalize(raw.text)
    layout = split_letter(text)
    source = {"path": str(path), "sha256": raw.sha256, "media_type": raw.media_type}
    return link_record(build_record(text, layout, source, candidates)), text


def letter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The letter files among paths, directories searched recursively in sorted order (that
    of sorted paths), holding one directory's listing at a time, not the corpus's."""
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(directory: Path) -> Iterator[Path]:
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False):  # as Path.rglob: linked directories are not entered
            yield from _walk(Path(entry.path))
        elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in LETTER_SUFFIXES:
            yield Path(entry.path)


@dataclass
class Skipped:
    path: str
    stage: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.stage}: {self.reason}"


@dataclass
class BuildSummary:
    new: int = 0  # letters whose graph was not in the store
    changed: int = 0  # letters that replaced their graph with a new version of the file
    rebuilt: int = 0  # unchanged files built again (--force, or a new pipeline version)
    unchanged: int = 0  # files skipped as already built
    pruned: int = 0  # letter graphs removed because no file gave them
    items: int = 0
    quads: int = 0  # quads of the letters built (with their vocabulary share, repeats counted)
    warnings: int = 0
    uncoded: int = 0  # diagnosis mentions of the letters built with no defensible ICD-10-CM code
    skipped: list[Skipped] = field(default_factory=list)  # letters not loaded, and why
    duplicates: list[Skipped] = field(default_factory=list)  # files with the same content as an earlier one
    shards: list[Path] = field(default_factory=list)

    @property
    def letters(self) -> int:
        """Letters built and loaded in this run."""
        return self.new + self.changed + self.rebuilt

    def skipped_by_stage(self) -> Counter:
        return Counter(s.stage for s in self.skipped)


@dataclass(frozen=True)
class LetterOutcome:
    """What became of one file: plain values, cheap to send back from a worker."""
    path: str
    status: str  # built, unchanged, duplicate or failed
    sha256: str = ""
    graph: str = ""
    items: int = 0
    quads: int = 0
    warnings: int = 0
    uncoded: int = 0  # diagnosis mentions without an ICD-10-CM code
    body: bytes = b""  # the letter's N-Quads for the store, but its commit mark and vocabulary
    mark: bytes = b""  # the commit mark (kg_build.store.oxigraph_store)
    vocabulary: bytes = b""  # its vocabulary-graph N-Quads, which the store loads once
    gzipped: bytes = b""  # all of them as a gzip member, for a shard
    stage: str = ""  # where a failed or duplicate file stopped, and why
    reason: str = ""


@dataclass(frozen=True)
class BatchOptions:
    version: str  # the calling process's pipeline version, which the worker must run
    validate: bool = True
    for_store: bool = True  # N-Quads for the store
    gzipped: bool = False  # a gzip member for a shard
    duplicate_of: tuple[tuple[str, str], ...] = ()  # (path, path of the letter whose case number it reuses)


def build_batch(paths: list[str], options: BatchOptions) -> list[LetterOutcome]:
    """The per-letter work for a batch of files, in a worker: ingest, extract, link, map,
    validate (the batch as one run of the compiled SHACL queries) and serialise. One outcome per path, in order."""
    if pipeline_version() != options.version and pipeline_version(refresh=True) != options.version:
        # the graphs of a worker that runs other code would be rebuilt by every later build
        reason = f"the worker runs pipeline {pipeline_version()}, not {options.version}: install one imr-kg everywhere"
        return [LetterOutcome(path, "failed", stage="internal", reason=reason) for path in paths]
    outcomes: list[LetterOutcome | None] = []
    built: list[tuple[int, dict, list[str]]] = []  # (index, record, N-Quads lines)
    for path in paths:
        try:
            record, _ = extract_file(Path(path))
            if first := dict(options.duplicate_of).get(path):
                record["quality_flags"].append({"kind": DUPLICATE_CASE, "detail": (
                    f"case number {record['case']['case_number']} is also that of {first}, whose letter has other "
                    "content; both are kept, this one under its case number and content hash")})
            built.append((len(outcomes), record, record_nquads(record)))
            outcomes.append(None)
        except LetterError as err:
            outcomes.append(LetterOutcome(path, "failed", stage=err.stage, reason=err.reason))
        except Exception as err:  # a bug met on one letter must not end a day-long build: report that letter
            outcomes.append(LetterOutcome(path, "failed", stage="internal", reason=f"{type(err).__name__}: {err}"))
    checks = _validate_isolating([(record, lines) for _, record, lines in built]) if options.validate else None
    for k, (index, record, lines) in enumerate(built):
        path, sha, graph = paths[index], record["source"]["sha256"], letter_graph(record).value
        if checks and isinstance(checks[k], str):
            outcomes[index] = LetterOutcome(path, "failed", sha, graph, stage="validate", reason=checks[k])
            continue
        violations, warnings = checks[k] if checks else ([], 0)
        if violations:
            first = violations[0]
            outcomes[index] = LetterOutcome(path, "failed", sha, graph, stage="validate", reason=(
                f"{len(violations)} SHACL violation(s), first: {first.message} ({first.focus})"))
            continue
        body, vocabulary, mark = _serialise_apart(lines)
        outcomes[index] = LetterOutcome(path, "built", sha, graph, len(record["items"]), len(lines), warnings,
                                        uncoded_diagnoses(record),
                                        body if options.for_store else b"", mark if options.for_store else b"",
                                        vocabulary if options.for_store else b"",
                                        gzip.compress(body + vocabulary + mark, compresslevel=6) if options.gzipped else b"")
    return [o for o in outcomes if o is not None]


_VOCABULARY_LINE_END = f" {VOCABULARY_GRAPH} .\n"
_MARK = str(COMMIT_MARK)


def _serialise_apart(lines: list[str]) -> tuple[bytes, bytes, bytes]:
    """N-Quads of a letter's own graph but its commit mark, of its vocabulary-graph quads,
    and of its commit mark: the store loads each part its own way."""
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    for line in lines:  # a commit mark is in the letter's graph; a subject IRI has no space, so the predicate is second
        parts[1 if line.endswith(_VOCABULARY_LINE_END) else 2 if line.split(" ", 2)[1] == _MARK else 0].append(line)
    return tuple("".join(part).encode() for part in parts)  # type: ignore[return-value]


def _validate_isolating(letters: list[tuple[dict, list[str]]]) -> list[tuple[list, int] | str]:
    """As _validate; when the validator fails on the batch, each letter alone, so that only
    the letters it fails on are lost, each with the reason."""
    try:
        return _validate(letters)
    except Exception as err:  # the validator's own failure, not a verdict on the letters
        if len(letters) == 1:
            return [f"the validator failed: {type(err).__name__}: {err}"]
        return [check for letter in letters for check in _validate_isolating([letter])]


def _validate(letters: list[tuple[dict, list[str]]]) -> list[tuple[list, int]]:
    """Each letter's SHACL violations and number of warnings. Letters sharing an identifier
    (two files with one case number) go to separate runs, as one graph would merge them."""
    from kg_build.validate import validate_letters_compiled

    checks: list[tuple[list, int]] = [([], 0) for _ in letters]
    runs: dict[int, list[int]] = {}
    occurrences: Counter = Counter()
    for k, (record, _) in enumerate(letters):
        runs.setdefault(occurrences[letter_id(record)], []).append(k)
        occurrences[letter_id(record)] += 1
    for members in runs.values():
        by_id = {letter_id(letters[k][0]): k for k in members}
        store = ox.Store()  # in memory: loading the lines costs about what adding Quad objects would
        # lenient: the lines were written from pyoxigraph terms, whose IRIs it checked
        store.load("".join(line for k in members for line in letters[k][1]), format=ox.RdfFormat.N_QUADS, lenient=True)
        for result in validate_letters_compiled(store):
            k = by_id.get(result.letter)
            if k is not None:
                violations, warnings = checks[k]
                checks[k] = (violations + [result], warnings) if result.severity == "Violation" else (violations, warnings + 1)
    return checks


def file_sha256(path: Path) -> str:
    """The file's SHA-256, or '' when it cannot be hashed here (unreadable, or over the size
    limit of a letter): the worker then reports why."""
    try:
        if path.stat().st_size > max_letter_bytes():
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def build(paths: Iterable[Path], store: LetterStore | None = None, *, validate: bool = True, jobs: int = 1,
          dask: str | None = None, batch_size: int = 100, force: bool = False, prune: bool = False,
          nquads: Path | None = None, progress: Callable[[int], None] = lambda n: None) -> BuildSummary:
    """Build every letter under paths into the store and/or N-Quads shards (see the module
    docstring); bad letters are skipped and reported in the summary and the build report."""
    if store is None and nquads is None:
        raise ValueError("a build needs a store, an N-Quads directory, or both")
    if prune and store is None:
        raise ValueError("pruning needs a store")
    stored = (store.letter_hashes(), store.letter_versions()) if store is not None else ()
    with Ledger(*stored) as ledger:
        books = _Books(ledger, force, lambda path, first: build_batch(
            [path], replace(options, duplicate_of=((path, first),)))[0])
        shards = ShardWriter(nquads) if nquads else None
        fixed_graphs = [(ONTOLOGY_GRAPH, ONTOLOGY / "imr-kg.ttl"), (CRITERIA_GRAPH, CATALOG)]
        for graph, path in fixed_graphs if store is not None else ():
            store.replace_graph_from_file(graph, path)
        if shards:
            books.summary.shards.append(shards.write_graphs("ontology", fixed_graphs))
        options = BatchOptions(books.version, validate, for_store=store is not None, gzipped=shards is not None)
        with batch_runner(build_batch, jobs, dask, preload=("kg_build.warm",)) as (submit, in_flight):
            for outcomes in ordered(books.work(letter_files(paths), lambda batch: submit(batch, options), batch_size),
                                    in_flight):
                loads = books.take(outcomes)
                if store is not None:
                    store.replace_letters([o.graph for o in loads], b"".join(o.body for o in loads),
                                          b"".join(o.mark for o in loads), b"".join(o.vocabulary for o in loads))
                if shards and (shard := shards.write_letters([o.gzipped for o in loads])):
                    books.summary.shards.append(shard)
                progress(len(outcomes))
        if prune and store is not None:
            gone = ledger.unclaimed()
            store.remove_letters(gone)
            books.summary.pruned = len(gone)
    _write_report(store.directory if store is not None else nquads, books.summary)
    return books.summary


class _Books:
    """The calling process's decisions: which files need building, and which file's letter
    each graph holds after this run, kept in the ledger. Outcomes are taken in path order, so
    the decisions do not depend on which worker finishes first."""

    def __init__(self, ledger: Ledger, force: bool, as_duplicate: Callable[[str, str], LetterOutcome]) -> None:
        self.as_duplicate = as_duplicate  # builds a file again as reusing another's case number
        self.ledger = ledger
        self.force = force
        self.version = pipeline_version(refresh=True)
        self.summary = BuildSummary()

    def work(self, files: Iterable[Path], submit: Callable[[list[str]], Pending],
             batch_size: int) -> Iterator[Pending[list[LetterOutcome]]]:
        """Batches of the files to build, submitted, and the files that need no work, in order."""
        batch: list[str] = []
        for path in files:
            sha = file_sha256(path)
            if sha and (first := self.ledger.first_seen(sha, str(path))):
                yield Ready([LetterOutcome(str(path), "duplicate", sha, stage="duplicate",
                                           reason=f"same content as {first} (built once)")])
                continue
            stored = self.ledger.stored_with(sha) if sha else None
            if stored and not self.force and stored.state.version == self.version:
                yield Ready([LetterOutcome(str(path), "unchanged", sha, stored.graph)])
                continue
            batch.append(str(path))
            if len(batch) >= batch_size:
                yield submit(batch)
                batch = []
        if batch:
            yield submit(batch)

    def take(self, outcomes: list[LetterOutcome]) -> list[LetterOutcome]:
        """Count a batch's outcomes; the letters to load."""
        s, loads = self.summary, []
        for o in outcomes:
            if o.status == "failed":
                s.skipped.append(Skipped(o.path, o.stage, o.reason))
                continue
            if o.status == "duplicate":
                s.duplicates.append(Skipped(o.path, o.stage, o.reason))
                continue
            holder = self.ledger.claim(o.graph, o.sha256, o.path)
            if holder[0] != o.sha256:  # another file's letter has this case number: keep both, this one flagged
                o = self.as_duplicate(o.path, holder[1])
                if o.status == "failed":
                    s.skipped.append(Skipped(o.path, o.stage, o.reason))
                    continue
                self.ledger.claim(o.graph, o.sha256, o.path, replace=True)
            if o.status == "unchanged":
                s.unchanged += 1
                continue
            old = self.ledger.stored(o.graph)
            if old is None:
                s.new += 1
            elif old.sha256 == o.sha256:
                s.rebuilt += 1
            else:
                s.changed += 1
            s.items += o.items
            s.quads += o.quads
            s.warnings += o.warnings
            s.uncoded += o.uncoded
            loads.append(o)
        return loads


def _write_report(directory: Path, summary: BuildSummary) -> None:
    with open(directory / REPORT_NAME, "w", encoding="utf-8") as out:
        for s in summary.skipped + summary.duplicates:
            out.write(json.dumps({"path": s.path, "stage": s.stage, "reason": s.reason}) + "\n")
