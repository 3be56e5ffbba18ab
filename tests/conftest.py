"""Shared fixtures: the letters and answer keys of ../shared and of tests/ (fictional)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg_build.use.output import python_value

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TESTS = Path(__file__).resolve().parent


def letter_for(gold: Path) -> Path:
    """The letter an answer key belongs to (same base name, .txt)."""
    name = gold.name.removesuffix(".gold.json")
    for folder in (SHARED / "letters", TESTS / "letters"):
        found = sorted(folder.rglob(f"{name}.txt"))
        if found:
            return found[0]
    raise FileNotFoundError(f"no letter for {gold}")


SHARED_GOLD = sorted((SHARED / "gold").glob("*.gold.json"))
TEST_GOLD = sorted((TESTS / "gold").glob("*.gold.json"))
ALL_LETTERS = sorted(
    [*(SHARED / "letters").rglob("*.txt"), *(TESTS / "letters").glob("*.txt"), *(ROOT / "examples" / "letters").glob("*.txt")]
)


def query_rows(store, name: str, **params: str) -> list[dict]:
    """The rows of a shipped query as dicts of Python values."""
    from kg_build.use.query import load_query, run

    solutions = run(store, load_query(name), params)
    columns = [v.value for v in solutions.variables]
    return [{c: python_value(s[c]) for c in columns} for s in solutions]


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads((SHARED / "schemas" / "letter-record.schema.json").read_text())


def build_store(directory: Path, *paths: Path) -> Path:
    """A store of the letters under paths, unvalidated (as the query tests read it); fails
    when a letter is skipped."""
    from kg_build.pipeline import build
    from kg_build.store import LetterStore

    store = LetterStore(directory)
    summary = build(list(paths), store, validate=False)
    assert not summary.skipped, [s.line() for s in summary.skipped]
    store.close()
    return directory


@pytest.fixture(scope="session")
def letters_store_dir(tmp_path_factory) -> Path:
    """A store of tests/letters, built once per session: open it read-only."""
    return build_store(tmp_path_factory.mktemp("letters-store"), TESTS / "letters")
