"""No personal data reaches the built store. An unredacted letter (fictional: the test letter
f2-03 with more personal fields written in, as letters sent to the parties carry them) is
built with `imr-kg build`; no name, claim number, address, phone number, date of birth or
social security number appears in any IRI or literal of any graph."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from click.testing import CliRunner

from conftest import TESTS
from kg_build.cli import main

LETTER = TESTS / "letters" / "f2-03-no-ca-guideline-personal-data.txt"
GOLD = TESTS / "gold" / "f2-03-no-ca-guideline-personal-data.gold.json"
# fictional values, written into the letter's header below the worker's name
EXTRA = {
    "Employee Address": "4417 Sycamore Bend Lane, Visalia, CA 93291",
    "Employee Phone": "(559) 555-0142",
    "Date of Birth": "02/14/1969",
    "SSN": "512-44-7781",
}


def _unredacted(directory: Path) -> Path:
    text = LETTER.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("Employee Name:"))
    extra = "\n".join(f"{label}: {value}" for label, value in EXTRA.items())
    path = directory / "unredacted-fictional.txt"
    path.write_text(text.replace(line, line + "\n" + extra), encoding="utf-8")
    return path


def _values() -> list[str]:
    personal = json.loads(GOLD.read_text())["_personal_data"] + list(EXTRA.values())
    pieces = ["Lorna", "Sycamore", "555-0142", "5550142", "512-44-7781", "02/14/1969", "1969-02-14"]
    return sorted({*personal, *pieces})


def test_no_personal_data_in_any_iri_or_literal_of_the_store(tmp_path):
    store_dir = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", str(_unredacted(tmp_path)), "--store", str(store_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    store = ox.Store.read_only(str(store_dir))
    dumped = store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    assert len(store) > 100  # the letter was built
    for value in _values():
        for form in {value, value.lower(), quote(value), quote(value.replace(" ", "_"))}:
            assert form not in dumped, f"{value!r} found in the store as {form!r}"
