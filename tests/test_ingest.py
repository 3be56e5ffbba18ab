"""Ingest: decoding of every supported encoding, normalisation, redaction, and PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import SHARED
from kg_build.ingest import normalize, read_letter
from kg_build.pipeline import extract_file
from pdfs import letter_pdf

REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
SHARED_LETTERS = sorted((SHARED / "letters").rglob("*.txt"))

pytestmark = pytest.mark.skipif(not REAL.exists(), reason="needs the shared letters in ../shared/letters")


def _fields(record: dict) -> dict:
    """A record without its source (path and sha256 differ between encodings of one letter)."""
    return {k: v for k, v in record.items() if k != "source"}


def _items(record: dict) -> list[tuple]:
    return [(item["service"], item["outcome"]) for item in record["items"]]


def _diagnoses(record: dict) -> list[tuple]:
    return [(d["normalized"], d["laterality"]) for d in record["diagnoses"]]


# --- decoding ---------------------------------------------------------------------------

# The real letter with non-ASCII characters put into it: curly quotes and en dashes (in
# Windows-1252: 0x93, 0x94, 0x96) for cp1252, accented letters for Latin-1. The
# characters go where they cannot change what is extracted, or (the quotes) are folded.
_CP1252 = {'"popping"': "\u201cpopping\u201d", "education, background, and": "education \u2013 background \u2013 and"}
_LATIN1 = {"in active clinical practice for": "in active clinical practice (r\u00e9sum\u00e9 on file, \u00a7 9792) for"}


def _variant(replacements: dict[str, str]) -> str:
    text = REAL.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"the shared letter changed: {old!r} is gone"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def plain_record() -> dict:
    return extract_file(REAL)[0]


@pytest.mark.parametrize(
    ("name", "replacements", "encode"),
    [
        ("utf-8", {**_CP1252, **_LATIN1}, lambda t: t.encode("utf-8")),
        ("utf-8-bom", {**_CP1252, **_LATIN1}, lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
        ("cp1252", _CP1252, lambda t: t.encode("cp1252")),
        ("latin-1", _LATIN1, lambda t: t.encode("latin-1")),
        ("utf-16-le-bom", {**_CP1252, **_LATIN1}, lambda t: t.encode("utf-16")),  # Python writes a BOM
        ("utf-16-be-bom", {**_CP1252, **_LATIN1}, lambda t: b"\xfe\xff" + t.encode("utf-16-be")),
    ],
)
def test_encodings_decode_and_extract_like_utf8(tmp_path, plain_record, name, replacements, encode):
    text = _variant(replacements)
    utf8 = tmp_path / "utf8.txt"
    utf8.write_bytes(text.encode("utf-8"))
    encoded = tmp_path / f"{name}.txt"
    encoded.write_bytes(encode(text))

    if name == "cp1252":  # the bytes the test is about are there
        assert {0x93, 0x94, 0x96} <= set(encoded.read_bytes())
    assert read_letter(encoded).text.lstrip("\ufeff") == text

    want, want_text = extract_file(utf8)
    got, got_text = extract_file(encoded)
    assert got_text == want_text
    assert _fields(got) == _fields(want)
    # and the non-ASCII characters change nothing that is extracted
    assert _items(got) == _items(plain_record)
    assert _diagnoses(got) == _diagnoses(plain_record)
    assert _facts(got["worker"]) == _facts(plain_record["worker"])
    assert _facts(got["reviewer"]) == _facts(plain_record["reviewer"])


def test_curly_quotes_and_en_dash_are_folded_after_decoding(tmp_path):
    path = tmp_path / "cp1252.txt"
    path.write_bytes(_variant(_CP1252).encode("cp1252"))
    text = extract_file(path)[1]
    assert 'with "popping"' in text
    assert "education - background - and" in text
    assert not set(text) & {"\u201c", "\u201d", "\u2013"}


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr-only"])
def test_windows_and_old_mac_line_endings(tmp_path, plain_record, newline):
    path = tmp_path / "letter.txt"
    path.write_bytes(REAL.read_text(encoding="utf-8").replace("\n", newline).encode("utf-8"))
    got = extract_file(path)[0]
    assert _fields(got) == _fields(plain_record)


# --- normalisation ----------------------------------------------------------------------

_WRAPPED = (
    "CLINICAL CASE SUMMARY\n"
    "The injured worker is a 48 year old female who sustained a work related injury on\n"
    "4/18/14 when she slipped on a wet floor at the warehouse where she works as a picker.\n"
    "Treatments have included medications, physical therapy and a home exercise program.\n"
    "She reports ongoing pain.\n"
)


def test_hard_wraps_are_joined():
    text = normalize(_WRAPPED)
    assert "injury on 4/18/14 when she slipped" in text
    assert "picker. Treatments have included" in text
    assert text.startswith("CLINICAL CASE SUMMARY\nThe injured worker")  # a heading keeps its line


def test_empty_line_after_every_line_is_undone():
    double = "".join(line + " \n\n" for line in _WRAPPED.splitlines())
    assert normalize(double) == normalize(_WRAPPED)


def test_the_real_letters_double_spacing_is_undone():
    text = normalize(REAL.read_text(encoding="utf-8"))
    assert "He/she has no affiliation with the employer" in text
    assert "is currently working at least 24 hours a week in active practice" in text
    # paragraphs stay apart: the item heading keeps its own line
    assert "\nMedial branch block for the cervical spine: Upheld\n" in text


_BODY = [
    "The injured worker is a 52 year old male who injured his low back on 03/02/2012 while",
    "lifting a pallet. He has been treated with physical therapy and medications and reports",
    "ongoing low back pain radiating to the left leg with numbness in the foot.",
]


def _paged(pages: list[list[str]], header: str, sep: str) -> str:
    out = []
    for n, body in enumerate(pages, 1):
        out.append("\n".join([header, "", *body, "", f"Page {n} of {len(pages)}"]))
    return sep.join(out) + "\n"


@pytest.mark.parametrize("sep", ["\f", "\n\n"], ids=["form-feeds", "plain-text"])
def test_page_numbers_and_repeated_headers_are_dropped(sep):
    pages = [_BODY, [line.replace("low back", "neck") for line in _BODY], _BODY[1:]]
    text = normalize(_paged(pages, "IMR Case Number CM13-0031175 Final Determination", sep))
    assert "Page 2 of 3" not in text and "Page 1 of 3" not in text and "Page 3 of 3" not in text
    assert "CM13-0031175" not in text
    assert "injured his low back" in text and "injured his neck" in text
    assert text.count("lifting a pallet") == 3


def test_a_body_line_repeated_across_a_page_break_is_kept():
    # the real letter opens both rationales with the same sentence; here item 1's rationale
    # starts on the last line of page 1 and item 2's at the top of page 2
    opening = "Decision rationale: The claimant sustained a work injury in April 2014 as the result of a motor"
    page1 = ["IMR Final Determination CM13-0031175", "", "Medial branch block for the cervical spine: Upheld",
             "", opening, "Page 1 of 2"]
    page2 = ["IMR Final Determination CM13-0031175", "", opening,
             "vehicle accident. Treatments have included medications and physical therapy.", "Page 2 of 2"]
    text = normalize("\n".join(page1) + "\f" + "\n".join(page2) + "\n")
    assert "CM13-0031175" not in text
    assert text.count("Decision rationale: The claimant sustained") == 2


def test_a_lone_page_number_line_is_dropped():
    text = normalize("\n".join(_BODY[:2]) + "\n\n2\n\n" + _BODY[2] + "\n")
    assert "\n2\n" not in text and "pallet. He has been" in text


def test_hyphenated_line_breaks():
    raw = (
        "Criteria include patients with cervical pain that is non-\n"
        "radicular after failure of conservative treat-\n"
        "ment such as physical therapy and a home exercise program, and a self-\n"
        "directed program of stretching and strengthening exercises.\n"
    )
    text = normalize(raw)
    assert "non-radicular" in text
    assert "conservative treatment such as" in text
    assert "self-directed" in text


def test_ligatures_and_curly_quotes_are_folded():
    raw = "There is no signi\ufb01cant \ufb02exion de\ufb01cit. The \u201cpopping\u201d is the patient\u2019s complaint.\n"
    assert normalize(raw) == "There is no significant flexion deficit. The \"popping\" is the patient's complaint.\n"


# --- personal data ----------------------------------------------------------------------

_PERSONAL = (
    "Notice of Independent Medical Review Determination\n"
    "\n"
    "Employee Name: John Q. Sample\n"
    "Claim Number: 12-345678\n"
    "Phone: (916) 555-0142\n"
    "1234 Main Street, Suite 5\n"
    "Sacramento, CA 95814\n"
    "\n"
    "For questions call (800) 555-0199 between 8 and 5.\n"
    "\n"
    "Dear John Q. Sample:\n"
)


def test_personal_data_is_redacted():
    text = normalize(_PERSONAL)
    for secret in ("John", "Sample", "12-345678", "555-0142", "555-0199", "1234 Main Street", "Main Street", "95814"):
        assert secret not in text, f"{secret!r} survived normalisation"
    assert "Employee Name: [redacted]" in text
    assert "Claim Number: [redacted]" in text
    assert "For questions call [redacted] between 8 and 5." in text
    assert text.count("[redacted]") >= 6


def test_redaction_leaves_clinical_text_alone():
    text = normalize("The injured worker is 48 years old. Physical therapy 2 times a week for 4 weeks.\n")
    assert "[redacted]" not in text


# --- PDF --------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", SHARED_LETTERS, ids=lambda p: p.stem)
def test_pdf_of_a_shared_letter_extracts_like_the_txt(tmp_path, letter):
    pdf = letter_pdf(letter.read_text(encoding="utf-8"), tmp_path / (letter.stem + ".pdf"))
    got, text = extract_file(pdf)
    want = extract_file(letter)[0]
    assert got["source"]["media_type"] == "application/pdf"
    assert _items(got) == _items(want)
    assert _diagnoses(got) == _diagnoses(want)
    assert _facts(got["worker"]) == _facts(want["worker"])
    assert "Page 1 of" not in text
    if len(PdfReader(pdf).pages) > 1:  # a one-page PDF's header cannot be told from its text
        assert "Independent Medical Review Final Determination" not in text


def test_pdf_item_heading_after_a_long_rationale_line_keeps_its_line(tmp_path):
    letter = Path(__file__).parent / "letters" / "f1-02-mva-three-items.txt"
    pdf = letter_pdf(letter.read_text(encoding="utf-8"), tmp_path / "f1-02.pdf")
    got, text = extract_file(pdf)
    assert "\nCyclobenzaprine 7.5mg #60: Upheld\n" in text
    assert _items(got) == _items(extract_file(letter)[0])


def _facts(part: dict) -> dict:
    """A record part without its evidence span (offsets differ between encodings and PDF text)."""
    return {k: v for k, v in part.items() if k != "evidence"}
