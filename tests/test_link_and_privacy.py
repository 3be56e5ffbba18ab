"""ICD-10-CM linking and the rule that no personal data leaves ingest."""

from __future__ import annotations

import json

import pytest

from conftest import TESTS
from kg_build.link.icd10cm import diagnosis_codes
from kg_build.pipeline import extract_file


@pytest.mark.parametrize(("name", "side", "code", "match"), [
    ("carpal tunnel syndrome", "right", "G56.01", "exact"),
    ("lateral epicondylitis", "left", "M77.12", "exact"),
    ("carpal tunnel syndrome", None, "G56.00", "exact"),
    ("chronic lumbar myofascial pain", None, "M79.18", "close"),
])
def test_diagnosis_codes_follow_laterality_and_containment(name, side, code, match):
    [linked] = diagnosis_codes(name, side)
    assert (linked["code"], linked["match"]) == (code, match)


def test_unknown_diagnosis_gets_no_code():
    assert diagnosis_codes("zebra stripe syndrome", None) == []


def test_laterality_table_is_up_to_date():
    from kg_build.lexicon import load_csv
    from kg_build.link.laterality_table import lateral_codes

    table = {row["code"]: row for row in load_csv("icd10cm_laterality.csv")}
    for code in sorted({row["icd10cm"] for row in load_csv("diagnoses.csv")}):
        sides = lateral_codes(code)
        if sides:
            assert {k: v for k, v in table[code].items() if k != "code" and v} == sides, code


def test_personal_data_of_an_unredacted_letter_is_not_in_the_record():
    gold = json.loads((TESTS / "gold" / "f2-03-no-ca-guideline-personal-data.gold.json").read_text())
    record, text = extract_file(TESTS / "letters" / "f2-03-no-ca-guideline-personal-data.txt")
    dumped = json.dumps(record)
    assert gold["_personal_data"]
    for value in gold["_personal_data"]:
        assert value not in dumped and value not in text, value
