"""The store loads a vocabulary-graph quad once per process (kg_build.store.oxigraph_store):
later letters' repeats are left out of the load, and the store still holds every letter's
whole vocabulary share, in one batch or many, in a transaction or bulk-loaded."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from conftest import SHARED
from kg_build.map import record_quads
from kg_build.map.iris import VOCABULARY_GRAPH
from kg_build.pipeline import build, extract_file
from kg_build.store import LetterStore
from kg_build.store import oxigraph_store

LETTERS = sorted((SHARED / "letters").rglob("*.txt"))


class _Recording:
    """The Oxigraph store with every load's N-Quads recorded."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.loaded = store, []

    def load(self, data: bytes | None = None, **kwargs) -> None:
        if data is None:  # a file: the ontology or the criteria catalog
            return self.store.load(**kwargs)
        self.loaded.append(data)
        self.store.load(data, **kwargs)

    def bulk_load(self, data: bytes, **kwargs) -> None:
        self.loaded.append(data)
        self.store.bulk_load(data, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.store, name)


def _vocabulary(store: LetterStore) -> set[ox.Quad]:
    return set(store.store.quads_for_pattern(None, None, None, VOCABULARY_GRAPH))


def _expected_vocabulary() -> set[ox.Quad]:
    return {q for path in LETTERS for q in record_quads(extract_file(path)[0]) if q.graph_name == VOCABULARY_GRAPH}


def test_a_vocabulary_line_already_loaded_is_not_loaded_again(tmp_path):
    store = LetterStore(tmp_path / "store")
    recording = store.store = _Recording(store.store)
    line = b'<https://w3id.org/imr-kg/vocab/x> <http://www.w3.org/2004/02/skos/core#prefLabel> "x" <%s> .\n' % (
        VOCABULARY_GRAPH.value.encode())
    other = line.replace(b'"x"', b'"y"')
    store.replace_letters([], b"", b"", line + line)
    store.replace_letters([], b"", b"", line + other)
    assert recording.loaded == [line, other]
    assert len(_vocabulary(store)) == 2


@pytest.mark.parametrize("batch_size, bulk", [(1, False), (2, True), (100, False)])
def test_the_store_holds_every_letters_vocabulary(tmp_path, batch_size, bulk):
    store = LetterStore(tmp_path / "store", bulk=bulk)
    recording = store.store = _Recording(store.store)
    summary = build(LETTERS, store, validate=False, batch_size=batch_size)
    assert summary.letters == len(LETTERS)
    assert _vocabulary(store) == _expected_vocabulary()
    vocabulary_lines = [line for data in recording.loaded for line in data.splitlines()
                        if line.endswith(b"<%s> ." % VOCABULARY_GRAPH.value.encode())]
    assert len(vocabulary_lines) == len(set(vocabulary_lines))  # each loaded once


def test_a_full_memory_starts_again_and_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(oxigraph_store, "VOCABULARY_MEMORY", 50)
    store = LetterStore(tmp_path / "store")
    build(LETTERS, store, validate=False, batch_size=1)
    assert len(store.vocabulary_loaded) < len(_expected_vocabulary())  # it did start again
    assert _vocabulary(store) == _expected_vocabulary()
