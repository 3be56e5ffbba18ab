"""RDF exports: N-Quads and TriG (named graphs kept), Turtle (the union of the graphs, as
triples) and JSON-LD compacted with the project's published context (ontology/context.jsonld).

Every format streams graph by graph from the store: only JSON-LD holds one graph at a time
in memory (to compact it), the others never more than the serialiser's buffer.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg_build.map.iris import PREFIXES
from kg_build.paths import ONTOLOGY
from kg_build.store.oxigraph_store import LETTER_GRAPHS
from kg_build.use.export.selection import Advance, Selection, quads

CONTEXT = ONTOLOGY / "context.jsonld"
_SERIALISERS = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def write_dataset(store: ox.Store, selection: Selection, fmt: str, path: Path, advance: Advance) -> None:
    """nq or trig: every quad of the selection, in its named graph."""
    ox.serialize(quads(store, selection, advance), str(path), _SERIALISERS[fmt], prefixes=PREFIXES)


def write_turtle(store: ox.Store, selection: Selection, path: Path, advance: Advance) -> None:
    """The union of the selected graphs as triples."""
    ox.serialize(_union(quads(store, selection, advance)), str(path), ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _union(source: Iterator[ox.Quad]) -> Iterator[ox.Triple]:
    # Letter graphs share no triple with any other graph (their subjects are the letter's own
    # IRIs), so only the shared graphs (vocabulary, criteria catalog, ontology) need deduplicating.
    seen: set[ox.Triple] = set()
    for quad in source:
        triple = quad.triple
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value.startswith(LETTER_GRAPHS):
            yield triple
        elif triple not in seen:
            seen.add(triple)
            yield triple


def write_jsonld(store: ox.Store, selection: Selection, path: Path, advance: Advance) -> None:
    """One JSON-LD document: a node per named graph holding its compacted nodes. The document
    refers to the context by the relative IRI `context.jsonld`, which is copied beside it, so
    a JSON-LD processor resolves it offline."""
    context = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    shutil.copyfile(CONTEXT, path.parent / CONTEXT.name)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": "%s",\n "@graph": [' % CONTEXT.name)
        first = True
        for graph, group in itertools.groupby(quads(store, selection, advance), key=lambda q: q.graph_name):
            for node in _compacted(graph, list(group), context):
                out.write(("\n" if first else ",\n") + json.dumps(node, ensure_ascii=False, sort_keys=True))
                first = False
        out.write("\n]}\n")


def _compacted(graph: ox.NamedNode | ox.DefaultGraph, group: list[ox.Quad], context: dict) -> list[dict]:
    """The top-level nodes of one graph compacted with the context: a named graph is one node
    with its own @graph; the default graph's nodes stand alone."""
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(data=ox.serialize(group, format=ox.RdfFormat.N_QUADS), format="nquads")
    document = json.loads(dataset.serialize(format="json-ld", context=context, auto_compact=True))
    document.pop("@context", None)
    if isinstance(graph, ox.NamedNode):
        return [_ordered(document)]
    return [_ordered(node) for node in document.get("@graph", [document])]


def _ordered(value, is_list: bool = False):
    """The same value with nodes sorted by id and unordered multiple values sorted (an @list
    keeps its order), so that exporting the same store twice gives the same file (rdflib
    follows hash order)."""
    if isinstance(value, dict):
        return {k: _ordered(v, k == "@list") for k, v in value.items()}
    if isinstance(value, list):
        items = [_ordered(v) for v in value]
        return items if is_list else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value
