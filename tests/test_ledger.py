"""The build's books on disk (kg_build.store.ledger); the builds that use them are in
test_build.py and test_scale.py."""

import sqlite3

import pytest

from kg_build.store import LetterState
from kg_build.store.ledger import Ledger

G = "https://w3id.org/imr-kg/graph/letter/"


def test_the_stored_letters_are_read_with_their_versions():
    hashes = [(G + "a", "1" * 64), (G + "b", "2" * 64)]
    versions = [(G + "a", "v1"), (G + "c", "v9")]  # c has no hash: not a letter the build can match
    with Ledger(iter(hashes), iter(versions)) as ledger:
        assert ledger.stored(G + "a") == LetterState("1" * 64, "v1")
        assert ledger.stored(G + "b") == LetterState("2" * 64, "")  # no commit mark: out of date
        assert ledger.stored(G + "c") is None
        assert ledger.stored_with("2" * 64) == (G + "b", LetterState("2" * 64, ""))
        assert ledger.stored_with("3" * 64) is None


def test_the_first_path_with_a_content_is_remembered():
    with Ledger() as ledger:
        assert ledger.first_seen("f" * 64, "one.txt") is None
        assert ledger.first_seen("f" * 64, "two.txt") == "one.txt"
        assert ledger.first_seen("e" * 64, "three.txt") is None


def test_the_first_claim_on_a_graph_holds_unless_replaced():
    with Ledger() as ledger:
        assert ledger.claim(G + "a", "1" * 64, "one.txt") == ("1" * 64, "one.txt")
        assert ledger.claim(G + "a", "2" * 64, "two.txt") == ("1" * 64, "one.txt")
        assert ledger.claim(G + "a", "2" * 64, "two.txt", replace=True) == ("2" * 64, "two.txt")
        assert ledger.claim(G + "a", "3" * 64, "three.txt") == ("2" * 64, "two.txt")


def test_the_unclaimed_graphs_are_the_stored_ones_no_file_claimed_sorted():
    hashes = [(G + name, name * 64) for name in "dcba"]
    with Ledger(hashes) as ledger:
        ledger.claim(G + "b", "b" * 64, "b.txt")
        ledger.claim(G + "new", "9" * 64, "new.txt")
        assert ledger.unclaimed() == [G + "a", G + "c", G + "d"]


def test_the_books_are_gone_once_the_build_leaves_them():
    with Ledger() as ledger:
        pass
    with pytest.raises(sqlite3.ProgrammingError):
        ledger.first_seen("f" * 64, "one.txt")
