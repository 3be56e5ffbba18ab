"""Every record is valid against the shared schema and every span points at its text."""

from __future__ import annotations

import re

import jsonschema
import pytest

from conftest import ALL_LETTERS
from kg_build.pipeline import extract_file


def _spans(record: dict):
    """(what, span, expected text) for every span-carrying value of a record."""
    for key in ("case", "worker", "injury", "reviewer"):
        if record[key].get("evidence"):
            yield key, record[key]["evidence"]["span"], record[key]["evidence"]["text"]
    for key in ("diagnoses", "prior_treatments", "findings"):
        for m in record[key]:
            yield key, m["span"], m["text"]
    for item in record["items"]:
        yield "request", item["request_span"], item["request"]
        yield "rationale", item["rationale"]["span"], item["rationale"]["text"]
        for g in item["guidelines"]:
            yield "guideline", g["span"], g["text"]
        for c in item["criteria"]:
            yield "criterion", c["span"], c["text"]
            if c.get("evidence_span"):
                yield "evidence", c["evidence_span"], c["evidence"]


@pytest.fixture(scope="module", params=ALL_LETTERS, ids=lambda p: p.stem)
def extracted(request):
    return extract_file(request.param)


def test_record_is_valid_against_the_schema(extracted, schema):
    record, _ = extracted
    jsonschema.validate(record, schema, format_checker=jsonschema.FormatChecker())


def test_every_span_points_at_its_text(extracted):
    record, text = extracted
    spans = list(_spans(record))
    assert spans
    for what, (start, end), expected in spans:
        assert text[start:end] == expected, what


def test_every_item_has_a_rationale_and_an_imro_citation(extracted):
    record, _ = extracted
    for item in record["items"]:
        assert item["rationale"]["text"]
        assert any(g["cited_by"] == "imro" for g in item["guidelines"]), item["request"]


def test_no_citation_keeps_the_words_that_introduce_it(extracted):
    """'The Claims Administrator based its decision on ...' leaves nothing of its lead-in in
    the document, chapter or topic read from the citation."""
    record, _ = extracted
    for item in record["items"]:
        for g in item["guidelines"]:
            for key in ("document", "chapter", "topic"):
                assert not re.search(r"\b(?:based|relied|decision|determination)\b", g.get(key) or "", re.I), (key, g)
