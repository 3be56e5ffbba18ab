"""Diagnoses, prior treatments and findings from the clinical case summary."""

from __future__ import annotations

import re

from kg_build.extract.phrases import phrase, words
from kg_build.lexicon import Lexicon, lexicon
from kg_build.text import Doc, Span, split_at, trim

_LIST_SPLIT = re.compile(r"\s*(?:,|;)\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as|along with|plus)\s+")
_ARTICLE = re.compile(r"(?i)(?:(?:a|an|the|his|her|their|some|several|multiple|prior|previous|ongoing|conservative|include|including)\s+)+")
_NUMBERED = re.compile(r"(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*])\s+")
_NOT_AN_ITEM = re.compile(r"(?i)(?:without|with no|but|which|that|until|who|none)\b")
_NEGATION_BEFORE = re.compile(r"(?i)\b(?:no|not|denies|denied|without|negative for|absence of|free of|resolved)\b[^.;]{0,40}$")


def mention(doc: Doc, span: Span, normalized: str | None, laterality: str | None = None, **extra) -> dict:
    start, end = span
    return {"text": doc.text[start:end], "normalized": normalized, "laterality": laterality, **extra, "span": [start, end]}


def list_items(doc: Doc, region: Span, trigger: re.Pattern[str], protect: Lexicon) -> list[Span]:
    """Items of every list a trigger phrase opens in region: the rest of its sentence, or
    the numbered entries that follow it."""
    items: list[Span] = []
    sentences = doc.sentences(*region)
    for i, sentence in enumerate(sentences):
        m = trigger.search(doc.text, *sentence)
        if m is None:
            continue
        rest = trim(doc.text, m.end(), sentence[1], " .,;:")
        if rest[1] > rest[0] and not _NUMBERED.match(doc.text, *rest):
            items += _split_list(doc, rest, protect)
            continue
        # a numbered list: "Diagnoses: 1. ... 2. ..." or one entry a line
        for entry in [rest, *sentences[i + 1:]]:
            number = _NUMBERED.match(doc.text, *entry)
            if number is None and entry is not rest:
                break
            items += _split_list(doc, trim(doc.text, number.end() if number else entry[0], entry[1], " .,;:"), protect)
    return [s for s in items if s[1] - s[0] > 1 and not _NOT_AN_ITEM.match(doc.text, *s)]


def _split_list(doc: Doc, span: Span, protect: Lexicon) -> list[Span]:
    """A list's items: split at commas, semicolons and 'and'/'or', except inside a known name."""
    protected = [(x.start, x.end) for x in protect.find(doc, *span)]
    cuts = (m.span() for m in _LIST_SPLIT.finditer(doc.text, *span) if not any(s < m.start() < e for s, e in protected))
    return split_at(doc.text, *span, cuts, " .,;:")


def _strip_lead(doc: Doc, span: Span) -> Span:
    m = _ARTICLE.match(doc.text, span[0], span[1])
    start = m.end() if m else span[0]
    m = phrase("item_qualifiers").search(doc.text, start, span[1])
    return trim(doc.text, start, m.start() if m else span[1], " .,;:")


def laterality_of(text: str) -> str | None:
    hits = [(m.start(), side) for side, regex in words("laterality").items() if (m := regex.search(text))]
    return min(hits)[1] if hits else None


def _without_laterality(text: str) -> str:
    for regex in words("laterality").values():
        text = regex.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def diagnoses(doc: Doc, summary: Span) -> list[dict]:
    """Diagnoses as written, less laterality words; the link stage names their concept and code."""
    out, seen = [], set()
    spans = list_items(doc, summary, phrase("diagnosis_lists"), lexicon("diagnoses"))
    spans += [_status_post(doc, m.end(), summary[1]) for m in phrase("status_post").finditer(doc.text, *summary)]
    for span in spans:
        span = _strip_lead(doc, span)
        written = doc.text[span[0]:span[1]]
        normalized = _without_laterality(written).lower()
        if normalized and normalized not in seen:
            seen.add(normalized)
            out.append(mention(doc, span, normalized, laterality_of(written)))
    return out


def _status_post(doc: Doc, start: int, end: int) -> Span:
    stop = re.compile(r"[.,;]|\s(?:on|in|dated|with)\s").search(doc.text, start, end)
    return trim(doc.text, start - len("status post "), stop.start() if stop else end)


def prior_treatments(doc: Doc, summary: Span) -> list[dict]:
    out, seen = [], set()
    for span in list_items(doc, summary, phrase("treatment_lists"), lexicon("services")):
        span = _strip_lead(doc, span)
        known = lexicon("drugs").find(doc, *span) or lexicon("services").find(doc, *span)
        # the name as written (a brand, 'chiropractic care'); the concept is the lexicon's
        written = doc.text[known[0].start:known[0].end] if known else doc.text[span[0]:span[1]]
        normalized, concept = written.lower(), known[0].entry.name if known else None
        if (concept or normalized) not in seen:
            seen.add(concept or normalized)
            out.append(mention(doc, span, normalized, concept=concept))
    return out


def findings(doc: Doc, regions: list[Span]) -> list[dict]:
    """Symptoms and examination findings named anywhere in the given regions, first mention each."""
    out, seen = [], set()
    for region in regions:
        services = [(s.start, s.end) for s in lexicon("services").find(doc, *region)]
        for m in lexicon("findings").find(doc, *region):
            if m.entry.name in seen or any(s < m.end and m.start < e for s, e in services):
                continue
            seen.add(m.entry.name)
            line_start = max(doc.text.rfind(".", region[0], m.start), doc.text.rfind("\n", region[0], m.start), region[0])
            negated = _NEGATION_BEFORE.search(doc.text, line_start, m.start) is not None
            written = _without_laterality(doc.text[m.start:m.end]).lower()
            out.append(mention(doc, (m.start, m.end), written, laterality_of(doc.text[line_start:m.start][-15:]),
                               concept=m.entry.name, negated=negated))
    return out
