"""`imr-kg extract` on files that are not usable letters: one clear line on stderr per bad
file, no traceback, exit status 1, and the good files of the same call still extracted."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SHARED, TESTS
from kg_build.cli import main
from kg_build.ingest.read import LIMIT_VARIABLE, MAX_BYTES
from pdfs import corrupt_pdf, encrypted_pdf, image_only_pdf

REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
FORMAT2 = SHARED / "letters" / "illustrative" / "illustrative-format2.txt"
GOOD = [REAL, FORMAT2, TESTS / "letters" / "f3-01-mbb-overturned.txt"]
STAGES = {"ingest", "layout", "extract"}

pytestmark = pytest.mark.skipif(not REAL.exists(), reason="needs the shared letters in ../shared/letters")

RECIPE = """Grandma's Chocolate Chip Cookies

Ingredients:
2 1/4 cups all-purpose flour
1 cup butter, softened
3/4 cup sugar
2 eggs
2 cups chocolate chips

Directions:
1. Preheat the oven to 375 F.
2. Beat the butter and sugar until creamy, then add the eggs.
3. Stir in the flour and the chocolate chips.
4. Bake for 9 to 11 minutes or until golden brown.
"""


def _empty_decisions(path: Path) -> None:
    """The real letter cut right after its decisions heading: the section is empty."""
    text = REAL.read_text(encoding="utf-8")
    heading = "IMR ISSUES, DECISIONS AND RATIONALES"
    path.write_text(text[: text.index(heading) + len(heading)] + " \n\n \n", encoding="utf-8")


def _truncated(path: Path) -> None:
    text = REAL.read_text(encoding="utf-8")
    path.write_text(text[: len(text) * 15 // 100], encoding="utf-8")


# name -> (file name, how to write it, what its reason must say: a regex, case-insensitive)
BAD = {
    "empty": ("empty.txt", lambda p: p.write_bytes(b""), r"empty"),
    "whitespace": ("blank.txt", lambda p: p.write_bytes(b"  \n\n\t \r\n   \n"), r"empty"),
    "binary-noise": ("noise.txt", lambda p: p.write_bytes(random.Random(20240501).randbytes(8192)), r"binary"),
    "recipe": ("cookies.txt", lambda p: p.write_text(RECIPE, encoding="utf-8"), r"no IMR letter layout|not an IMR letter"),
    "truncated": ("truncated.txt", _truncated, r"layout|truncated|no disputed item"),
    "empty-decisions": ("no-decisions.txt", _empty_decisions, r"empty.*truncated|no disputed item"),
    "image-only-pdf": ("scan.pdf", image_only_pdf, r"^no text layer: OCR it first$"),
    "encrypted-pdf": ("locked.pdf", encrypted_pdf, r"encrypted"),
    "corrupt-pdf": ("broken.pdf", lambda p: corrupt_pdf(p, how="garbage"), r"corrupt|unreadable|damaged"),
    "truncated-pdf": ("cut.pdf", lambda p: corrupt_pdf(p, how="truncated"), r"corrupt|unreadable|damaged|truncated"),
    "nonexistent": ("missing/not-there.txt", None, r"no such file|not found|does not exist"),
}


def _make(tmp_path: Path, name: str) -> Path:
    file_name, write, _ = BAD[name]
    path = tmp_path / file_name
    if write is not None:
        write(path)
    return path


def _run(*paths: Path):
    return CliRunner().invoke(main, ["extract", *map(str, paths)])


def _check_stderr(stderr: str, bad: list[tuple[Path, str]]) -> None:
    """Exactly one line per bad file, in order: 'PATH: STAGE: reason', the reason meaningful."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == len(bad), f"want one line per bad file, got:\n{stderr}"
    for line, (path, pattern) in zip(lines, bad):
        assert line.startswith(f"{path}: "), line
        stage, _, reason = line[len(f"{path}: "):].partition(": ")
        assert stage in STAGES, line
        assert len(reason) >= 10 and reason[0].isalpha(), f"reason is not meaningful: {line!r}"
        assert re.search(pattern, reason, re.IGNORECASE), f"{path.name}: reason {reason!r} does not match {pattern!r}"


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("name", list(BAD))
def test_bad_file_is_reported_in_one_line(tmp_path, name):
    path = _make(tmp_path, name)
    result = _run(path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 3
    assert result.stdout == ""
    _check_stderr(result.stderr, [(path, BAD[name][2])])


def test_good_files_exit_0_with_one_json_line_each():
    result = _run(*GOOD)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    records = _records(result.stdout)
    assert len(result.stdout.splitlines()) == len(GOOD)
    assert [r["source"]["path"] for r in records] == [str(p) for p in GOOD]
    assert all(r["items"] for r in records)


def test_a_text_letter_named_pdf_is_read_as_text(tmp_path):
    """Content decides, not the extension: a .pdf without a %PDF header that is text is a text letter."""
    path = tmp_path / "letter.pdf"
    shutil.copyfile(REAL, path)
    result = _run(path)
    assert result.exit_code == 0
    [record] = _records(result.stdout)
    assert record["source"]["media_type"] == "text/plain"


def test_mix_of_good_and_bad_files_in_one_call(tmp_path):
    bad = [(_make(tmp_path, name), BAD[name][2]) for name in BAD]
    # good and bad files interleaved
    order = [GOOD[0], *[p for p, _ in bad[:6]], GOOD[1], *[p for p, _ in bad[6:]], GOOD[2]]
    result = _run(*order)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 3
    records = _records(result.stdout)
    assert [r["source"]["path"] for r in records] == [str(p) for p in GOOD]
    _check_stderr(result.stderr, bad)


def test_mix_in_a_real_process_with_a_directory(tmp_path):
    """The installed command, as a shell runs it: real stderr, and a directory argument."""
    folder = tmp_path / "batch"
    folder.mkdir()
    good = folder / "a-good.txt"
    shutil.copyfile(REAL, good)
    bad = [(_make(folder, name), BAD[name][2]) for name in ("binary-noise", "empty", "image-only-pdf", "recipe")]
    bad.sort(key=lambda b: b[0])  # a directory is read in sorted order
    missing = tmp_path / "nope.pdf"
    command = [shutil.which("imr-kg")] if shutil.which("imr-kg") else [sys.executable, "-m", "kg_build.cli"]
    cmd = [*command, "extract", str(folder), str(missing)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert [r["source"]["path"] for r in _records(proc.stdout)] == [str(good)]
    _check_stderr(proc.stderr, [*bad, (missing, BAD["nonexistent"][2])])


def test_a_file_over_the_size_limit_is_refused_and_the_limit_is_configurable(tmp_path, monkeypatch):
    # the option sets the limit in the environment (for worker processes): restore it afterwards
    monkeypatch.setenv(LIMIT_VARIABLE, str(MAX_BYTES))
    big = tmp_path / "thirty-mb.txt"
    with open(big, "wb") as out:  # 30 MB: a sparse file would do, but text is what users feed
        out.write(FORMAT2.read_bytes())
        out.write(b"padding line of a runaway export\n" * (30 * 1024 * 1024 // 33))
    result = _run(big)
    assert result.exit_code == 3 and "over the 20,971,520-byte limit" in result.stderr, result.stderr
    small = CliRunner().invoke(main, ["extract", "--max-letter-bytes", "1000", str(FORMAT2)])
    assert small.exit_code == 3 and "over the 1,000-byte limit" in small.stderr


@pytest.mark.parametrize("name, text", [
    ("one-long-line", lambda: "The claimant " + "has pain and not medically necessary per MTUS " * 25_000),
    ("heading-20000-times", lambda: FORMAT2.read_text() + "\nIMR DECISIONS AND RATIONALES\n" * 20_000),
    ("rationale-20000-times", lambda: "Decision rationale:\n" * 20_000 + FORMAT2.read_text()),
])
def test_pathological_text_finishes_with_a_record_or_one_line(tmp_path, name, text):
    """A hang guard, not a speed test: each took a few seconds when written; the timeout
    only catches runaway backtracking."""
    path = tmp_path / f"{name}.txt"
    path.write_text(text(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kg_build.cli", "extract", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert json.loads(proc.stdout)["items"] is not None
    else:
        assert proc.returncode == 3 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_undecodable_bytes_inside_a_letter_are_read_not_refused(tmp_path):
    """Bytes no text encoding defines (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252)
    inside an otherwise good letter: read as Latin-1, the letter is extracted."""
    data = FORMAT2.read_bytes().replace(b"CLINICAL CASE SUMMARY", b"CLINICAL CASE SUMMARY \x81\x8d\x8f\x90\x9d", 1)
    path = tmp_path / "undecodable.txt"
    path.write_bytes(data)
    result = _run(path)
    assert result.exit_code == 0, result.stderr
    assert _records(result.stdout)[0]["items"]


def test_a_letter_missing_its_case_summary_still_gives_its_decisions(tmp_path):
    text = FORMAT2.read_text()
    start, end = text.index("CLINICAL CASE SUMMARY"), text.index("IMR DECISION(S) AND RATIONALE(S)")
    path = tmp_path / "no-summary.txt"
    path.write_text(text[:start] + text[end:])
    result = _run(path)
    assert result.exit_code == 0, result.stderr
    record = _records(result.stdout)[0]
    assert record["items"][0]["outcome"] == "upheld" and not record["diagnoses"]
