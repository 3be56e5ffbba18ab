"""The atomic criteria a guideline sentence states: the sentence without its lead-in
('Criteria include'), cut at clause boundaries; each clause cut into the items of a list
('documentation of a, b and c'), keeping examples ('such as x, y and z') with their criterion;
each item cut again where it names several catalog criteria one after the other. Each
criterion is linked to the catalog (the cited guideline topics' criteria first). The phrases
are in data/rationale.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg_build.extract.catalog import CatalogCriterion, match, mentions
from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.text import Doc, Span, split_at, trim

TRIM = " ,.;:"


@dataclass
class StatedCriterion:
    """A criterion as the guideline part states it, and the facts of the application given to it."""
    span: Span
    known: CatalogCriterion | None
    sentence: Span  # the guideline sentence that states it
    facts: list[tuple[int, Span]] = field(default_factory=list)  # (relevance, fact)


def clauses(doc: Doc, sentence: Span) -> list[Span]:
    """A criterion sentence without its lead-in ('Criteria include'), cut at clause boundaries."""
    lead = rp("criterion_lead").match(doc.text, *sentence)
    start = lead.end() if lead else sentence[0]
    cuts = (m.span() for m in rp("criterion_split").finditer(doc.text, start, sentence[1]))
    parts = split_at(doc.text, start, sentence[1], cuts, TRIM)
    return [_without_conjunction(doc, p) for p in parts if p[1] - p[0] > 6]  # "he is 68" is a clause


def criteria_of(doc: Doc, sentence: Span, clause: Span, topics: set[str]) -> list[StatedCriterion]:
    """The atomic criteria of one clause: its list items, each cut again where it names
    several catalog criteria; an item the catalog does not know, after one it knows, is taken
    for the rest of that item (the list was cut inside it), and neighbours naming the same
    criterion are one."""
    found: list[StatedCriterion] = []
    for atom in _atoms(doc, clause, topics):
        for piece in _by_catalog(doc, atom, topics):
            known = match(doc.text[piece[0]:piece[1]], topics)
            if found and (known is None and found[-1].known is not None
                          or known is not None and found[-1].known is not None and known.id == found[-1].known.id):
                found[-1].span = (found[-1].span[0], piece[1])
            else:
                found.append(StatedCriterion(piece, known, sentence))
    return found


def _atoms(doc: Doc, clause: Span, topics: set[str]) -> list[Span]:
    """A clause listing several criteria ('documentation of a, b and c') -> one span each;
    examples ('such as x, y and z') stay with their criterion."""
    lead = rp("criterion_list").search(doc.text, *clause)
    if lead is None:
        return [clause]
    examples = rp("criterion_examples").search(doc.text, lead.end(), clause[1])
    stop = examples.start() if examples else clause[1]
    # an 'or' inside what the catalog names as one criterion ('returned to work or has improved
    # functioning') joins its alternatives, it does not list criteria
    cuts = list(rp("criterion_list_split").finditer(doc.text, lead.end(), stop))
    if any(m.group().strip() == "or" for m in cuts):
        named = [(clause[0] + s, clause[0] + e) for s, e, _ in mentions(doc.text[clause[0]:clause[1]], topics)]
        cuts = [m for m in cuts if m.group().strip() != "or" or not any(s < m.start() and m.end() < e for s, e in named)]
    if not cuts:
        return [clause]
    # "documentation of a, b" keeps its lead on the first item, "include: a, b" drops its own;
    # either keeps what comes before it when that names a criterion too ('imaging evidence of a
    # lesion', 'caused by musculoskeletal conditions, with evidence of ...', 'only for medical
    # treatment for patients who are homebound, ..., and notes that it includes ...')
    keeps_lead = re.match(r"(?i)(?:documentation|evidence|review|monitoring)\b", lead.group())
    if mentions(doc.text[clause[0]:lead.start()], topics):
        start = clause[0]
    else:
        start = lead.start() if keeps_lead else lead.end()
    atoms = split_at(doc.text, start, clause[1], (m.span() for m in cuts), TRIM)
    return [a for a in (_without_conjunction(doc, a) for a in atoms) if a[1] - a[0] > 3]


def _by_catalog(doc: Doc, atom: Span, topics: set[str]) -> list[Span]:
    """An atom that names several catalog criteria one after the other ('a second-line option
    for short-term treatment of acute exacerbations') -> one span each, cut at the last
    connective between two of them (a comma or 'and'), else at the first weak one ('for
    patients who are homebound'). Names inside examples ('such as ...') do not count."""
    text = doc.text[atom[0]:atom[1]]
    first, last = _examples(text)
    named = [(s, e, entry) for s, e, entry in mentions(text, topics) if not first <= s < last]
    pieces, cursor = [], 0
    for (_, end, a), (start, _, b) in zip(named, named[1:]):
        if a.id == b.id:
            continue
        cut = _last(rp("criterion_atom_cut"), text, end, start) or rp("criterion_atom_cut_weak").search(text, end, start)
        if cut is None:
            stop = resume = start
        else:  # a word opening a clause stays with it ('if there is objective functional improvement')
            stop, resume = cut.start(), cut.start("keep") if cut.groupdict().get("keep") else cut.end()
        pieces.append(trim(doc.text, atom[0] + cursor, atom[0] + stop, TRIM))
        cursor = resume
    pieces.append(trim(doc.text, atom[0] + cursor, atom[1], TRIM))
    return [_without_conjunction(doc, p) for p in pieces if p[1] - p[0] > 3]


def _examples(text: str) -> tuple[int, int]:
    """Where the examples of a criterion are ('such as locking or giving way'): from the cue
    to the closing parenthesis, or to the first comma after it, where the next criterion
    begins ('..., signs of a tear on examination'), or the verb of a clause the examples
    open ('such as Voltaren gel are indicated for'); (n, n) when none."""
    cue = rp("criterion_examples").search(text)
    if cue is None:
        return len(text), len(text)
    if cue.group() == "(":
        end = text.find(")", cue.end())
        return cue.start(), end if end >= 0 else len(text)
    end = rp("criterion_examples_end").search(text, cue.end())
    if end is None:
        return cue.start(), len(text)
    return cue.start(), end.start("stop") if end.group("stop") is not None else end.start()


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end):
        pass
    return found


def _without_conjunction(doc: Doc, span: Span) -> Span:
    m = re.match(r"(?:and|or|nor|with|after|for)\s+", doc.text[span[0]:span[1]])
    return (span[0] + m.end(), span[1]) if m else span


def merged(doc: Doc, criteria: list[StatedCriterion], topics: set[str]) -> list[StatedCriterion]:
    """One catalog criterion stated twice in a rationale is one, assessed once: stated twice in
    a row in a sentence, its span runs over both ('no contraindication, and ESWT is
    contraindicated in ...'); otherwise the statement that names it in more of the catalog's
    words stays, the earlier on a tie ('should not be a stand-alone treatment' in a sentence
    that recommends it 'as an adjunct to exercise'; 'Repeat MRI is not routinely recommended.
    It is reserved for a significant change in symptoms')."""
    kept: list[StatedCriterion] = []
    for c in criteria:
        earlier = next((i for i, k in enumerate(kept) if c.known and k.known and k.known.id == c.known.id), None)
        if earlier is None:
            kept.append(c)
        elif earlier == len(kept) - 1 and kept[-1].sentence == c.sentence:
            kept[-1].span = (kept[-1].span[0], c.span[1])  # stated twice in a row: one span over both
        elif _naming(doc, c, topics) > _naming(doc, kept[earlier], topics):
            kept[earlier] = c
    return kept


def _naming(doc: Doc, c: StatedCriterion, topics: set[str]) -> int:
    """How many characters of the criterion's span the catalog's words for it cover."""
    return sum(e - s for s, e, entry in mentions(doc.text[c.span[0]:c.span[1]], topics) if entry.id == c.known.id)
