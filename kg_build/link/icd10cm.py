"""ICD-10-CM codes for diagnosis mentions, from the diagnosis lexicon (data/diagnoses.csv).

A mention whose name the lexicon knows gets that entry's code ("exact"); one that only
contains a known diagnosis ("left knee medial meniscus tear") gets the contained one's code
as a "close" match. Laterality picks the right/left/bilateral code of the same concept from
data/icd10cm_laterality.csv, generated from the ICD-10-CM code set by
`python -m kg_build.link.laterality_table`.
"""

from __future__ import annotations

from functools import cache

from kg_build.lexicon import Entry, lexicon, load_csv
from kg_build.text import Doc


def link_diagnoses(record: dict) -> dict:
    for mention in record["diagnoses"]:
        entry, _ = _entry(mention["normalized"] or "")
        mention["concept"] = entry.name if entry else None
        mention["codes"] = diagnosis_codes(mention["normalized"] or "", mention.get("laterality"))
    return record


def diagnosis_codes(name: str, laterality: str | None) -> list[dict]:
    entry, match = _entry(name)
    if entry is None or not entry.row.get("icd10cm"):
        return []
    code = entry.row["icd10cm"]
    code = _lateral().get(code, {}).get(laterality or "", code)
    return [{"system": "ICD-10-CM", "code": code, "label": entry.name, "match": match}]


@cache
def _entry(name: str) -> tuple[Entry | None, str]:
    known = lexicon("diagnoses")
    if entry := known.lookup(name):
        return entry, "exact"
    found = known.find(Doc(name))
    if found:
        longest = max(found, key=lambda m: m.end - m.start)
        return longest.entry, "close"
    return None, ""


@cache
def _lateral() -> dict[str, dict[str, str]]:
    return {row["code"]: {side: row[side] for side in ("right", "left", "bilateral") if row[side]}
            for row in load_csv("icd10cm_laterality.csv")}
