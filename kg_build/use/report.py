"""`imr-kg report`: an offline, self-contained HTML report of a store's research numbers.

Each part runs a shipped query (queries/*.rq), draws its numbers as an inline SVG chart, and
shows the table behind the chart and the query's text, so every figure can be re-run with
`imr-kg query`. Geometry is computed here; the page and its SVG are written by a Jinja2
template with autoescaping, because every label (services, guideline topics, criteria) comes
from letters. Nothing is loaded from the network: no scripts, fonts or images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg_build import __version__
from kg_build.use.query import load_query, run
from kg_build.use.stats import OUTCOMES, cell, skipped_letters, table

TEMPLATE = Path(__file__).resolve().parent / "static" / "report.html.j2"
COLOURS = ("#3b6ea8", "#d08a2e")  # two series, distinguishable in grey too
TOP = 15
LABEL_CHARS = 42


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag, attributes (names fixed here, values escaped by the template), text, tooltip."""
    tag: str
    attrs: dict[str, object]
    text: str = ""
    title: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    description: str
    shapes: list[Shape]


@dataclass
class Part:
    title: str
    query: str  # the shipped query's name
    question: str
    query_text: str
    columns: list[str]
    rows: list[list]
    charts: list[Chart] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    store: str
    generated: str
    version: str
    overview: list[tuple[str, object]]
    parts: list[Part] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# --- charts -------------------------------------------------------------------------------

def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _percent(v: float) -> str:
    return f"{100 * v:.0f}%"


def bar_chart(labels: list[str], series: list[tuple[str, list[float | None]]], notes: list[str],
              description: str) -> Chart:
    """Horizontal bars of rates in [0, 1], one group per label, one bar per series; None draws no bar."""
    left, plot, right, row_height, top = 290, 360, 120, 8 + 16 * len(series), 28
    height = top + row_height * len(labels) + 24
    shapes = [Shape("text", {"x": left + plot * t, "y": 16, "text-anchor": "middle", "class": "axis"}, _percent(t))
              for t in (0, 0.25, 0.5, 0.75, 1)]
    shapes += [Shape("line", {"x1": left + plot * t, "x2": left + plot * t, "y1": top - 6, "y2": height - 20, "class": "grid"})
               for t in (0, 0.25, 0.5, 0.75, 1)]
    for i, label in enumerate(labels):
        y = top + i * row_height
        shapes.append(Shape("text", {"x": left - 8, "y": y + row_height / 2 + 4, "text-anchor": "end"}, _short(label), label))
        for j, (name, values) in enumerate(series):
            v = values[i]
            bar_y = y + 4 + 16 * j
            if v is None:
                shapes.append(Shape("text", {"x": left + 4, "y": bar_y + 11, "class": "na"}, "n/a", f"{name}: no items"))
                continue
            shapes.append(Shape("rect", {"x": left, "y": bar_y, "width": round(plot * v, 1), "height": 13,
                                         "fill": COLOURS[j % len(COLOURS)]}, title=f"{label}: {name} {_percent(v)}"))
            shapes.append(Shape("text", {"x": left + plot * v + 4, "y": bar_y + 11, "class": "value"},
                                _percent(v) + (f"  {notes[i]}" if j == len(series) - 1 and notes[i] else "")))
    if len(series) > 1:
        for j, (name, _) in enumerate(series):
            x = left + 160 * j
            shapes.append(Shape("rect", {"x": x, "y": height - 14, "width": 12, "height": 12, "fill": COLOURS[j]}))
            shapes.append(Shape("text", {"x": x + 16, "y": height - 4}, name))
    return Chart(left + plot + right, height, description, shapes)


def line_chart(labels: list[str], series: list[tuple[str, list[float]]], maximum: float, percent: bool,
               description: str) -> Chart:
    """Lines over evenly spaced points (months, years), the y axis from 0 to maximum."""
    left, top, plot_w, plot_h = 60, 20, max(240, 56 * len(labels)), 200
    maximum = maximum or 1
    ticks = [maximum * t for t in (0, 0.25, 0.5, 0.75, 1)]
    step = plot_w / max(1, len(labels) - 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return round(left + step * i if len(labels) > 1 else left + plot_w / 2, 1), round(top + plot_h * (1 - v / maximum), 1)

    shapes = []
    for t in ticks:
        y = top + plot_h * (1 - t / maximum)
        shapes.append(Shape("line", {"x1": left, "x2": left + plot_w, "y1": y, "y2": y, "class": "grid"}))
        shapes.append(Shape("text", {"x": left - 6, "y": y + 4, "text-anchor": "end", "class": "axis"},
                            _percent(t) if percent else f"{t:g}"))
    for i, label in enumerate(labels):
        x, _ = point(i, 0)
        shapes.append(Shape("text", {"x": x, "y": top + plot_h + 16, "text-anchor": "middle", "class": "axis"}, label))
    for j, (name, values) in enumerate(series):
        points = [point(i, v) for i, v in enumerate(values)]
        shapes.append(Shape("polyline", {"points": " ".join(f"{x},{y}" for x, y in points), "fill": "none",
                                         "stroke": COLOURS[j], "stroke-width": 2}))
        shapes += [Shape("circle", {"cx": x, "cy": y, "r": 3.5, "fill": COLOURS[j]},
                         title=f"{labels[i]}: {name} {_percent(values[i]) if percent else values[i]}")
                   for i, (x, y) in enumerate(points)]
    return Chart(left + plot_w + 40, top + plot_h + 30, description, shapes)


# --- the parts ----------------------------------------------------------------------------

def _rows(store: ox.Store, name: str) -> tuple[str, str, list[str], list[list]]:
    query = load_query(name)
    columns, rows = table(run(store, query, {}))
    return query.question, query.text, columns, rows


def _rate_part(store: ox.Store, title: str, name: str, label: Callable[[dict], str], note: str = "") -> Part:
    """A part whose chart is the overturn rate of each row (top rows by items), noting the item count."""
    question, text, columns, rows = _rows(store, name)
    records = [dict(zip(columns, row)) for row in rows]
    shown = records[:TOP]
    charts = [bar_chart([label(r) for r in shown], [("overturn rate", [r["overturn_rate"] for r in shown])],
                        [f"of {r['items']}" for r in shown],
                        f"Overturn rate by {title.lower()}, the {len(shown)} with most items")] if shown else []
    return Part(title, name, question, text, columns, rows, charts, note)


def _guideline_label(r: dict) -> str:
    return f"{r['source']}: {r['topic'] or r['chapter'] or r['document']}"


def _criteria_part(store: ox.Store) -> Part:
    """Criteria whose status goes with the outcome most: the gap between the overturn rate where the
    reviewer found the criterion met and where not met or not documented."""
    question, text, columns, rows = _rows(store, "criterion_outcomes")
    records = [dict(zip(columns, row)) for row in rows]
    both = [r for r in records if r["overturn_rate_met"] is not None and r["overturn_rate_failed"] is not None]
    one = [r for r in records if r not in both and (r["items_met"] or r["items_failed"])]
    both.sort(key=lambda r: (-abs(r["overturn_rate_met"] - r["overturn_rate_failed"]), -r["assessments"], r["criterion_label"]))
    shown = (both + one)[:TOP]
    charts = [bar_chart([r["criterion_label"] for r in shown],
                        [("met", [r["overturn_rate_met"] for r in shown]),
                         ("not met or not documented", [r["overturn_rate_failed"] for r in shown])],
                        [f"(items: {r['items_met']} met, {r['items_failed']} not)" for r in shown],
                        "Overturn rate of items where each criterion was met, and where it was not met or not documented"
                        )] if shown else []
    note = (f"{len(both)} criteria were found met in some items and not met or not documented in others; they come first, "
            "ordered by the gap between the two overturn rates (the most decisive first).")
    return Part("Most decisive criteria", "criterion_outcomes", question, text, columns, rows, charts, note)


def _time_part(store: ox.Store) -> Part:
    question, text, columns, rows = _rows(store, "decisions_by_month")
    records = [dict(zip(columns, row)) for row in rows]
    months = [r["month"] for r in records]
    # an items axis in whole numbers: five ticks at multiples of a quarter of a multiple of 4
    most = -(-max((r["items"] for r in records), default=1) // 4) * 4
    charts = [line_chart(months, [("items", [r["items"] for r in records])], most, False,
                         "Disputed items decided each month"),
              line_chart(months, [("overturn rate", [r["overturn_rate"] for r in records])], 1, True,
                         "Overturn rate of the items decided each month")] if records else []
    return Part("Decisions over time", "decisions_by_month", question, text, columns, rows, charts,
                "Letters without a decision date are left out (see overturn_rate_by_year).")


PARTS: list[tuple[str, Callable[[ox.Store], Part]]] = [
    ("outcomes_by_category", lambda s: _rate_part(s, "Treatment category", "outcomes_by_category", lambda r: r["category"])),
    ("outcomes_by_guideline_topic", lambda s: _rate_part(
        s, "Guideline topic", "outcomes_by_guideline_topic", _guideline_label,
        "The guideline the IMRO reviewer cited, at its most specific level; an item citing two counts under both.")),
    ("reviewer_specialty_outcomes", lambda s: _rate_part(
        s, "Reviewer specialty", "reviewer_specialty_outcomes", lambda r: r["specialty"],
        "An item counts under each specialty of its reviewer.")),
    ("criterion_outcomes", _criteria_part),
    ("decisions_by_month", _time_part),
]


def build_report(store: ox.Store, store_dir: Path, progress: Callable[[str], None] = lambda name: None) -> Report:
    progress("outcomes_by_category")
    _, _, columns, rows = _rows(store, "outcomes_by_category")
    totals = {c: sum(r[columns.index(c)] for r in rows) for c in ("items", *OUTCOMES)}
    letters = len(_rows(store, "letters")[3])
    skipped = skipped_letters(store_dir)
    overview = [("letters", letters), ("disputed items", totals["items"]),
                *((o.replace("_", " "), totals[o]) for o in OUTCOMES),
                ("overturn rate", _percent((totals["overturned"] + totals["partially_overturned"]) / totals["items"])
                 if totals["items"] else "n/a"),
                ("letters skipped by the build", len(skipped))]
    report = Report(str(store_dir), datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), __version__, overview,
                    skipped=[s.line() for s in skipped[:20]])
    for name, make in PARTS:
        progress(name)
        report.parts.append(make(store))
    return report


def render(report: Report) -> str:
    from jinja2 import Environment, StrictUndefined

    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["cell"] = cell
    return environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(report=report)
