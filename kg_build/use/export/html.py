"""A single self-contained HTML page showing the projection with Cytoscape.js (vendored in
vendor/, MIT licence beside it): nodes coloured by type with a legend, search by case
number, click for details. The page makes no network request (its Content-Security-Policy
forbids any); the graph is embedded as JSON that cannot close its script element.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections import defaultdict
from pathlib import Path

import networkx as nx

from kg_build.use.export.graphs import cytoscape_elements

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "view.html"
LIBRARY = HERE / "vendor" / "cytoscape.min.js"
# one colour per node type (projection.py), from the Tableau 20 (d3 category20) palette
COLOURS = {
    "letter": "#1f77b4", "item": "#ff7f0e", "decision": "#d62728", "assessment": "#9467bd", "criterion": "#8c564b",
    "citation": "#e377c2", "guideline": "#2ca02c", "diagnosis": "#17becf", "icd10cm": "#9edae5",
    "service": "#bcbd22", "category": "#dbdb8d", "drug": "#ff9896", "drug_class": "#f7b6d2", "worker": "#aec7e8",
    "injury": "#ffbb78", "reviewer": "#98df8a", "specialty": "#c5b0d5", "state": "#c49c94",
    "prior_treatment": "#7f7f7f", "finding": "#c7c7c7", "finding_concept": "#a5a5a5", "body_region": "#637939",
    "mechanism": "#8c6d31", "quality_flag": "#843c39", "other": "#555555",
}
# the page lays the graph out in advance (layout below), as a force-directed layout in the
# browser takes tens of seconds for a few hundred letters' nodes
CELL = 900.0  # distance between two letters' centres
RING = 110.0  # distance between two rings of a letter's nodes
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_PLACEHOLDER = re.compile(r"/\*(GRAPH|CYTOSCAPE)\*/")


def embedded_json(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' (so no '</script>' or '<!--'
    from a letter's text), nor the line separators that JavaScript once refused."""
    return re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE[m.group()], json.dumps(value, ensure_ascii=False))


def page(graph: nx.MultiDiGraph) -> str:
    elements = cytoscape_elements(graph)
    where = layout(graph)
    for node in elements["elements"]["nodes"]:
        node["position"] = where[node["data"]["id"]]
    data = {"elements": elements, "colours": COLOURS, "layout": {"name": "preset"}}
    parts = {"GRAPH": embedded_json(data), "CYTOSCAPE": LIBRARY.read_text(encoding="utf-8")}
    # one pass, so nothing substituted is scanned again
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], TEMPLATE.read_text(encoding="utf-8"))


def layout(graph: nx.MultiDiGraph) -> dict[str, dict[str, float]]:
    """Positions in linear time: letters on a grid, each letter's own nodes on rings around it
    by their distance from it, and each shared concept at the centre of the nodes that use
    it (nudged by a hash of its IRI so that concepts do not pile up)."""
    def neighbours(node: str):
        return itertools.chain(graph.successors(node), graph.predecessors(node))

    own: dict[str, set[str]] = defaultdict(set)
    for node, owner in graph.nodes(data="letter"):
        if owner:
            own[owner].add(node)
    letters = sorted(n for n, kind in graph.nodes(data="type") if kind == "letter")
    side = max(1, math.ceil(math.sqrt(len(letters))))
    where: dict[str, tuple[float, float]] = {}
    for i, letter in enumerate(letters):
        cx, cy = (i % side) * CELL, (i // side) * CELL
        mine = own[graph.nodes[letter].get("letter")]
        depth, queue = {letter: 0}, [letter]
        for node in queue:  # breadth first through the letter's own nodes
            for other in neighbours(node):
                if other in mine and other not in depth:
                    depth[other] = depth[node] + 1
                    queue.append(other)
        rings: dict[int, list[str]] = defaultdict(list)
        for node in sorted(depth):
            rings[depth[node]].append(node)
        for d, nodes in rings.items():
            for k, node in enumerate(nodes):
                angle = 2 * math.pi * k / len(nodes) + d * 0.5
                where[node] = (cx + d * RING * math.cos(angle), cy + d * RING * math.sin(angle))
    rest = sorted(n for n in graph.nodes if n not in where)
    # three rounds reach the concepts known only through other concepts (a guideline
    # topic's chapter, document and source)
    for _ in range(3):
        for node in (n for n in rest if n not in where):
            placed = [where[m] for m in neighbours(node) if m in where]
            jitter = int(hashlib.sha256(node.encode()).hexdigest()[:8], 16)
            dx, dy = (jitter % 200) - 100, ((jitter >> 8) % 200) - 100
            if placed:
                where[node] = (sum(x for x, _ in placed) / len(placed) + dx, sum(y for _, y in placed) / len(placed) + dy)
    # what is still unplaced (nothing links it) goes in rows below the letters
    for k, node in enumerate(n for n in rest if n not in where):
        where[node] = (k % 40 * 60.0, (side + 1) * CELL + k // 40 * 60.0)
    return {n: {"x": round(x, 1), "y": round(y, 1)} for n, (x, y) in where.items()}


def write_html(graph: nx.MultiDiGraph, path: Path) -> None:
    path.write_text(page(graph), encoding="utf-8")
