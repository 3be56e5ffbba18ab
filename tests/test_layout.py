"""Layout detection tolerates heading variants and says what it looked for.

The letters here are fictional fragments written for these tests.
"""

from __future__ import annotations

import pytest

from conftest import SHARED
from kg_build.errors import LetterError
from kg_build.ingest import normalize
from kg_build.layout import split_letter

REAL = (SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt").read_text()
FORMAT2 = (SHARED / "letters" / "illustrative" / "illustrative-format2.txt").read_text()
FORMAT3 = (SHARED / "letters" / "illustrative" / "illustrative-format3.txt").read_text()


def _layout(raw: str):
    text = normalize(raw)
    return text, split_letter(text)


@pytest.mark.parametrize(("raw", "fmt", "items"), [
    (REAL, "format1", 2),
    (REAL.replace("IMR ISSUES, DECISIONS AND RATIONALES", "imr issues,   decisions and\nrationales"), "format1", 2),
    (REAL.replace("IMR ISSUES, DECISIONS AND RATIONALES", "IMR ISSUE(S), DECISION(S) AND RATIONALE(S)"), "format1", 2),
    (FORMAT2, "format2", 1),
    (FORMAT2.replace("IMR DECISION(S) AND RATIONALE(S)", "IMR DECISIONS AND RATIONALES"), "format2", 1),
    (FORMAT3, "format3", 1),
    (FORMAT3.replace("RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT \n",
                     "Rationale for Why the Requested\nTreatment/Service Is/Was Not \n"), "format3", 1),
])
def test_layout_variants(raw, fmt, items):
    _, layout = _layout(raw)
    assert layout.format == fmt
    assert len(layout.items) == items


def test_a_letter_without_its_header_page_has_an_empty_header():
    text, layout = _layout(REAL)
    assert layout.header == (0, 0)


def test_format1_item_blocks_hold_their_fields():
    text, layout = _layout(REAL)
    first = layout.items[0]
    assert text[slice(*first.outcome)] == "Upheld"
    assert text[slice(*first.imro)].endswith("Page(s): 60.")
    assert text[slice(*first.rationale)].startswith("The claimant sustained")


def test_a_non_letter_fails_with_what_was_looked_for():
    with pytest.raises(LetterError) as err:
        _layout("Grandma's pancakes\n\nMix flour, eggs and milk. Fry in butter.\n")
    assert "IMR ISSUE(S), DECISION(S) AND RATIONALE(S)" in err.value.reason
    assert "\n" not in err.value.reason


def test_a_truncated_letter_fails_with_a_reason():
    cut = REAL[: REAL.index("Physical therapy (PT)/ Certified")]
    with pytest.raises(LetterError, match="no disputed item"):
        _layout(cut)
