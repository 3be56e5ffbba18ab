"""Run the SHACL shapes with pyshacl over a batch of letters at once.

Letters mint disjoint IRIs, so a batch can be validated as one data graph (the letters'
triples plus the vocabulary triples they use) and each result attributed to its letter by
its focus node. One pyshacl run per batch amortises pyshacl's start-up cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from kg_build.map.iris import ID, VOCABULARY_GRAPH
from kg_build.paths import SHAPES
from kg_build.store.oxigraph_store import concepts_used


@dataclass(frozen=True)
class ValidationResult:
    letter: str  # the letter's identifier (case number or sha256-...)
    focus: str
    path: str | None
    message: str
    severity: str  # Violation, Warning or Info
    shape: str


@cache
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(str(path), format="turtle")
    return graph


def validate_letters(quads: list[ox.Quad]) -> list[ValidationResult]:
    """SHACL results for every letter among the quads (validated as one graph). A result on a
    shared concept is given to every letter whose graph points to that concept."""
    from pyshacl import validate

    data = rdflib.Graph()
    for q in quads:
        data.add((_term(q.subject), _term(q.predicate), _term(q.object)))
    _, report, _ = validate(data, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    return attribute_to_letters(_results(report), quads)


def attribute_to_letters(results: Iterable[ValidationResult], quads: list[ox.Quad]) -> list[ValidationResult]:
    """The results, each given to the letter of its focus node, and one on a shared concept
    to every letter whose graph points to that concept; sorted. (The compiled validator,
    kg_build.validate.compiled, shares it.)"""
    results = list(results)
    users: dict[str, set[str]] = {}
    for q in quads if any(not _letter_of(r.focus) for r in results) else ():  # the scan costs as much as a check
        if isinstance(q.object, ox.NamedNode) and not q.object.value.startswith(ID):
            users.setdefault(q.object.value, set()).add(_letter_of(q.subject.value))
    attributed = [
        replace(r, letter=letter)
        for r in results
        for letter in ([_letter_of(r.focus)] if _letter_of(r.focus) else sorted(users.get(r.focus, {""})))
    ]
    return sorted(attributed, key=lambda r: (r.letter, r.focus, r.shape, r.message))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(term: ox.Term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:  # rdflib's plain literal, as its N-Triples parser makes it
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def letter_quads_with_vocabulary(store: ox.Store, graph: ox.NamedNode) -> list[ox.Quad]:
    """A letter's graph and the vocabulary triples about the concepts it uses (broader ones too)."""
    quads = list(store.quads_for_pattern(None, None, None, graph))
    for concept in sorted(concepts_used(store, [graph]), key=lambda n: n.value):
        quads += store.quads_for_pattern(concept, None, None, VOCABULARY_GRAPH)
    return quads


def _results(report: rdflib.Graph):
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = str(report.value(result, SH.focusNode))
        path = report.value(result, SH.resultPath)
        yield ValidationResult(
            letter=_letter_of(focus),
            focus=focus,
            path=str(path) if path is not None else None,
            message=str(report.value(result, SH.resultMessage) or ""),
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            shape=str(report.value(result, SH.sourceShape)),
        )


def _letter_of(focus: str) -> str:
    prefix = ID + "letter/"
    return focus[len(prefix):].split("/", 1)[0] if focus.startswith(prefix) else ""
