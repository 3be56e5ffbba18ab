"""The stages in order, for one letter file: ingest -> layout -> extract -> link."""

from __future__ import annotations

from pathlib import Path

from kg_build.extract import build_record
from kg_build.ingest import normalize, read_letter
from kg_build.layout import split_letter
from kg_build.link import link_record


def extract_file(path: Path) -> tuple[dict, str]:
    """The extraction record of one letter and the normalised text its spans point into.

    Raises LetterError with a one-line reason when the letter cannot be read.
    """
    raw = read_letter(path)
    text = normalize(raw.text)
    layout = split_letter(text)
    source = {"path": str(path), "sha256": raw.sha256, "media_type": raw.media_type}
    return link_record(build_record(text, layout, source)), text
