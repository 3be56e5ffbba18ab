"""Shipped SPARQL queries (queries/*.rq): their header, typed parameters, and running them.

A query file starts with a comment block:

    # Question: Which ...?
    # Parameters:
    #   category (string, optional): treatment category label, e.g. pharmaceuticals
    # Columns: case_number, letter, item, ...

Parameters are bound as RDF terms of their declared type through Oxigraph's substitutions
(never pasted into the query text), so a value cannot change the query's structure. A
parameter's variable must be in the query's SELECT clause (Oxigraph binds projected
variables only); an optional parameter left out leaves its variable free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg_build.map.iris import PREFIXES, XSD
from kg_build.paths import QUERIES

_PARAM = re.compile(r"#\s+(?P<name>\w+)\s*\((?P<type>\w+)(?P<optional>,\s*optional)?\)\s*:\s*(?P<doc>.*)")
TYPES = {"string", "iri", "integer", "decimal", "date", "boolean"}


class QueryError(Exception):
    """A query that cannot be found, parsed or given its parameters; the message is for a person."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    optional: bool
    doc: str


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
        Parameter(m["name"], m["type"], bool(m["optional"]), m["doc"].strip())
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


def run(store: ox.Store, query: Query, values: dict[str, str]) -> ox.QuerySolutions:
    try:
        return store.query(query.text, substitutions=bind(query, values), prefixes=PREFIXES,
                           use_default_graph_as_union=True)
    except SyntaxError as err:
        raise QueryError(f"{query.path}: SPARQL syntax error: {err}") from None
