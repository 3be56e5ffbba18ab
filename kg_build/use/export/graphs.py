"""Property-graph files of the projection (projection.py): GraphML (Gephi, Cytoscape, yEd,
igraph), GEXF (Gephi) and Cytoscape JSON (Cytoscape.js and Cytoscape desktop)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    nx.write_graphml(graph, path, named_key_ids=True)


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> None:
    nx.write_gexf(graph, path)


def cytoscape_elements(graph: nx.MultiDiGraph) -> dict:
    """Cytoscape JSON (cyjs): node `name` is the readable label, `id` the IRI."""
    return nx.cytoscape_data(graph, name="label")


def write_cytoscape(graph: nx.MultiDiGraph, path: Path) -> None:
    path.write_text(json.dumps(cytoscape_elements(graph), ensure_ascii=False), encoding="utf-8")
