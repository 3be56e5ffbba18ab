"""The stages in order: ingest -> layout -> extract -> link for one letter (`extract_file`),
then map -> validate -> store for a whole build (`build`). A build also loads the ontology
and the criteria catalog into named graphs of their own, so queries can use their labels,
definitions and class hierarchy."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kg_build.errors import LetterError
from kg_build.extract import build_record
from kg_build.ingest import normalize, read_letter
from kg_build.layout import split_letter
from kg_build.link import link_record
from kg_build.map import letter_graph, letter_id, record_quads
from kg_build.extract.catalog import CATALOG
from kg_build.map.iris import CRITERIA_GRAPH, ONTOLOGY_GRAPH
from kg_build.paths import ONTOLOGY
from kg_build.store import LetterStore

LETTER_SUFFIXES = (".txt", ".pdf")
REPORT_NAME = "imr-kg-build-report.jsonl"


def extract_file(path: Path) -> tuple[dict, str]:
    """The extraction record of one letter and the normalised text its spans point into.

    Raises LetterError with a one-line reason when the letter cannot be read.
    """
    raw = read_letter(path)
    text = normalize(raw.text)
    layout = split_letter(text)
    source = {"path": str(path), "sha256": raw.sha256, "media_type": raw.media_type}
    return link_record(build_record(text, layout, source)), text


def letter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The letter files among paths, directories searched recursively in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in LETTER_SUFFIXES and p.is_file())
        else:
            yield path


@dataclass
class Skipped:
    path: str
    stage: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.stage}: {self.reason}"


@dataclass
class BuildSummary:
    letters: int = 0
    items: int = 0
    quads: int = 0
    warnings: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skipped_by_stage(self) -> Counter:
        return Counter(s.stage for s in self.skipped)


def build(paths: Iterable[Path], store: LetterStore, validate: bool = True, batch_size: int = 200,
          progress: Callable[[int], None] = lambda n: None) -> BuildSummary:
    """Extract, map, validate and load every letter under paths; bad letters are skipped and reported."""
    summary = BuildSummary()
    store.replace_graph_from_file(ONTOLOGY_GRAPH, ONTOLOGY / "imr-kg.ttl")
    store.replace_graph_from_file(CRITERIA_GRAPH, CATALOG)
    batch: list[tuple[Path, dict, list]] = []
    for path in letter_files(paths):
        try:
            record, _ = extract_file(path)
            batch.append((path, record, record_quads(record)))
        except LetterError as err:
            summary.skipped.append(Skipped(str(path), err.stage, err.reason))
            progress(1)
        if len(batch) >= batch_size:
            _load(batch, store, validate, summary)
            progress(len(batch))
            batch = []
    if batch:
        _load(batch, store, validate, summary)
        progress(len(batch))
    _write_report(store, summary)
    return summary


def _load(batch: list[tuple[Path, dict, list]], store: LetterStore, validate: bool, summary: BuildSummary) -> None:
    violations: dict[str, list] = {}
    if validate:
        from kg_build.validate import validate_letters

        for result in validate_letters([q for _, _, quads in batch for q in quads]):
            if result.severity == "Violation":
                violations.setdefault(result.letter, []).append(result)
            else:
                summary.warnings += 1
    kept = []
    for path, record, quads in batch:
        found = violations.get(letter_id(record))
        if found:
            first = found[0]
            summary.skipped.append(Skipped(str(path), "validate", f"{len(found)} SHACL violation(s), first: "
                                                                   f"{first.message} ({first.focus})"))
            continue
        kept.append((record, quads))
        summary.letters += 1
        summary.items += len(record["items"])
        summary.quads += len(quads)
    store.replace_letters([letter_graph(r) for r, _ in kept], [q for _, quads in kept for q in quads])


def _write_report(store: LetterStore, summary: BuildSummary) -> None:
    with open(store.directory / REPORT_NAME, "w", encoding="utf-8") as out:
        for s in summary.skipped:
            out.write(json.dumps({"path": s.path, "stage": s.stage, "reason": s.reason}) + "\n")
