"""`imr-kg criteria discover`: criteria the catalog does not know, grouped with their near
duplicates, on fictional letters written here.

Each fictional letter is the illustrative format2 letter under a new case number, with its
guideline sentence (the catalog's proton pump inhibitor criteria) replaced by a criterion the
catalog does not know. Three letters phrase it three slightly different ways; a fourth adds a
word, which gives it another identifier, so only the near-duplicate grouping puts it with them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SHARED
from kg_build.cli import main
from kg_build.extract.catalog import catalog
from kg_build.pipeline import extract_file

FORMAT2 = SHARED / "letters" / "illustrative" / "illustrative-format2.txt"
REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
WORDINGS = [
    "Treatment requires a signed attestation from the employer.",
    "treatment requires signed attestations from the employer.",
    "The treatment requires an employer's signed attestation.",
]
ANOTHER_WORD = "Treatment requires a signed written attestation from the employer."
TOPIC = "NSAIDs, GI symptoms & cardiovascular risk"  # the IMRO reviewer's citation in the format2 letter


def fictional_letter(directory: Path, n: int, criterion: str) -> Path:
    text = FORMAT2.read_text()
    start = text.index("The guidelines support a proton pump inhibitor")
    end = text.index("or high dose or multiple NSAIDs.", start) + len("or high dose or multiple NSAIDs.")
    path = directory / f"attestation-{n}.txt"
    path.write_text((text[:start] + criterion + text[end:]).replace("CM13-0031175", f"CM13-09920{n:02d}"))
    return path


@pytest.fixture
def letters(tmp_path) -> Path:
    directory = tmp_path / "letters"
    directory.mkdir()
    for n, wording in enumerate(WORDINGS, start=1):
        fictional_letter(directory, n, wording)
    return directory


def discover(*args: str):
    result = CliRunner().invoke(main, ["criteria", "discover", *args, "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout), result.stderr


def _uncatalogued(paths: list[Path]) -> dict[str, str]:
    """criterion id -> wording, of the criteria of these letters that match no catalog criterion,
    as `criteria discover` reads them (the candidates the status model would not drop)."""
    return {c["criterion_id"]: c["text"] for path in paths for item in extract_file(path, candidates=True)[0]["items"]
            for c in item["criteria"] if c.get("criterion_label") is None}


def test_the_three_wordings_are_one_candidate(letters):
    found, stderr = discover(str(letters))
    assert stderr == ""
    assert len(found) == 1, found
    (candidate,) = found
    assert (candidate["count"], candidate["letters"], candidate["wordings"]) == (3, 3, 3)
    assert candidate["criterion"] in [w.rstrip(".") for w in WORDINGS]
    assert candidate["topics"] == TOPIC
    # case, plurals, small words and word order do not change the identifier, so the three
    # wordings are one uncatalogued criterion before any near-duplicate grouping
    ids = candidate["ids"].split()
    assert len(ids) == 1 and ids[0].startswith("uncatalogued-")
    assert set(_uncatalogued(sorted(letters.glob("*.txt")))) == set(ids)


def test_a_near_duplicate_with_another_identifier_is_grouped_with_them(letters):
    fictional_letter(letters, 4, ANOTHER_WORD)
    ids = _uncatalogued(sorted(letters.glob("*.txt")))
    assert len(ids) == 2  # 'written' is a content word: another identifier
    (candidate,) = discover(str(letters))[0]
    assert (candidate["count"], candidate["letters"], candidate["wordings"]) == (4, 4, 4)
    assert sorted(candidate["ids"].split()) == sorted(ids)
    # a similarity threshold above theirs keeps the two identifiers apart
    strict = discover(str(letters), "--similarity", "0.95", "--min-count", "1")[0]
    assert [(c["count"], len(c["ids"].split())) for c in strict] == [(3, 1), (1, 1)]
    assert strict[1]["criterion"] == ANOTHER_WORD.rstrip(".")
    # --min-count filters by the grouped count
    assert discover(str(letters), "--min-count", "5")[0] == []


def test_catalog_criteria_are_not_listed(letters):
    catalog_ids = {c.id for c in catalog()}
    known = [FORMAT2, REAL]
    extracted = [c for path in known for item in extract_file(path)[0]["items"] for c in item["criteria"]]
    assert {c["criterion_id"] for c in extracted} & catalog_ids  # these letters state catalog criteria
    found, _ = discover(str(letters), *map(str, known), "--min-count", "1")
    listed = {i for c in found for i in c["ids"].split()}
    assert listed == set(_uncatalogued([*sorted(letters.glob("*.txt")), *known]))
    assert not listed & catalog_ids and all(i.startswith("uncatalogued-") for i in listed)
    labels = {c.label.lower() for c in catalog()}
    assert not {c["criterion"].lower() for c in found} & labels
    # a letter alone lists only its own uncatalogued criteria, if any
    for path in known:
        alone = discover(str(path), "--min-count", "1")[0]
        assert {i for c in alone for i in c["ids"].split()} == set(_uncatalogued([path]))


def test_a_bad_file_is_reported_and_the_run_goes_on(letters):
    (letters / "not-a-letter.txt").write_text("This is a shopping list: eggs, milk and bread.\n")
    (letters / "broken.pdf").write_bytes(b"%PDF-1.4 this is no PDF")
    found, stderr = discover(str(letters))
    assert [c["count"] for c in found] == [3]  # the three letters are still read
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert any(line.startswith(str(letters / "not-a-letter.txt") + ": layout:") for line in lines), stderr
    assert any(line.startswith(str(letters / "broken.pdf") + ": ingest:") for line in lines), stderr


def test_table_and_csv_formats(letters):
    runner = CliRunner()
    csv_run = runner.invoke(main, ["criteria", "discover", str(letters), "--format", "csv"])
    assert csv_run.exit_code == 0, csv_run.output
    header, row, *rest = csv_run.stdout.strip().splitlines()
    assert header == "count,letters,criterion,topics,wordings,ids" and row.startswith("3,3,") and rest == []
    table = runner.invoke(main, ["criteria", "discover", str(letters)])
    assert table.exit_code == 0 and "1 candidate(s)" in table.stdout
