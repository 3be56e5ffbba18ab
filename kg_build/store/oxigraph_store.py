"""The embedded on-disk store: Oxigraph (pyoxigraph), one named graph per letter.

Loading a batch first drops the named graphs of the batch's letters, so a rebuilt letter
replaces its graph, then adds the batch with Oxigraph's bulk loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg_build.map.iris import GRAPH

LETTER_GRAPHS = GRAPH + "letter/"


class LetterStore:
    def __init__(self, directory: Path, read_only: bool = False) -> None:
        self.directory = directory
        if read_only:
            if not (directory / "CURRENT").exists():
                raise FileNotFoundError(f"{directory} is not an imr-kg store (build one with `imr-kg build`)")
            self.store = ox.Store.read_only(str(directory))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            self.store = ox.Store(str(directory))

    def replace_letters(self, graphs: Iterable[ox.NamedNode], quads: list[ox.Quad]) -> None:
        """Drop the given letters' graphs, then bulk-load the quads (letters and vocabulary)."""
        for graph in graphs:
            if self.store.contains_named_graph(graph):
                self.store.remove_graph(graph)
        self.store.bulk_extend(quads)

    def replace_graph_from_file(self, graph: ox.NamedNode, path: Path) -> None:
        """Load a Turtle file (the ontology) as one named graph, replacing what the graph held."""
        if self.store.contains_named_graph(graph):
            self.store.remove_graph(graph)
        self.store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)

    def letter_graphs(self) -> list[ox.NamedNode]:
        return sorted((g for g in self.store.named_graphs() if g.value.startswith(LETTER_GRAPHS)), key=lambda g: g.value)

    def graph_quads(self, graph: ox.NamedNode) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, graph))

    def __len__(self) -> int:
        return len(self.store)

    def close(self) -> None:
        """Flush, compact and release the store (Oxigraph closes it when the object goes)."""
        self.store.flush()
        self.store.optimize()
        del self.store
