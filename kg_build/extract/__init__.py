"""Extract: a letter's normalised text and layout -> the extraction record (a plain dict)."""

from kg_build.extract.record import build_record

__all__ = ["build_record"]
