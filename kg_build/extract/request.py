"""A disputed item's request as written -> service, category, body region, dosing and quantity."""

from __future__ import annotations

import re

from kg_build.extract.clinical import laterality_of
from kg_build.extract.phrases import phrase
from kg_build.lexicon import load_yaml, lexicon
from kg_build.text import Doc, Span

_PLAIN = re.compile(r"\s*(?:\([^)]*\)|#\s*\d+|\bx\s*\d+|\d+(?:\.\d+)?\s*(?:mg|mcg|%|ml)\b|\bquantity\b.*|\bqty\b.*|\bfor\s+the\s+.*)")


def parse_request(doc: Doc, span: Span) -> dict:
    text = doc.text[span[0]:span[1]]
    drugs = lexicon("drugs").find(doc, *span)
    services = lexicon("services").find(doc, *span)
    region = lexicon("body_regions").find(doc, *span)
    if drugs:
        service, category = drugs[0].entry.name, "pharmaceuticals"
        drug = {"name": service, "strength": _strength(doc.text, drugs[0].end, span[1]), "drug_class": drugs[0].entry.row["drug_class"]}
    elif services:
        names = list(dict.fromkeys(m.entry.name for m in services))
        service, category, drug = "/".join(names), services[0].entry.row["category"], None
    else:
        service, category, drug = _PLAIN.sub("", text).strip(" ,.-:").lower() or text.lower(), None, None
    frequency, duration = _dosing(text)
    quantity, unit = _quantity(text)
    return {
        "service": service,
        "category": category,
        "body_region": region[0].entry.name if region else None,
        "laterality": laterality_of(text),
        "frequency": frequency,
        "duration": duration,
        "quantity": quantity,
        "unit": unit,
        "drug": drug,
    }


def _strength(text: str, start: int, end: int) -> str | None:
    m = phrase("strength").search(text, start, end)
    return re.sub(r"\s+", "", m.group()) if m else None


def _dosing(text: str) -> tuple[str | None, str | None]:
    """Frequency and duration as written; '2x6' reads as 2 times a week for 6 weeks."""
    if m := phrase("two_by").search(text):
        return f"{m.group('per_week')} times per week", f"{m.group('weeks')} weeks"
    frequency = phrase("frequency").search(text)
    duration = phrase("duration").search(text)
    return (frequency.group().strip() if frequency else None,
            re.sub(r"\s+", " ", duration.group("value")) if duration else None)


def _quantity(text: str) -> tuple[float | int | None, str | None]:
    units = set(load_yaml("phrases.yaml")["units"])
    for m in phrase("quantity").finditer(text):
        value = m.group("q1") or m.group("q2") or m.group("q3")
        unit = (m.group("u1") or m.group("u3") or "").lower() or None
        number = float(value)
        return (int(number) if number.is_integer() else number), (unit if unit in units or m.group("u3") else None)
    return None, None
