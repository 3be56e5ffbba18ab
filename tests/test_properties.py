"""Property tests (hypothesis): whatever text a file holds, extraction gives a record that
the schema accepts or one clean LetterError; and every record the extractor gives maps to a
graph with no SHACL violation. Letters are mutated from the shared and fictional ones by
dropping, repeating, swapping and inserting lines, and by cutting them short."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ALL_LETTERS, SHARED
from kg_build.errors import LetterError
from kg_build.map import record_quads
from kg_build.pipeline import extract_file
from kg_build.validate import validate_letters

SCHEMA = json.loads((SHARED / "schemas" / "letter-record.schema.json").read_text())
LETTERS = [p.read_text(encoding="utf-8") for p in ALL_LETTERS]
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

pytestmark = pytest.mark.skipif(not LETTERS, reason="needs the shared letters in ../shared/letters")


def _extract(tmp_path: Path, text: str) -> dict | None:
    """The record of a letter file holding text, or None after a clean LetterError."""
    path = tmp_path / "letter.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        record, _ = extract_file(path)
    except LetterError as err:
        assert err.stage and err.reason and "\n" not in err.reason
        return None
    jsonschema.validate(record, SCHEMA)
    return record


@st.composite
def mutated_letters(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(LETTERS)).splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "repeat", "swap", "insert", "cut"]))
        if edit == "drop":
            del lines[i]
        elif edit == "repeat":
            lines[i:i] = [lines[i]] * draw(st.integers(1, 30))
        elif edit == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif edit == "insert":
            lines.insert(i, draw(st.text(max_size=120)))
        else:
            lines = lines[: max(i, 1)]
    return "\n".join(lines)


@SETTINGS
@given(text=st.text(max_size=3000))
def test_arbitrary_text_gives_a_valid_record_or_a_clean_error(tmp_path, text):
    _extract(tmp_path, text)


@SETTINGS
@given(text=mutated_letters())
def test_every_record_of_a_mutated_letter_is_valid_and_maps_to_a_conforming_graph(tmp_path, text):
    record = _extract(tmp_path, text)
    if record is not None:
        violations = [r for r in validate_letters(record_quads(record)) if r.severity == "Violation"]
        assert not violations, violations[:3]
