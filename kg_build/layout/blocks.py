"""Cut a letter into its header, sections and one block per disputed item.

format1 items: "<request>: Upheld|Overturned" then labelled fields.
format2 items: "N. <request> is [not] medically necessary ..." then sub-headings.
format3: the requests are listed under ISSUE AT DISPUTE; guideline and rationale sections
are shared, or split by paragraph when there is one paragraph per request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg_build.errors import LetterError
from kg_build.layout.sections import LayoutSpec, detect
from kg_build.text import Span, trim

_F1_ITEM = re.compile(
    r"(?im)^[ \t]*(?:\d{1,2}[.)][ \t]+)?(?P<request>[^\n]+?)[ \t]*:\s*"
    r"(?P<outcome>partially[ \t]+overturned|partially[ \t]+upheld|overturned|upheld)[ \t]*\.?[ \t]*$"
)
_F2_ITEM = re.compile(
    r"(?im)^[ \t]*(?P<number>\d{1,2})[.)][ \t]+(?:MAXIMUS[ \t]+Federal[ \t]+Services,?[ \t]+Inc\.?[ \t]+has[ \t]+determined[ \t]+(?:that[ \t]+)?)?"
    r"(?:the[ \t]+request(?:ed)?[ \t]+(?:for[ \t]+)?)?(?P<request>[^\n]+?)[ \t]+"
    r"(?P<outcome>(?:is|are|was|were)[ \t]+(?:not[ \t]+)?medically[ \t]+necessary[^\n]*)$"
)
_F3_ISSUE = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)][ \t]+|-[ \t]+)?(?P<request>\S[^\n]*?)[ \t]*$")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class ItemBlock:
    number: int
    request: Span
    outcome: Span | None  # the outcome word or sentence as written; None: read it from the rationale
    claims_administrator: Span | None
    imro: Span | None
    rationale: Span | None


@dataclass(frozen=True)
class Layout:
    format: str
    header: Span
    sections: dict[str, Span]
    items: list[ItemBlock]


def split_letter(text: str) -> Layout:
    spec, sections = detect(text)
    first = min(start for start, _ in sections.values())
    header_end = text.rfind("\n", 0, first) if "\n" in text[:first] else 0
    if spec.name == "format3":
        items = _format3_items(text, spec, sections)
    else:
        items = _headed_items(text, spec, sections, _F1_ITEM if spec.name == "format1" else _F2_ITEM)
    if not items:
        body = sections[spec.required]
        heading = spec.first_heading
        raise LetterError("layout", f"no disputed item found under '{heading}' (truncated letter?)"
                          if text[body[0]:body[1]].strip() else f"section '{heading}' is empty (truncated letter?)")
    return Layout(spec.name, (0, max(header_end, 0)), sections, items)


def _headed_items(text: str, spec: LayoutSpec, sections: dict[str, Span], heading: re.Pattern[str]) -> list[ItemBlock]:
    """Items that each open with a heading line (format1, format2), up to the next one."""
    start, end = sections["decisions"]
    heads = list(heading.finditer(text, start, end))
    return [
        ItemBlock(n, _span(m, "request"), _span(m, "outcome"),
                  **_fields(text, spec, m.end(), heads[n].start() if n < len(heads) else end))
        for n, m in enumerate(heads, start=1)
    ]


def _fields(text: str, spec: LayoutSpec, start: int, end: int) -> dict[str, Span | None]:
    """The labelled fields of one item block, each up to the next label or the block's end."""
    found = sorted((m.start(), m.end(), name) for name, regex in spec.item_fields.items()
                   if (m := regex.search(text, start, end)))
    spans: dict[str, Span | None] = dict.fromkeys(spec.item_fields)
    for i, (_, body_start, name) in enumerate(found):
        body_end = found[i + 1][0] if i + 1 < len(found) else end
        spans[name] = trim(text, body_start, body_end)
    return spans


def _format3_items(text: str, spec: LayoutSpec, sections: dict[str, Span]) -> list[ItemBlock]:
    issues = sections.get("issues")
    requests = [_span(m, "request") for m in _F3_ISSUE.finditer(text, *issues)] if issues else []
    if not requests:
        return []
    guidelines = _share(text, sections.get("guidelines"), len(requests))
    rationales = _share(text, sections.get("rationale"), len(requests))
    return [
        ItemBlock(n, request, None, None, guidelines[n - 1], rationales[n - 1])
        for n, request in enumerate(requests, start=1)
    ]


def _share(text: str, section: Span | None, count: int) -> list[Span | None]:
    """One span per item: the section's paragraphs in order when there is one per item."""
    if section is None:
        return [None] * count
    whole = trim(text, *section)
    if count == 1:
        return [whole]
    paragraphs, begin = [], whole[0]
    for m in _PARAGRAPH.finditer(text, *whole):
        paragraphs.append(trim(text, begin, m.start()))
        begin = m.end()
    paragraphs.append(trim(text, begin, whole[1]))
    return paragraphs if len(paragraphs) == count else [whole] * count


def _span(m: re.Match[str], group: str) -> Span:
    return m.start(group), m.end(group)
