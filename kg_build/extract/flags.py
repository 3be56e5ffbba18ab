"""Quality flags: internal inconsistencies of a letter that a reader should see."""

from __future__ import annotations


from kg_build.extract.phrases import phrase, words
from kg_build.extract.worker import pronoun_sex, without_he_she
from kg_build.text import Doc

# the order dates must follow in a case; pairs out of order are flagged
_DATE_ORDER = ("date_of_injury", "ur_denial_date", "application_received", "date_assigned", "decision_date")


def quality_flags(doc: Doc, record: dict, letter_outcome: str | None) -> list[dict]:
    return [
        *_sex_mismatch(doc, record),
        *_age_mismatch(doc, record),
        *_outcome_conflicts(record, letter_outcome),
        *_date_order(record),
    ]


def _flag(kind: str, detail: str, span: list[int] | None = None, text: str | None = None) -> dict:
    """A flag; where it has a place in the letter, its span and the text there."""
    return {"kind": kind, "detail": detail, **({"span": span, "text": text} if span else {})}


def _sex_mismatch(doc: Doc, record: dict) -> list[dict]:
    stated = record["worker"]["sex"]
    flags = []
    for item in record["items"]:
        start, end = item["rationale"]["span"]
        said = pronoun_sex(doc.text[start:end])
        if stated and said and said != stated:
            regex = words("pronouns")[said]
            clean = without_he_she(doc.text[start:end])
            m = regex.search(clean)
            where = [start + m.start(), start + m.end()] if m else None
            flags.append(_flag("sex_mismatch", f"the case summary says {stated}; the rationale of item {item['number']} "
                                               f"refers to the worker as {said} ('{m.group() if m else said}')", where,
                               m.group() if m else None))
    return flags


def _age_mismatch(doc: Doc, record: dict) -> list[dict]:
    stated = record["worker"]["age"]
    flags = []
    for item in record["items"]:
        start, end = item["rationale"]["span"]
        for m in phrase("age").finditer(doc.text, start, end):
            if stated is not None and abs(int(m.group("age")) - stated) > 1:
                flags.append(_flag("age_mismatch", f"the case summary says {stated} years old; the rationale of item "
                                                   f"{item['number']} says {m.group('age')}", [m.start(), m.end()], m.group()))
    return flags


def _outcome_conflicts(record: dict, letter_outcome: str | None) -> list[dict]:
    flags = [
        _flag("outcome_unread", f"item {item['number']} states no outcome the extractor can read; it is recorded as upheld",
              item["rationale"]["span"], item["rationale"]["text"])
        for item in record["items"] if not item.get("outcome_read", True)
    ]
    for item in record["items"]:
        concluded = item.get("concluded_outcome")
        if concluded and concluded != item["outcome"] and "partially_overturned" not in (concluded, item["outcome"]):
            flags.append(_flag("outcome_conflict", f"item {item['number']} is marked {item['outcome']} but its rationale "
                                                   f"concludes {concluded}", item["rationale"]["span"], item["rationale"]["text"]))
    outcomes = {item["outcome"] for item in record["items"]}
    if letter_outcome and outcomes:
        expected = outcomes.pop() if len(outcomes) == 1 else "partially_overturned"
        if expected != letter_outcome and not (letter_outcome == "partially_overturned" and expected == "overturned"):
            flags.append(_flag("outcome_conflict", f"the letter's final determination is {letter_outcome} but its items "
                                                   f"are {', '.join(sorted({i['outcome'] for i in record['items']}))}"))
    return flags


def _date_order(record: dict) -> list[dict]:
    case = record["case"]
    dates = [(field, case.get(field)) for field in _DATE_ORDER if case.get(field)]
    flags = [
        _flag("date_order", f"{a} {da} is after {b} {db}")
        for i, (a, da) in enumerate(dates) for b, db in dates[i + 1:] if da > db
    ]
    injury = record["injury"]["date"]
    if injury and case.get("date_of_injury") and injury != case["date_of_injury"]:
        flags.append(_flag("date_mismatch", f"the header's date of injury {case['date_of_injury']} differs from the "
                                            f"summary's {injury}"))
    return flags
