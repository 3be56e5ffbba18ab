"""ICD-10-CM codes for diagnosis mentions, from the diagnosis lexicon (data/diagnoses.csv)."""

from __future__ import annotations

from kg_build.lexicon import lexicon


def link_record(record: dict) -> dict:
    """Give every diagnosis whose normalised name the lexicon knows its ICD-10-CM code."""
    for mention in record["diagnoses"]:
        entry = lexicon("diagnoses").lookup(mention["normalized"] or "")
        mention["codes"] = (
            [{"system": "ICD-10-CM", "code": entry.row["icd10cm"], "label": entry.name, "match": "exact"}]
            if entry and entry.row.get("icd10cm") else []
        )
    return record
