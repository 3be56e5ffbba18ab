"""The queries rewritten for speed (queries/*.rq) return exactly the rows of their originals.

tests/data/original_queries/ holds each rewritten query as it was before (the text that was
far too slow on Oxigraph). On a store of every test and shared letter, the old and the new
text must give the same columns and the same rows in the same order, cell for cell as RDF
terms: with no parameter, with values of each parameter taken from the store (so that they
match rows) and with a value that matches nothing. The reference is the old text with its
parameters bound by Oxigraph's substitutions over the union of all graphs; the new text must
match it as `imr-kg query --store` runs it (kg_build.use.query.run: VALUES lines, and only the
letter's graphs for a `one letter` parameter) and as an endpoint answers the VALUES lines that
`imr-kg query --endpoint` adds.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest

from conftest import SHARED, TESTS
from kg_build.map.iris import PREFIXES
from kg_build.pipeline import build
from kg_build.store import LetterStore
from kg_build.use.query import Query, bind, bound_text, load_query, run

ORIGINALS = TESTS / "data" / "original_queries"
REWRITTEN = sorted(p.stem for p in ORIGINALS.glob("*.rq"))
VALUES_PER_PARAMETER = 3
NO_MATCH = {"iri": "https://example.org/no-such-node", "string": "no such value"}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ox.Store:
    directory = tmp_path_factory.mktemp("speedups")
    letters = LetterStore(directory)
    summary = build([SHARED / "letters", TESTS / "letters"], letters, validate=False)
    assert not summary.skipped, [s.line() for s in summary.skipped]
    letters.close()
    return LetterStore(directory, read_only=True).store


Rows = tuple[list[str], list[tuple[str | None, ...]]]


def _rows(solutions: ox.QuerySolutions) -> Rows:
    columns = [v.value for v in solutions.variables]
    return columns, [tuple(None if s[c] is None else str(s[c]) for c in columns) for s in solutions]


def _via_store(store: ox.Store, query: Query, values: dict[str, str]) -> Rows:
    return _rows(run(store, query, values))


def _via_substitutions(store: ox.Store, query: Query, values: dict[str, str]) -> Rows:
    """Oxigraph's own binding of the parameters, over the union of all graphs."""
    return _rows(store.query(query.text, substitutions=bind(query, values), prefixes=PREFIXES,
                             use_default_graph_as_union=True))


def _via_values(store: ox.Store, query: Query, values: dict[str, str]) -> Rows:
    """As an endpoint answers it: parameters as VALUES lines, the default graph the union."""
    return _rows(store.query(bound_text(query, values), prefixes=PREFIXES, use_default_graph_as_union=True))


def _evidence_nodes(store: ox.Store) -> list[str]:
    """Nodes of every kind that have a text span, from two letters, for evidence's `node`."""
    found = store.query("""
        PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        SELECT DISTINCT ?node WHERE {
          VALUES ?p { imr:rationale imr:evidence imr:statusEvidence }
          ?node ?p ?span .
        } ORDER BY ?node""", use_default_graph_as_union=True)
    nodes = [s["node"].value for s in found]
    letters = sorted({n.split("/letter/")[1].split("/")[0] for n in nodes})[:2]
    return [n for n in nodes if n.split("/letter/")[1].split("/")[0] in letters]


def _cases(store: ox.Store, name: str) -> list[dict[str, str]]:
    """Parameter values to compare on: none, then for each parameter a few values that match
    (from the unparameterised rows; for cases_by_icd's code a code, its category, a block and
    a chapter) and one that does not."""
    query = load_query(name)
    cases: list[dict[str, str]] = [{}]
    if any(not p.optional for p in query.parameters):  # evidence: its node is required
        return [{"node": n} for n in _evidence_nodes(store)] + [{"node": NO_MATCH["iri"]}]
    columns, rows = _via_store(store, query, {})
    for p in query.parameters:
        column = [r[columns.index(p.name)] for r in rows] if p.name in columns else []
        seen = sorted({c for c in column if c is not None})
        values = [_value(c) for c in seen][:VALUES_PER_PARAMETER]
        if name == "cases_by_icd":  # a code, its category, a block and a chapter
            code = min(_value(r[columns.index("icd10cm")]) for r in rows)
            values = [code, code[:3], "M50-M54", "M00-M99"]
        cases += [{p.name: v} for v in dict.fromkeys(values)]
        cases.append({p.name: NO_MATCH[p.type]})
    return cases


def _value(cell: str) -> str:
    """A parameter value from a result cell in N-Triples form (<iri> or "literal")."""
    if cell.startswith("<"):
        return cell[1:-1]
    return cell[1:cell.rindex('"')]


def test_every_rewritten_query_has_its_original():
    assert REWRITTEN, "no original queries kept"
    for name in REWRITTEN:
        assert load_query(name).path.is_file(), name


@pytest.mark.parametrize("name", REWRITTEN)
def test_the_header_is_unchanged(name):
    new, old = load_query(name), load_query(str(ORIGINALS / f"{name}.rq"))
    # `one letter` was added to headers after the originals were kept: it changes no row
    parameters = tuple(dataclasses.replace(p, one_letter=False) for p in new.parameters)
    assert (new.question, parameters, new.columns) == (old.question, old.parameters, old.columns)
    assert new.text != old.text


@pytest.mark.parametrize("name", REWRITTEN)
def test_the_rewritten_query_returns_the_same_rows(name, store):
    new, old = load_query(name), load_query(str(ORIGINALS / f"{name}.rq"))
    cases = _cases(store, name)
    answered = 0
    for values in cases:
        expected = _via_substitutions(store, old, values)
        assert _via_store(store, new, values) == expected, values
        assert _via_values(store, new, values) == expected, values
        answered += bool(expected[1])
    assert answered >= min(2, len(cases) - 1), f"{name}: too few parameter values give rows to compare"
