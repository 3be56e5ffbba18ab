"""`imr-kg stats`: what a store holds, as terminal tables.

The research numbers come from the shipped queries (queries/*.rq), so the terminal shows what
`imr-kg query` and the HTML report show; only the node count per class, which answers no
research question, is asked here. Letters the build skipped come from the build report in
the store directory (imr-kg-build-report.jsonl).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg_build.map.iris import PREFIXES
from kg_build.pipeline import REPORT_NAME, Skipped
from kg_build.use.output import python_value
from kg_build.use.query import load_query, run

CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?node) AS ?nodes)
WHERE { ?node a ?class }
GROUP BY ?class
ORDER BY DESC(?nodes) ?class"""
OUTCOMES = ("upheld", "overturned", "partially_overturned")
OWL = "http://www.w3.org/2002/07/owl#"  # the ontology graph's classes


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


def table(solutions: ox.QuerySolutions) -> tuple[list[str], list[list]]:
    columns = [v.value for v in solutions.variables]
    return columns, [[python_value(s[c]) for c in columns] for s in solutions]


def shipped(store: ox.Store, name: str) -> tuple[list[str], list[list]]:
    """The columns and rows of a shipped query without parameters."""
    return table(run(store, load_query(name), {}))


def compact(iri: str) -> str:
    """An IRI with a known prefix written as prefix:name."""
    for prefix, namespace in {**PREFIXES, "owl": OWL}.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def skipped_letters(store_dir: Path) -> list[Skipped]:
    """The letters the last build skipped, from the store's build report (none when there is no report)."""
    path = store_dir / REPORT_NAME
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            found.append(Skipped(str(entry["path"]), str(entry["stage"]), str(entry["reason"])))
        except (ValueError, KeyError, TypeError):
            found.append(Skipped(str(path), "report", f"unreadable line: {line[:80]}"))
    return found


def _pick(columns: list[str], rows: list[list], wanted: list[str], top: int) -> list[list]:
    at = [columns.index(c) for c in wanted]
    return [[row[i] for i in at] for row in rows[:top]]


def sections(store: ox.Store, store_dir: Path, top: int = 10, first_skipped: int = 5) -> list[Section]:
    """The tables of `imr-kg stats`, in the order they are shown."""
    found = []
    columns, rows = table(store.query(CLASS_COUNTS, use_default_graph_as_union=True))
    found.append(Section("Nodes by class", ["class", "nodes"], [[compact(c), n] for c, n in rows]))

    columns, rows = shipped(store, "outcomes_by_category")
    totals = [sum(row[columns.index(c)] for row in rows) for c in ("items", *OUTCOMES)]
    rate = round((totals[2] + totals[3]) / totals[0], 3) if totals[0] else None
    found.append(Section("Outcomes of the disputed items", ["items", *OUTCOMES, "overturn_rate"], [[*totals, rate]],
                         "overturn_rate = (overturned + partially_overturned) / items"))

    columns, rows = shipped(store, "outcomes_by_service")
    wanted = ["service", "category", "items", *OUTCOMES, "overturn_rate"]
    found.append(Section(f"Top {top} requested services (outcomes_by_service)", wanted, _pick(columns, rows, wanted, top)))

    columns, rows = shipped(store, "outcomes_by_guideline_topic")
    wanted = ["source", "document", "chapter", "topic", "items", "overturn_rate"]
    found.append(Section(f"Top {top} guidelines cited by the IMRO reviewer (outcomes_by_guideline_topic)", wanted,
                         _pick(columns, rows, wanted, top)))

    columns, rows = shipped(store, "criteria_status")
    wanted = ["criterion", "guideline_topic", "assessments", "met", "not_met", "not_documented", "overturn_rate"]
    found.append(Section(f"Top {top} criteria applied (criteria_status)", wanted, _pick(columns, rows, wanted, top)))

    skipped = skipped_letters(store_dir)
    by_stage = Counter(s.stage for s in skipped)
    found.append(Section(f"Letters skipped by the last build ({REPORT_NAME})", ["stage", "letters"],
                         [[stage, n] for stage, n in sorted(by_stage.items(), key=lambda kv: (-kv[1], kv[0]))],
                         "\n".join(s.line() for s in skipped[:first_skipped])
                         + (f"\n... and {len(skipped) - first_skipped} more" if len(skipped) > first_skipped else "")
                         if skipped else "none"))
    return found


def render(found: list[Section], console) -> None:
    """Print the sections as rich tables (cells as plain text: letters' words are not markup)."""
    from rich.table import Table
    from rich.text import Text

    for section in found:
        console.print(Text(section.title, style="bold"))
        grid = Table(*section.columns)
        for row in section.rows:
            grid.add_row(*(Text(cell(v)) for v in row))
        console.print(grid)
        if section.note:
            console.print(Text(section.note), style="dim")
        console.print()


def cell(v: object) -> str:
    """A value as a table shows it: empty for unbound, decimals without trailing zeros."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)
