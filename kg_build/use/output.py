"""Write SPARQL results as a terminal table, CSV, TSV or SPARQL JSON."""

from __future__ import annotations

import sys
from typing import TextIO

import pyoxigraph as ox

_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}


def write_results(solutions: ox.QuerySolutions, fmt: str, out: TextIO = sys.stdout) -> None:
    if fmt in _FORMATS:
        out.write(solutions.serialize(format=_FORMATS[fmt]).decode("utf-8"))
        return
    from rich.console import Console
    from rich.table import Table

    columns = [v.value for v in solutions.variables]
    table = Table(*columns, show_lines=False)
    rows = 0
    for solution in solutions:
        table.add_row(*(display(solution[c]) for c in columns))
        rows += 1
    console = Console(file=out, width=max(160, Console().width))
    console.print(table)
    console.print(f"{rows} row{'s' if rows != 1 else ''}")


def python_value(term: ox.Term | None) -> object:
    """A result cell or literal as Python: integers, decimals and booleans typed; IRIs and
    strings as text; an unbound cell None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        if kind in ("integer", "int", "long", "nonNegativeInteger"):
            return int(term.value)
        if kind in ("decimal", "double", "float"):
            return float(term.value)
        if kind == "boolean":
            return term.value == "true"
    return term.value


def display(term: ox.Term | None) -> str:
    """A term as a person reads it: a literal's value, an IRI whole, an unbound cell empty."""
    return "" if term is None else term.value
