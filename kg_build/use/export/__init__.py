"""`imr-kg export`: a store, or some of its letters, in the formats researchers' tools read.

One small module per family: rdf (nq, trig, ttl, jsonld), projection + graphs (graphml,
gexf, cytoscape), tables (csv), html. `export` picks the writer; `steps` tells a progress
bar how many times the writer will call `advance`.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg_build.use.export.selection import Advance, ExportError, Selection, select, steps as _quad_steps

RDF_FORMATS = ("nq", "trig", "ttl", "jsonld")
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "html")
FORMATS = (*RDF_FORMATS, *GRAPH_FORMATS, "csv")


def steps(store: ox.Store, selection: Selection, fmt: str) -> int:
    if fmt == "csv":
        from kg_build.use.export.tables import table_queries

        return len(table_queries())
    return _quad_steps(store, selection, letters_only=fmt in GRAPH_FORMATS)


def export(store: ox.Store, selection: Selection, fmt: str, path: Path, advance: Advance = lambda n: None) -> list[Path]:
    """Write the selection in the format to path (for csv: a directory of tables); returns
    the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "csv":
        from kg_build.use.export.tables import write_tables

        return write_tables(store, selection, path, advance)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in RDF_FORMATS:
        from kg_build.use.export import rdf

        if fmt == "ttl":
            rdf.write_turtle(store, selection, path, advance)
        elif fmt == "jsonld":
            rdf.write_jsonld(store, selection, path, advance)
            return [path, path.parent / rdf.CONTEXT.name]
        else:
            rdf.write_dataset(store, selection, fmt, path, advance)
        return [path]
    from kg_build.use.export import graphs, html
    from kg_build.use.export.projection import project

    graph = project(store, selection, advance)
    writers = {"graphml": graphs.write_graphml, "gexf": graphs.write_gexf, "cytoscape": graphs.write_cytoscape,
               "html": html.write_html}
    writers[fmt](graph, path)
    return [path]


__all__ = ["FORMATS", "ExportError", "Selection", "export", "select", "steps"]
