"""Shipped SPARQL queries (queries/*.rq): their header, typed parameters, and running them.

A query file starts with a comment block:

    # Question: Which ...?
    # Parameters:
    #   category (string, optional): treatment category label, e.g. pharmaceuticals
    #   letter (iri, optional, one letter): only this letter, e.g. https://w3id.org/imr-kg/id/letter/CM15-0106478
    # Columns: case_number, letter, item, ...

Parameters are bound as RDF terms of their declared type, written by pyoxigraph in N-Triples
syntax (quotes, backslashes and newlines escaped; IRIs validated) in `VALUES ?name { term }`
lines, the way queries/README.md tells people to do it by hand: first in the WHERE block of
each innermost SELECT that projects the parameter (the outer query's when none does). So a
value cannot close the block or add clauses, and it narrows the scan of the subquery that reads
it (Oxigraph's substitutions bind a parameter only where the query projects it, after every
subquery has read the whole store). The same text goes to the embedded store and to any SPARQL
1.1 endpoint (`imr-kg query --endpoint`). The query text is read with a small SPARQL lexer that
skips comments, strings and IRIs, so braces and keywords inside them are never mistaken for
structure.

A parameter marked `one letter` picks out one letter (the letter, a node of it, its case
number), so every row comes from that letter's named graph and the shared graphs (ontology,
vocabulary, criteria catalog, linked terminologies). Given such a value, the query reads those
graphs only: milliseconds at any store size, rather than a scan of every letter's graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg_build.map.iris import CRITERIA_GRAPH, DCTERMS, ONTOLOGY_GRAPH, PREFIXES, VOCABULARY_GRAPH, XSD
from kg_build.paths import QUERIES
from kg_build.store.oxigraph_store import LETTER_GRAPHS

_PARAM = re.compile(r"#\s+(?P<name>\w+)\s*\((?P<type>\w+)(?P<optional>,\s*optional)?(?P<one_letter>,\s*one letter)?\)"
                    r"\s*:\s*(?P<doc>.*)")
TYPES = {"string", "iri", "integer", "decimal", "date", "boolean"}
# One token at a time, in the order SPARQL's lexer prefers: comments, long and short strings,
# IRIs, prefixed names, variables, words, then any single character.
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<pname>[A-Za-z][\w.-]*:[^\s{}()\[\],;"'<>]*|:[^\s{}()\[\],;"'<>]*)
      | (?P<var>[?$]\w+)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<space>\s+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
# the graphs every letter's rows may need besides its own; a linked terminology's graph is
# found by the dcterms:source quad it holds about itself (kg_build.link.terminology)
_FIXED_SHARED_GRAPHS = (ox.DefaultGraph(), ONTOLOGY_GRAPH, VOCABULARY_GRAPH, CRITERIA_GRAPH)
_SOURCE = ox.NamedNode(DCTERMS + "source")
Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class QueryError(Exception):
    """A query that cannot be found, parsed or given its parameters; the message is for a person."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    optional: bool
    doc: str
    one_letter: bool = False  # a value picks out one letter, whose graph holds every row


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    text: str
    question: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]


def shipped_queries() -> list[Query]:
    return [load_query(p.stem) for p in sorted(QUERIES.glob("*.rq"))]


def load_query(name_or_path: str) -> Query:
    """A shipped query by name ('decisions') or a .rq file by path."""
    path = Path(name_or_path)
    if path.suffix != ".rq":
        path = QUERIES / f"{name_or_path}.rq"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(QUERIES.glob("*.rq")))
        raise QueryError(f"no query '{name_or_path}' (shipped queries: {known})")
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    question = next((line.split(":", 1)[1].strip() for line in header if line.startswith("# Question:")), "")
    columns = next((line.split(":", 1)[1].strip() for line in header if line.startswith("# Columns:")), "")
    parameters = tuple(
        Parameter(m["name"], m["type"], bool(m["optional"]), m["doc"].strip(), bool(m["one_letter"]))
        for line in header if (m := _PARAM.match(line))
    )
    for p in parameters:
        if p.type not in TYPES:
            raise QueryError(f"{path}: parameter {p.name} has unknown type {p.type} (one of {', '.join(sorted(TYPES))})")
    return Query(path.stem, path, text, question, parameters, tuple(c.strip() for c in columns.split(",") if c.strip()))


def bind(query: Query, values: dict[str, str]) -> dict[ox.Variable, ox.Term]:
    """Typed RDF terms for the given parameter values; unknown or missing parameters are errors."""
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryError(f"query {query.name} has no parameter {', '.join(unknown)} "
                         f"(it takes: {', '.join(declared) or 'none'})")
    missing = [p.name for p in query.parameters if not p.optional and p.name not in values]
    if missing:
        raise QueryError(f"query {query.name} needs --param {missing[0]}=... ({declared[missing[0]].doc})")
    return {ox.Variable(name): _term(declared[name], value) for name, value in values.items()}


def _term(parameter: Parameter, value: str) -> ox.Term:
    if parameter.type == "iri":
        try:
            return ox.NamedNode(value)
        except ValueError as err:
            raise QueryError(f"--param {parameter.name}: not an IRI: {value!r}") from err
    if parameter.type == "string":
        return ox.Literal(value)
    checks = {"integer": r"[+-]?\d+", "decimal": r"[+-]?\d+(?:\.\d+)?", "date": r"\d{4}-\d{2}-\d{2}", "boolean": r"true|false"}
    if not re.fullmatch(checks[parameter.type], value):
        raise QueryError(f"--param {parameter.name}: {value!r} is not a valid {parameter.type}")
    return ox.Literal(value, datatype=ox.NamedNode(XSD + parameter.type))


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup or "other", m.group(), m.start(), m.end())
            for m in _TOKEN.finditer(text) if m.lastgroup not in ("comment", "space")]


@dataclass(frozen=True)
class _Select:
    projected: frozenset[str]  # variables projected as themselves (not `(expr AS ?v)`); '*' for SELECT *
    block_start: int  # character offset just after the WHERE block's `{`
    block_end: int  # character offset of its closing `}`


def _selects(text: str) -> list[_Select]:
    """Every SELECT of the query (outer and subqueries) with its projection and WHERE block."""
    tokens = _tokens(text)
    closing = _matching_braces(tokens)
    found = []
    for i, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "SELECT":
            continue
        projected, depth, j = set(), 0, i + 1
        while j < len(tokens) and not (tokens[j].text == "{" or (tokens[j].kind == "word" and tokens[j].text.upper() == "WHERE")):
            t = tokens[j]
            depth += t.text == "("
            depth -= t.text == ")"
            if depth == 0 and (t.kind == "var" or t.text == "*"):
                projected.add(t.text[1:] if t.kind == "var" else "*")
            j += 1
        while j < len(tokens) and tokens[j].text != "{":
            j += 1
        if j < len(tokens):
            found.append(_Select(frozenset(projected), tokens[j].end, tokens[closing[j]].start))
    return found


def _matching_braces(tokens: list[_Token]) -> dict[int, int]:
    stack: list[int] = []
    pairs = {}
    for i, token in enumerate(tokens):
        if token.text == "{":
            stack.append(i)
        elif token.text == "}":
            if not stack:
                raise QueryError("unbalanced braces in the query")
            pairs[stack.pop()] = i
    if stack:
        raise QueryError("unbalanced braces in the query")
    return pairs


def with_values(text: str, terms: dict[str, ox.Term]) -> str:
    """The query with each parameter bound by a VALUES line in the block(s) where it is projected."""
    if not terms:
        return text
    selects = _selects(text)
    if not selects:
        raise QueryError("only SELECT queries take parameters")
    inserts: list[tuple[int, str]] = []
    for name, term in terms.items():
        projecting = [s for s in selects if name in s.projected or "*" in s.projected] or selects[:1]
        innermost = [s for s in projecting
                     if not any(o is not s and s.block_start <= o.block_start < s.block_end for o in projecting)]
        inserts += [(s.block_start, f"\n  VALUES ?{name} {{ {term} }}") for s in innermost]
    for at, line in sorted(inserts, reverse=True):
        text = text[:at] + line + text[at:]
    return text


def bound_text(query: Query, values: dict[str, str]) -> str:
    """The text of a shipped query with its parameters bound, ready for any SPARQL 1.1 endpoint."""
    return with_values(query.text, {v.value: t for v, t in bind(query, values).items()})


def run(store: ox.Store, query: Query, values: dict[str, str]) -> ox.QuerySolutions:
    """The query's solutions, its parameters bound by VALUES lines, over the graphs of the letter
    a one-letter parameter names (letter_scope), else over the union of every graph."""
    terms = {v.value: t for v, t in bind(query, values).items()}
    graphs = letter_scope(store, query, terms)
    dataset = {"use_default_graph_as_union": True} if graphs is None else {"default_graph": graphs}
    try:
        return store.query(with_values(query.text, terms), prefixes=PREFIXES, **dataset)
    except SyntaxError as err:
        raise QueryError(f"{query.path}: SPARQL syntax error: {err}") from None


def letter_scope(store: ox.Store, query: Query, terms: dict[str, ox.Term]) -> list[Graph] | None:
    """The graphs that hold every row when one-letter parameters are given: the graphs of
    the letters that hold each value (as the subject of an IRI, the object of a literal) and
    the shared graphs. None, for the union of all graphs, when no such parameter is given or
    no letter holds its value."""
    letters: set[Graph] | None = None
    for p in query.parameters:
        if p.one_letter and p.name in terms:
            term = terms[p.name]
            quads = (store.quads_for_pattern(term, None, None) if isinstance(term, ox.NamedNode)
                     else store.quads_for_pattern(None, None, term))
            holding = {q.graph_name for q in quads if _is_letter_graph(q.graph_name)}
            letters = holding if letters is None else letters & holding
    if not letters:
        return None
    return sorted(letters, key=str) + shared_graphs(store)


def shared_graphs(store: ox.Store) -> list[Graph]:
    """The graphs that are not a letter's: the fixed ones and those of linked terminologies."""
    linked = {q.graph_name for q in store.quads_for_pattern(None, _SOURCE, None)
              if q.subject == q.graph_name and not _is_letter_graph(q.graph_name)}
    return [*_FIXED_SHARED_GRAPHS, *sorted(linked - set(_FIXED_SHARED_GRAPHS), key=str)]


def _is_letter_graph(graph: Graph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(LETTER_GRAPHS)
