"""Assemble the extraction record (../shared/schemas/letter-record.schema.json) of one letter."""

from __future__ import annotations

from kg_build.extract.case import case_header, reviewer
from kg_build.extract.citations import citations
from kg_build.extract.clinical import diagnoses, findings, prior_treatments
from kg_build.extract.flags import quality_flags
from kg_build.extract.phrases import rationale_phrase
from kg_build.extract.criteria import read_rationale
from kg_build.extract.rationale import conclusion, outcome_from_words
from kg_build.extract.request import parse_request
from kg_build.extract.worker import age_and_sex, injury
from kg_build.layout import ItemBlock, Layout
from kg_build.text import Doc, Span

SCHEMA_VERSION = "1"


def build_record(text: str, layout: Layout, source: dict, candidates: bool = False) -> dict:
    """The extraction record of a letter (schemas/letter-record.schema.json); candidates: see
    pipeline.extract_file."""
    doc = Doc(text)
    summary = layout.sections.get("case_summary") or (0, len(text))
    case = case_header(text[: _first_item_start(layout)])
    header = layout.header
    case["evidence"] = {"text": text[header[0]:header[1]], "span": list(header)} if header[1] > header[0] else None
    items = [_item(doc, block, candidates) for block in layout.items]
    rationales = [tuple(item["rationale"]["span"]) for item in items]
    record = {
        "schema_version": SCHEMA_VERSION,
        "source": {**source, "format": layout.format},
        "case": case,
        "reviewer": reviewer(doc, _credential_regions(layout, len(text))),
        "worker": age_and_sex(doc, summary),
        "injury": injury(doc, summary, case["date_of_injury"]),
        "diagnoses": diagnoses(doc, summary),
        "prior_treatments": prior_treatments(doc, summary),
        "findings": findings(doc, [summary, *rationales]),
        "items": items,
    }
    determination = rationale_phrase("letter_determination").search(text)
    record["final_determination"] = outcome_from_words(determination.group("value")) if determination else None
    record["quality_flags"] = quality_flags(doc, record, record["final_determination"])
    for item in items:
        item.pop("concluded_outcome")
        item.pop("outcome_read")
    return record


def _credential_regions(layout: Layout, length: int) -> list[Span]:
    """Where a layout states the reviewer's credentials; the whole letter if it has no such section."""
    found = [layout.sections[name] for name in ("how_made", "qualifications") if name in layout.sections]
    return found or [(0, length)]


def _first_item_start(layout: Layout) -> int:
    return min(block.request[0] for block in layout.items)


def _item(doc: Doc, block: ItemBlock, candidates: bool) -> dict:
    rationale = block.rationale or (block.request[1], block.request[1])
    concluded, concluding = conclusion(doc, rationale)
    written = outcome_from_words(doc.text[slice(*block.outcome)]) if block.outcome else None
    if block.outcome and written is None:  # format2: "is [not] medically necessary ..."
        written, _ = conclusion(doc, block.outcome)
    outcome = written or concluded or "upheld"
    guidelines = citations(doc, block.claims_administrator, "claims_administrator") + citations(doc, block.imro, "imro")
    topics = {g.get("topic_normalized") or g.get("topic") or "" for g in guidelines if g["cited_by"] == "imro"}
    parts, criteria = read_rationale(doc, rationale, concluding, topics, concluded, candidates=candidates)
    return {
        "number": block.number,
        "request": doc.text[slice(*block.request)],
        "request_span": list(block.request),
        **parse_request(doc, block.request),
        "outcome": outcome,
        "medically_necessary": outcome != "upheld",
        "guidelines": guidelines,
        "rationale": {"text": doc.text[slice(*rationale)], "span": list(rationale), "parts": parts},
        "criteria": criteria,
        "concluded_outcome": concluded,
        "outcome_read": bool(written or concluded),
    }
