"""Shared by the benchmark scripts: where the letters are, and the record of a text."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LETTER_GLOBS = [
    (ROOT / "examples" / "letters", "*.txt"),
    (ROOT / "tests" / "letters", "*.txt"),
    (SHARED / "letters", "**/*.txt"),
]

for extra in (ROOT, ROOT / "tests"):  # kg_build (when not installed) and tests/pdfs.py
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def letter_files() -> list[Path]:
    """Every available letter: example, test and shared letters (.txt)."""
    files: list[Path] = []
    for folder, pattern in LETTER_GLOBS:
        if folder.is_dir():
            files.extend(sorted(p for p in folder.glob(pattern) if p.is_file()))
    return files


def short(path: Path) -> str:
    for base in (ROOT, SHARED.parent):
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def record_of(raw_text: str, source: dict | None = None) -> dict:
    """Raw letter text -> linked extraction record (normalise, layout, extract, link)."""
    from kg_build.extract import build_record
    from kg_build.ingest import normalize
    from kg_build.layout import split_letter
    from kg_build.link import link_record

    text = normalize(raw_text)
    return link_record(build_record(text, split_letter(text), source or {"path": "-", "sha256": "-", "media_type": "-"}))


def items_key(record: dict) -> list[tuple]:
    return [(item["service"], item["outcome"]) for item in record["items"]]


def diagnoses_key(record: dict) -> list[tuple]:
    return [(d["normalized"] or d["text"], d["laterality"]) for d in record["diagnoses"]]
