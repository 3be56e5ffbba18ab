"""Ingest: file bytes -> normalised letter text."""

from kg_build.ingest.normalize import normalize
from kg_build.ingest.read import RawLetter, read_letter

__all__ = ["RawLetter", "normalize", "read_letter"]
