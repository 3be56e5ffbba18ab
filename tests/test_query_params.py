"""How kg_build.use.query binds parameters: a `one letter` parameter makes a query read only
that letter's graph and the shared graphs (kg_build.use.query.letter_scope), and the rows are
those of Oxigraph's own substitutions over the union of every graph.

The store holds three letters (fictional test letters f1-01 and f1-03, and the real letter,
which has no case number) and a linked terminology, a tiny fictional SKOS file.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import SHARED, TESTS, build_store
from kg_build.link.terminology import link_terminology, terminology_graph
from kg_build.map.iris import PREFIXES
from kg_build.store import LetterStore
from kg_build.store.oxigraph_store import LETTER_GRAPHS
from kg_build.use.query import bind, letter_scope, load_query, run, shared_graphs, shipped_queries

LETTERS = [TESTS / "letters" / "f1-01-norco-one-item.txt", TESTS / "letters" / "f1-03-cts-six-items.txt",
           SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"]
ID, GRAPH = "https://w3id.org/imr-kg/id/letter/", "https://w3id.org/imr-kg/graph/letter/"
# fictional terms; f1-03's worker has carpal tunnel syndrome
TERMINOLOGY = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/fict/CTS> a skos:Concept ; skos:prefLabel "Carpal tunnel syndrome" .
"""
# a query of the diagnoses' links, which only a terminology graph holds, with two one-letter parameters
LINKS = """# Question: Which terms of a linked terminology match the diagnoses of a letter?
# Parameters:
#   letter (iri, optional, one letter): only this letter
#   case_number (string, optional, one letter): only this case
# Columns: letter, case_number, diagnosis, term
PREFIX imr: <https://w3id.org/imr-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?letter ?case_number ?diagnosis ?term
WHERE {
  ?letter imr:aboutCase ?case .
  ?case imr:caseNumber ?case_number ;
        imr:injuredWorker/imr:hasDiagnosis ?diagnosis .
  ?diagnosis skos:closeMatch ?term .
  FILTER (STRSTARTS(STR(?term), "http://example.org/"))
}
ORDER BY ?letter ?diagnosis ?term
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ox.Store:
    directory = build_store(tmp_path_factory.mktemp("params"), *LETTERS)
    terminology = tmp_path_factory.mktemp("terminology") / "fict.ttl"
    terminology.write_text(TERMINOLOGY, encoding="utf-8")
    writable = LetterStore(directory)
    assert link_terminology(writable.store, terminology).links
    writable.close()
    return LetterStore(directory, read_only=True).store


@pytest.fixture(scope="module")
def links_query(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries") / "links.rq"
    path.write_text(LINKS, encoding="utf-8")
    return load_query(str(path))


def _letters(store: ox.Store) -> list[str]:
    return sorted(s["l"].value for s in store.query(
        "SELECT ?l WHERE { ?l a <https://w3id.org/imr-kg/ontology#DeterminationLetter> }", use_default_graph_as_union=True))


def _reference(store: ox.Store, query, values: dict[str, str]) -> list[tuple]:
    """Oxigraph's own binding, over the union of every graph."""
    solutions = store.query(query.text, substitutions=bind(query, values), prefixes=PREFIXES,
                            use_default_graph_as_union=True)
    return _cells(solutions)


def _cells(solutions: ox.QuerySolutions) -> list[tuple]:
    columns = [v.value for v in solutions.variables]
    return [tuple(None if s[c] is None else str(s[c]) for c in columns) for s in solutions]


def _scope(store: ox.Store, query, values: dict[str, str]) -> list | None:
    return letter_scope(store, query, {v.value: t for v, t in bind(query, values).items()})


def test_the_header_marks_one_letter_parameters(links_query):
    assert [(p.name, p.type, p.optional, p.one_letter) for p in links_query.parameters] == [
        ("letter", "iri", True, True), ("case_number", "string", True, True)]
    assert not any(p.one_letter for p in load_query("decisions").parameters if p.name != "letter")
    # every shipped parameter that names a letter says so
    for query in shipped_queries():
        assert all(p.one_letter for p in query.parameters if p.name == "letter"), query.name


def test_the_shared_graphs_are_every_graph_but_the_letters(store):
    others = {g for g in store.named_graphs() if not g.value.startswith(LETTER_GRAPHS)}
    assert len(others) >= 4  # ontology, vocabulary, criteria catalog, the terminology
    assert others <= set(shared_graphs(store))
    assert not any(isinstance(g, ox.NamedNode) and g.value.startswith(LETTER_GRAPHS) for g in shared_graphs(store))


def test_a_letter_its_node_or_its_case_number_scope_the_query_to_its_graph(store):
    letter = next(iri for iri in _letters(store) if "CM" in iri)
    graph = ox.NamedNode(GRAPH + letter.removeprefix(ID))
    expected = [graph, *shared_graphs(store)]
    assert _scope(store, load_query("decisions"), {"letter": letter}) == expected
    assert _scope(store, load_query("evidence"), {"node": letter + "/item/1/decision"}) == expected
    assert _scope(store, load_query("letters"), {"case_number": letter.removeprefix(ID)}) == expected


@pytest.mark.parametrize("values", [{}, {"category": "pharmaceuticals"}, {"letter": "https://example.org/nothing"},
                                    {"letter": "https://w3id.org/imr-kg/vocab/scheme/treatment"}])
def test_without_a_letter_the_query_reads_every_graph(store, values):
    """No one-letter value, or one that no letter's graph holds (a concept of the vocabulary)."""
    assert _scope(store, load_query("decisions"), values) is None


def test_every_letter_gives_the_rows_of_the_whole_store(store):
    letters = _letters(store)
    assert any("sha256-" in iri for iri in letters) and len(letters) == 3
    for name in ("decisions", "guideline_agreement", "quality_flags"):
        query = load_query(name)
        answered = 0
        for letter in letters:
            expected = _reference(store, query, {"letter": letter})
            assert _cells(run(store, query, {"letter": letter})) == expected, (name, letter)
            answered += bool(expected)
        assert answered >= 2 or name == "quality_flags", name


def test_a_scoped_query_reads_the_linked_terminology(store, links_query):
    everything = _reference(store, links_query, {})
    assert everything, "the fictional terminology links no diagnosis"
    letter = everything[0][0][1:-1]
    case_number = letter.removeprefix(ID)
    other = next(iri for iri in _letters(store) if "CM" in iri and iri != letter).removeprefix(ID)
    cases = [{"letter": letter}, {"case_number": case_number}, {"letter": letter, "case_number": case_number},
             {"letter": letter, "case_number": other}]
    for values in cases:
        assert _cells(run(store, links_query, values)) == _reference(store, links_query, values), values
    assert _cells(run(store, links_query, {"letter": letter})) == everything
    # two values that name different letters: no letter holds both, so every graph is read
    assert _scope(store, links_query, cases[2]) is not None
    assert _scope(store, links_query, cases[3]) is None


def test_the_terminology_graph_is_among_the_scoped_graphs(store):
    graph = terminology_graph(Path("fict.ttl"))
    letter = next(iri for iri in _letters(store) if "CM" in iri)
    assert graph in _scope(store, load_query("decisions"), {"letter": letter})
