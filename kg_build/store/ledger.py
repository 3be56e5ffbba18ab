"""The books of a build, on disk: what the store held when the build began (each letter
graph's file hash and pipeline version), the first file seen with each content, and which
file's letter each graph holds after this run.

They live in a private temporary SQLite database (`sqlite3.connect("")`: on disk, deleted
when closed) rather than in Python dicts, so that the building process's memory does not
grow with the corpus: as dicts they cost about 1 KB a letter, which is 2 GB at the two
million letters DWC has posted, while SQLite keeps a page cache of bounded size and the
rest on disk (`benchmarks/books_memory.py` measures both). Nothing here outlives the build:
the store itself is the state between builds (kg_build.store.oxigraph_store).
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, NamedTuple

from kg_build.store.oxigraph_store import LetterState

# Scratch data: no journal and no syncing, since a crash loses nothing the store does not hold.
_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE stored (graph TEXT PRIMARY KEY, sha256 TEXT NOT NULL, version TEXT NOT NULL DEFAULT '')
    WITHOUT ROWID;
CREATE INDEX stored_by_sha256 ON stored (sha256);
CREATE TABLE first_seen (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE claims (graph TEXT PRIMARY KEY, sha256 TEXT NOT NULL, path TEXT NOT NULL) WITHOUT ROWID;
"""


class StoredLetter(NamedTuple):
    graph: str
    state: LetterState


class Ledger:
    """The books of one build; a context manager, whose database is deleted on leaving it.

    hashes and versions are (graph, value) pairs of the stored letters, streamed from the
    store. A version for a graph without a hash is ignored; a graph without a version (no
    commit mark) is kept with version '', so it is out of date."""

    def __init__(self, hashes: Iterable[tuple[str, str]] = (), versions: Iterable[tuple[str, str]] = ()) -> None:
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.executescript(_SCHEMA)
        with self.db:  # the store's state in one transaction, not one per row
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO stored (graph, sha256) VALUES (?, ?)", hashes)
            self.db.executemany("UPDATE stored SET version = ?2 WHERE graph = ?1", versions)

    def stored(self, graph: str) -> LetterState | None:
        """The stored letter of this graph, as the build found it."""
        row = self.db.execute("SELECT sha256, version FROM stored WHERE graph = ?", (graph,)).fetchone()
        return LetterState(*row) if row else None

    def stored_with(self, sha256: str) -> StoredLetter | None:
        """The stored letter graph built from a file with this content, and its state."""
        row = self.db.execute("SELECT graph, sha256, version FROM stored WHERE sha256 = ? ORDER BY graph LIMIT 1",
                              (sha256,)).fetchone()
        return StoredLetter(row[0], LetterState(row[1], row[2])) if row else None

    def first_seen(self, sha256: str, path: str) -> str | None:
        """The earlier path of this build with this content; None, and path is recorded as
        the first, when there was none."""
        if self.db.execute("INSERT OR IGNORE INTO first_seen VALUES (?, ?)", (sha256, path)).rowcount:
            return None
        return self.db.execute("SELECT path FROM first_seen WHERE sha256 = ?", (sha256,)).fetchone()[0]

    def claim(self, graph: str, sha256: str, path: str, *, replace: bool = False) -> tuple[str, str]:
        """(sha256, path) of the file whose letter holds the graph in this build: the first
        to claim it, or this one when replace is set."""
        verb = "REPLACE" if replace else "IGNORE"
        if self.db.execute(f"INSERT OR {verb} INTO claims VALUES (?, ?, ?)", (graph, sha256, path)).rowcount:
            return sha256, path
        return self.db.execute("SELECT sha256, path FROM claims WHERE graph = ?", (graph,)).fetchone()

    def unclaimed(self) -> list[str]:
        """The stored letter graphs that no file of this build claimed, sorted."""
        return [g for (g,) in self.db.execute(
            "SELECT graph FROM stored WHERE graph NOT IN (SELECT graph FROM claims) ORDER BY graph")]

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()
