"""CSV export: one table per main class (tables/*.rq, each with its columns documented in its
header), with keys that join across tables, for pandas and R.

A query over the whole store reads the union of its graphs; over some letters, those
letters' graphs and the vocabulary as its default graph (Oxigraph is slow with a default
graph of thousands of named graphs). Oxigraph writes the CSV results straight to the file.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg_build.map.iris import PREFIXES
from kg_build.use.export.selection import Advance, Selection
from kg_build.use.query import Query, load_query

TABLES = Path(__file__).resolve().parent / "tables"


def table_queries() -> list[Query]:
    return [load_query(str(path)) for path in sorted(TABLES.glob("*.rq"))]


def write_tables(store: ox.Store, selection: Selection, directory: Path, advance: Advance) -> list[Path]:
    """Write <table>.csv for every table query into the directory (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for query in table_queries():
        graphs = {"use_default_graph_as_union": True} if selection.whole else {"default_graph": selection.graphs}
        solutions = store.query(query.text, prefixes=PREFIXES, **graphs)
        path = directory / f"{query.name}.csv"
        solutions.serialize(str(path), ox.QueryResultsFormat.CSV)
        written.append(path)
        advance(1)
    return written
