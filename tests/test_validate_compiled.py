"""The compiled SHACL validator (kg_build.validate.compiled) gives pyshacl's results.

Both validators run on one batch: every shipped letter (tests, examples and ../shared), the
mutated copies of tests/test_shapes.py (every case, so every shape fires at least once),
and a few letters whose extraction records were changed before mapping. The results must be
the same multiset of (letter, focus, shape, severity, message, path); the path is compared
when it is an IRI (for sh:alternativePath pyshacl reports a blank node's id). Small
synthetic shapes cover the features the shapes file does not use yet, and the features the
compiler refuses must raise ShapesNotSupported.
"""

from __future__ import annotations

import copy
from collections import Counter
from functools import cache

import pyoxigraph as ox
import pytest
import rdflib

from conftest import ALL_LETTERS
from kg_build.map import record_quads
from kg_build.pipeline import extract_file
from kg_build.validate import compiled, shacl
from kg_build.validate.compiled import ShapesNotSupported, compile_shapes
from test_shapes import BASE_LETTER, CASES, SHAPES_NS, base_letter, group, mutated, renamer, rule_shapes, shapes


def key(r: shacl.ValidationResult) -> tuple:
    iri_path = r.path if r.path and not r.path.startswith(("(", "^", "<")) and "://" in r.path else None
    return r.letter, r.focus, r.shape, r.severity, r.message, iri_path


def record_mutations() -> list:
    """Records of the base letter changed as a faulty extractor could, each its own letter."""
    def change(number: str, edit) -> dict:
        record = copy.deepcopy(extract_file(BASE_LETTER)[0])
        record["case"]["case_number"] = f"CM15-09{number}"
        edit(record)
        return record

    def set_item(field, value):
        return lambda r: r["items"][0].__setitem__(field, value)

    return [
        change("00001", set_item("medically_necessary", True)),  # contradicts the upheld outcome
        change("00002", lambda r: r["worker"].__setitem__("age", 130)),
        change("00003", lambda r: r["case"].__setitem__("decision_date", "2001-01-01")),  # before the denial
        change("00004", set_item("request", "")),
        change("00005", lambda r: r["case"].__setitem__("priority", None)),
    ]


@cache
def batch() -> list[ox.Quad]:
    lid, triples = base_letter()
    quads = [q for path in ALL_LETTERS for q in record_quads(extract_file(path)[0])]
    for k, members in enumerate(group([mutated(c) for c in CASES]), start=1):
        rename, changed = renamer(lid, f"-m{k}"), set(triples)
        for m in members:
            changed = (changed - m.removed) | m.added
        quads += [ox.Quad(rename(s), p, rename(o)) for s, p, o in changed]
    for record in record_mutations():
        quads += record_quads(record)
    return quads


@pytest.fixture(scope="module")
def both() -> tuple[list, list]:
    quads = batch()
    return shacl.validate_letters(quads), compiled.validate_letters(quads)


def test_same_results_as_pyshacl_on_letters_and_mutations(both):
    reference, fast = both
    missing, extra = Counter(map(key, reference)) - Counter(map(key, fast)), Counter(map(key, fast)) - Counter(map(key, reference))
    assert not missing and not extra, f"only pyshacl: {sorted(missing)}\nonly compiled: {sorted(extra)}"


def test_a_store_of_the_quads_gives_the_results_of_the_quads(both):
    # a build loads its N-Quads text into an in-memory store and validates that
    store = ox.Store()
    store.load(ox.serialize(batch(), format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    assert compiled.validate_letters(store) == both[1]


def test_every_mutation_case_fires_in_the_compiled_results(both):
    _, fast = both
    fired = {r.shape.removeprefix(SHAPES_NS) for r in fast}
    assert {c.shape for c in CASES} <= fired
    assert {r.letter for r in fast if r.shape.endswith("DecisionOutcomeConsistencyShape")} >= {"CM15-0900001"}


def test_sorted_and_attributed_as_pyshacl(both):
    reference, fast = both
    assert [(r.letter, r.focus, r.shape) for r in fast] == [(r.letter, r.focus, r.shape) for r in reference]


# --- features the shapes file does not use (yet): synthetic shapes against pyshacl ------

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
"""

SHAPES = PREFIXES + """
ex:A a sh:NodeShape ; sh:targetClass ex:Thing ; sh:message "A" ;
    sh:property [ sh:path ex:name ; sh:pattern "^ab+c$" ; sh:flags "i" ; sh:maxLength 4 ; sh:message "name" ] ,
        [ sh:path ex:n ; sh:minCount 2 ; sh:maxCount 2 ; sh:maxInclusive 10 ; sh:minExclusive 0 ; sh:message "n" ] ,
        [ sh:path ex:when ; sh:datatype xsd:date ; sh:message "when" ] ,
        [ sh:path ex:ok ; sh:datatype xsd:boolean ; sh:message "ok" ] ,
        [ sh:path ex:label ; sh:datatype rdf:langString ; sh:message "label" ] ,
        [ sh:path ex:part ; sh:or ( ex:Part [ sh:datatype xsd:string ] ) ; sh:class ex:Part ; sh:message "part" ] ,
        [ sh:path ex:part ; sh:qualifiedValueShape ex:Part ; sh:qualifiedMaxCount 1 ; sh:message "qualified" ] ,
        [ sh:path ex:part ; sh:not ex:Soft ; sh:message "not soft" ] ,
        [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ; sh:message "owned" ] ,
        [ sh:path ex:n ; sh:deactivated true ; sh:maxCount 0 ; sh:message "never" ] ,
        [ sh:path ex:lo ; sh:lessThanOrEquals ex:hi ; sh:message "lo" ] ,
        [ sh:path ex:word ; sh:minInclusive "b" ; sh:message "word" ] .
ex:Part a sh:NodeShape ; sh:property [ sh:path ex:size ; sh:minCount 1 ; sh:in ( 1 2 3 ) ] .
ex:Soft a sh:NodeShape ; sh:severity sh:Warning ; sh:property [ sh:path ex:size ; sh:hasValue 9 ] .
ex:B a sh:NodeShape ; sh:targetSubjectsOf ex:tag ; sh:targetNode ex:lonely ; sh:hasValue ex:lonely ;
    sh:severity sh:Info ; sh:message "B" .
"""

DATA = PREFIXES + """
ex:Special rdfs:subClassOf ex:Thing . ex:BigPart rdfs:subClassOf ex:Part .
ex:t1 a ex:Thing ; ex:name "ABBC" ; ex:n 1, 10 ; ex:when "2015-02-30"^^xsd:date ; ex:ok "yes"^^xsd:boolean ;
    ex:label "x"@en ; ex:part ex:p1, ex:p2 ; ex:tag "a" ; ex:lo "a", 5, ex:z ; ex:hi "b", ex:y ; ex:word "c", "a", 3 .
ex:t2 a ex:Special ; ex:name "abc\\n", "abbbbc" ; ex:n 0, 11, 5 ; ex:when "2015-02-03"^^xsd:date ; ex:ok true ;
    ex:label "x" ; ex:part ex:p3, "lit" ; ex:lo 7, 9 ; ex:hi 8 ;
    ex:word "b"@en, ex:b .
ex:owner ex:owns ex:t1 .
ex:p1 a ex:Part ; ex:size 1 . ex:p2 a ex:BigPart ; ex:size 2 . ex:p3 ex:size 9 .
"""


def pyshacl_results(shapes: rdflib.Graph, quads: list[ox.Quad]) -> Counter:
    """pyshacl's results as kg_build.validate.shacl runs it, on the same triples."""
    from pyshacl import validate

    data = rdflib.Graph()
    for q in quads:
        data.add((shacl._term(q.subject), shacl._term(q.predicate), shacl._term(q.object)))
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return Counter(key(r) for r in shacl._results(report))


def test_synthetic_shapes_give_pyshacl_results():
    shapes = rdflib.Graph().parse(data=SHAPES, format="turtle")
    quads = list(ox.parse(DATA, format=ox.RdfFormat.TURTLE))
    reference = pyshacl_results(shapes, quads)
    fast = Counter(key(r) for r in compile_shapes(shapes).run(quads))
    assert fast == reference, f"only pyshacl: {sorted(reference - fast)}\nonly compiled: {sorted(fast - reference)}"
    assert {m for (_, _, _, _, m, _) in reference} >= {"name", "n", "when", "ok", "label", "part", "qualified",
                                                         "not soft", "owned", "B", "lo", "word"}


@pytest.mark.parametrize("shape", [
    'sh:path ex:a ; sh:equals ex:b ; sh:message "m"',
    'sh:path ex:a ; sh:node ex:S ; sh:message "m"',  # pyshacl's nested sh:detail results are not reproduced
    'sh:path ex:a ; sh:datatype xsd:nonNegativeInteger ; sh:message "m"',  # Oxigraph stores it as xsd:integer
    'sh:path [ sh:zeroOrMorePath ex:a ] ; sh:minCount 1 ; sh:message "m"',
    'sh:path ex:a ; sh:minCount 1',  # no message: pyshacl's generated ones are not reproduced
    'sh:path ex:a ; sh:pattern "(?=a)b" ; sh:message "m"',  # a lookahead Oxigraph's regex engine lacks
    'sh:path ex:a ; sh:not [ sh:sparql [ sh:select "SELECT $this WHERE { $this ex:b ?c }" ] ] ; sh:message "m"',
])
def test_unsupported_features_are_refused_when_compiling(shape):
    shapes = rdflib.Graph().parse(data=PREFIXES + f"ex:S sh:targetClass ex:Thing ; sh:property [ {shape} ] .",
                                  format="turtle")
    with pytest.raises(ShapesNotSupported):
        compile_shapes(shapes)


def test_every_rule_of_the_shipped_shapes_has_a_query():
    checked = {check.shape for check in compiled.compiled_shapes().checks}
    assert checked == rule_shapes(shapes())
