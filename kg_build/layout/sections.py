"""Find the headings of each known layout in a letter and pick the layout that fits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg_build.errors import LetterError
from kg_build.lexicon import heading_regex, load_yaml, phrase_pattern
from kg_build.text import Span


@dataclass(frozen=True)
class LayoutSpec:
    name: str
    required: str
    markers: tuple[re.Pattern[str], ...]
    sections: dict[str, re.Pattern[str]]
    item_fields: dict[str, re.Pattern[str]]
    first_heading: str


@cache
def layout_specs() -> tuple[LayoutSpec, ...]:
    specs = []
    for name, spec in load_yaml("layouts.yaml").items():
        specs.append(LayoutSpec(
            name=name,
            required=spec["required"],
            markers=tuple(re.compile(f"(?i){phrase_pattern(m)}") for m in spec["markers"]),
            sections={k: re.compile(heading_regex(v)) for k, v in spec["sections"].items()},
            item_fields={k: re.compile(heading_regex(v, line_start=False)) for k, v in spec.get("item_fields", {}).items()},
            first_heading=spec["sections"][spec["required"]][0],
        ))
    return tuple(specs)


def find_sections(text: str, spec: LayoutSpec) -> dict[str, Span]:
    """Section name -> span of its body (after the heading, up to the next heading)."""
    found = sorted(
        (m.start(), m.end(), name)
        for name, regex in spec.sections.items()
        if (m := regex.search(text))
    )
    return {
        name: (end, found[i + 1][0] if i + 1 < len(found) else len(text))
        for i, (_, end, name) in enumerate(found)
    }


def detect(text: str) -> tuple[LayoutSpec, dict[str, Span]]:
    """The layout whose required section is present and whose headings and markers fit best."""
    best: tuple[int, LayoutSpec, dict[str, Span]] | None = None
    candidates = [spec for spec in layout_specs() if spec.sections[spec.required].search(text)]
    for spec in candidates:
        sections = find_sections(text, spec)
        if len(candidates) == 1:
            return spec, sections
        score = 2 * len(sections) + sum(1 for m in spec.markers if m.search(text))
        if best is None or score > best[0]:
            best = (score, spec, sections)
    if best is None:
        looked_for = "; ".join(f"{s.name}: '{s.first_heading}'" for s in layout_specs())
        raise LetterError("layout", f"matches no IMR letter layout (looked for the headings {looked_for})")
    return best[1], best[2]
