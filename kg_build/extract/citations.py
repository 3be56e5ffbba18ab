"""Guideline citations: which guideline the claims administrator or the IMRO reviewer relied on.

One field of a letter ("MAXIMUS guideline: ...") may hold several citations; each becomes
{cited_by, source, mtus, document, chapter, topic, pages, text, span}.
"""

from __future__ import annotations

import re

from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.lexicon import lexicon
from kg_build.text import Doc, Span, split_at

_TIDY = re.compile(r"^[\s,.;:()-]+|[\s,.;:(-]+$")
_SPACES = re.compile(r"\s{2,}")


def citations(doc: Doc, field: Span | None, cited_by: str) -> list[dict]:
    if field is None:
        return []
    found: list[dict] = []
    not_mtus = False
    for piece in _pieces(doc, field):
        text = doc.text[piece[0]:piece[1]]
        if rp("citation_none").search(text):
            found.append(_citation(cited_by, "none", False, None, None, None, None, doc, piece))
            continue
        cited = _parse(doc, piece, cited_by, not_mtus)
        if cited is None:
            not_mtus = not_mtus or bool(rp("citation_not_mtus").search(text))
        else:
            found.append(cited)
    return found


def _pieces(doc: Doc, field: Span) -> list[Span]:
    """Split a field into candidate citations: by sentence, ';' and line, and before each lead
    ('Decision based on', 'based his/her decision on') so a preamble stands apart."""
    out = []
    for start, end in doc.sentences(*field):
        cuts = sorted([(m.start(), m.end()) for m in rp("citation_split").finditer(doc.text, start, end)]
                      + [(m.start(), m.start()) for m in rp("citation_lead").finditer(doc.text, start, end)])
        out += split_at(doc.text, start, end, cuts, " .;,\n")
    return [p for p in out if p[1] - p[0] > 2]


def _parse(doc: Doc, piece: Span, cited_by: str, not_mtus: bool) -> dict | None:
    text = doc.text[piece[0]:piece[1]]
    documents = lexicon("guideline_documents").find(doc, *piece)
    chapters = lexicon("guideline_chapters").find(doc, *piece)
    pages = rp("citation_pages").search(text)
    named = [m for m in documents if m.entry.name != "Medical Treatment Utilization Schedule"]
    if not (named or chapters or pages):
        return None
    if not pages and rp("citation_explanation").search(text) and not rp("citation_lead").match(text):
        return None  # "The MTUS does not address ..., so the ODG was used" explains, it does not cite
    sources = [m.entry.row["source"] for m in named] or ["MTUS" if documents else "other"]
    source = next((s for s in ("ODG", "ACOEM") if s in sources), sources[0])
    document = next((m.entry.name for m in named if m.entry.row["source"] == source), None)
    mtus = (not not_mtus and not rp("citation_not_mtus").search(text)
            and (source == "MTUS" or any(m.entry.row["mtus"] == "true" for m in documents)))
    chapter_match = next((m for m in chapters if m.entry.row["source"] == source), None)
    chapter = _chapter_as_written(doc, chapter_match) if chapter_match else None
    removed = [(m.start, m.end) for m in named] + ([(chapter_match.start, chapter_match.end)] if chapter_match else [])
    if pages:
        removed.append((piece[0] + pages.start(), piece[0] + pages.end()))
    topic = _topic(doc, piece, removed)
    cited = _citation(cited_by, source, mtus, document, chapter, topic, _pages(pages), doc, piece)
    cited["chapter_normalized"] = chapter_match.entry.name if chapter_match else None
    return cited


def _chapter_as_written(doc: Doc, match) -> str:
    """The chapter as the letter wrote it, including an '(Acute & Chronic)' that follows."""
    end = match.end
    tail = re.match(r"\s*\((?:Acute|Chronic)[^)]*\)", doc.text[end:end + 30])
    end += tail.end() if tail else 0
    if doc.text.count("(", match.start, end) > doc.text.count(")", match.start, end) and doc.text[end:end + 1] == ")":
        end += 1
    written = doc.text[match.start:end]
    return re.sub(r"\s+Chapter$", "", written)


def _topic(doc: Doc, piece: Span, removed: list[Span]) -> str | None:
    """What is left of a citation once source, document, chapter and pages are taken out."""
    text, cursor, parts = doc.text, piece[0], []
    for start, end in sorted(removed):
        if start >= cursor:
            parts.append(text[cursor:start])
            cursor = end
    parts.append(text[cursor:piece[1]])
    rest = " | ".join(parts)
    rest = re.sub(r"\(\s*(?:ODG|ACOEM|MTUS)\s*\)|\((?:Acute|Chronic)[^)]*\)", " ", rest)
    rest = rp("citation_boilerplate").sub(" ", rest)
    rest = rp("chapter_word").sub(" | ", rest)
    chunks = [_TIDY.sub("", c) for c in rest.split("|")]
    topic = _SPACES.sub(" ", " ".join(c for c in chunks if re.search(r"[A-Za-z]{3}", c)))
    return _TIDY.sub("", topic) or None


def _pages(m: re.Match[str] | None) -> str | None:
    if m is None:
        return None
    return re.sub(r"\s*(?:-|to)\s*", "-", re.sub(r"\s*(?:,|and|&)\s*", ", ", m.group("pages")))


def _topic_entry(topic: str):
    """The catalog topic a cited topic names: the whole of it, else the longest topic inside it."""
    topics = lexicon("guideline_topics")
    if entry := topics.lookup(topic):
        return entry
    found = topics.find(Doc(topic))
    return max(found, key=lambda m: m.end - m.start).entry if found else None


def _citation(cited_by, source, mtus, document, chapter, topic, pages, doc: Doc, piece: Span) -> dict:
    topic_entry = _topic_entry(topic) if topic else None
    return {
        "cited_by": cited_by, "source": source, "mtus": bool(mtus), "document": document,
        "chapter": chapter, "topic": topic, "topic_normalized": topic_entry.name if topic_entry else None,
        "pages": pages, "text": doc.text[piece[0]:piece[1]], "span": [piece[0], piece[1]],
    }
