"""Which part of a store an export writes: the whole dataset, or some letters' graphs with the
shared vocabulary they use.

Quads are yielded graph by graph straight from the store, so an export of a large store
streams instead of holding the dataset in memory; `advance` is called once per graph done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg_build.map.iris import IMR, VOCABULARY_GRAPH
from kg_build.store.oxigraph_store import LETTER_GRAPHS, LetterStore, concepts_used

Advance = Callable[[int], None]


class ExportError(Exception):
    """An export that cannot be made; the message is one line for a person."""


@dataclass(frozen=True)
class Selection:
    """The letter graphs to export; `whole` when no letter was asked for (every graph then,
    the ontology and criteria catalog included, for the RDF formats)."""

    letters: tuple[ox.NamedNode, ...]
    whole: bool

    @property
    def graphs(self) -> list[ox.NamedNode]:
        """The graphs a query over the selection reads: its letters and the vocabulary."""
        return [*self.letters, VOCABULARY_GRAPH]


def select(store: LetterStore, letter_ids: Iterable[str] = (), case_numbers: Iterable[str] = ()) -> Selection:
    """The letters named by identifier (graph name, e.g. CM15-0934127 or sha256-...) or by case
    number; none named means the whole store. An unknown one is an ExportError."""
    letter_ids, case_numbers = list(letter_ids), list(case_numbers)
    known = store.letter_graphs()
    if not letter_ids and not case_numbers:
        return Selection(tuple(known), whole=True)
    chosen: dict[str, ox.NamedNode] = {}
    for letter in letter_ids:
        graph = ox.NamedNode(LETTER_GRAPHS + letter)
        if graph not in known:
            raise ExportError(f"no letter {letter!r} in store {store.directory}")
        chosen[graph.value] = graph
    for case in case_numbers:
        graphs = _graphs_of_case(store.store, case)
        if not graphs:
            raise ExportError(f"no letter with case number {case!r} in store {store.directory}")
        chosen.update((g.value, g) for g in graphs)
    return Selection(tuple(chosen[k] for k in sorted(chosen)), whole=False)


def _graphs_of_case(store: ox.Store, case: str) -> list[ox.NamedNode]:
    # case numbers are written in upper case (CM15-0934127); accept any case and spacing
    number = ox.Literal(case.strip().upper())
    found = store.query(f"SELECT DISTINCT ?g ?n WHERE {{ GRAPH ?g {{ ?c <{IMR}caseNumber> ?n }} }}",
                        substitutions={ox.Variable("n"): number})
    return [s["g"] for s in found if s["g"].value.startswith(LETTER_GRAPHS)]


def quads(store: ox.Store, selection: Selection, advance: Advance, letters_only: bool = False) -> Iterator[ox.Quad]:
    """The selection's quads, graph by graph: for the whole store every graph (or, with
    letters_only, the letter graphs and the vocabulary), else the chosen letters' graphs and
    the vocabulary quads about the concepts they use."""
    if selection.whole:
        graphs = selection.graphs if letters_only else _all_graphs(store)
        for graph in graphs:
            yield from store.quads_for_pattern(None, None, None, graph)
            advance(1)
        return
    for graph in selection.letters:
        yield from store.quads_for_pattern(None, None, None, graph)
        advance(1)
    for concept in sorted(concepts_used(store, selection.letters), key=lambda n: n.value):
        yield from store.quads_for_pattern(concept, None, None, VOCABULARY_GRAPH)
    advance(1)


def _all_graphs(store: ox.Store) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph, then the shared graphs (ontology, criteria, vocabulary), then the letters."""
    named = sorted(store.named_graphs(), key=lambda g: (g.value.startswith(LETTER_GRAPHS), g.value))
    return [ox.DefaultGraph(), *named]


def steps(store: ox.Store, selection: Selection, letters_only: bool = False) -> int:
    """How many times `quads` calls advance: the total of a progress bar."""
    if not selection.whole:
        return len(selection.letters) + 1
    return len(selection.graphs) if letters_only else len(_all_graphs(store))

