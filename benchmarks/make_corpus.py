"""Generate a corpus of FICTIONAL IMR letters with their answer keys, for benchmarks.

    python3 benchmarks/make_corpus.py --count N --out DIR [--seed S] [--pdf-share X] [--jobs J]

Writes DIR/letters/letter-NNNNNN.txt (or .pdf) in all three layouts (format1 60%, format2
20%, format3 20%), one to six disputed items each (format3: one to three), and for each an
answer key DIR/gold/letter-NNNNNN.gold.json in the shape of ../shared/gold/*.gold.json,
scored by ../shared/tools/score_extraction.py. DIR/corpus.json records the parameters.

Every letter is invented: workers, dates, reviewers and case numbers (CM13-CM19, 9xxxxxx)
are made up. The wording comes from benchmarks/corpus_phrases.yaml: synonyms, sentence
orders, optional sentences and sections, several rationale and citation wordings; the text
is wrapped at 72-100 columns, some letters have page headers and footers, trailing spaces
and an empty line after every line (as text extracted from a PDF), mixed-case headings.

Deterministic: each letter draws from its own random.Random seeded with (seed, index), so
the same seed gives byte-identical files whatever --jobs is. Text letters are 3-8 KB; a PDF
holds the same kind of text (its file size differs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool
from pathlib import Path

import yaml

PHRASES = Path(__file__).resolve().parent / "corpus_phrases.yaml"
MIN_BYTES, MAX_BYTES = 3000, 8000
FORMATS = (("format1", 0.6), ("format2", 0.2), ("format3", 0.2))
ITEM_COUNTS = ((1, 0.34), (2, 0.25), (3, 0.18), (4, 0.11), (5, 0.07), (6, 0.05))
OVERTURN_RATE = 0.12  # DWC: about 9-13% of items are overturned
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
FIXED_PDF_DATE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)  # no wall-clock time in the output


@cache
def phrases() -> dict:
    return yaml.safe_load(PHRASES.read_text(encoding="utf-8"))


@dataclass
class Letter:
    name: str
    paragraphs: list[str]
    text: str
    gold: dict
    pdf: bool


# ---- small helpers ---------------------------------------------------------------------

def weighted(rng: random.Random, pairs) -> object:
    return rng.choices([v for v, _ in pairs], [w for _, w in pairs])[0]


def join_list(rng: random.Random, parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    comma = "," if rng.random() < 0.4 else ""
    return ", ".join(parts[:-1]) + f"{comma} and {parts[-1]}"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def lower_first(s: str) -> str:
    """Lower-case a leading word unless it is an acronym or brand written in capitals (MRI, TENS)."""
    return s if len(s) > 1 and s[1].isupper() else s[:1].lower() + s[1:]


def first_words(s: str, n: int) -> str:
    return " ".join(s.split()[:n])


def evidence_key(clause: str) -> str:
    """What the gold expects in a criterion's evidence: the clause's first words, up to its first
    comma or 'and' (an extractor may fairly cut the evidence there)."""
    head = re.split(r",| and | which ", clause, maxsplit=1)[0]
    return first_words(head, 5)


def last_words(s: str, n: int) -> str:
    return " ".join(s.split()[-n:])


def fill(template: str, slots: dict) -> str:
    return template.format_map(slots)


def us_date(d: dt.date, rng: random.Random, loose: bool = False) -> str:
    """A date as letters write it: 04/18/2014, sometimes 4/18/14 or April 18, 2014 in prose."""
    if loose:
        form = rng.random()
        if form < 0.2:
            return f"{d.month}/{d.day}/{d.year % 100:02d}"
        if form < 0.35:
            return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


# ---- the case ---------------------------------------------------------------------------

def plan_case(rng: random.Random, index: int, fmt: str, max_items: int) -> dict:
    """Every fact of one letter, before any wording is chosen."""
    p = phrases()
    year = 2013 if fmt == "format2" else rng.randint(2014, 2019)
    ur = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 270))
    received = ur + dt.timedelta(days=rng.randint(5, 20))
    assigned = received + dt.timedelta(days=rng.randint(2, 10))
    decision = assigned + dt.timedelta(days=rng.randint(10, 35))
    doi = ur - dt.timedelta(days=rng.randint(120, 2500))
    region_name = rng.choice(sorted(p["regions"]))
    region = p["regions"][region_name]
    side = weighted(rng, (("right", 0.45), ("left", 0.45), ("bilateral", 0.1))) if region.get("lateral") else rng.choice(("right", "left"))
    diagnoses = rng.sample(region["diagnoses"], rng.randint(1, min(3, len(region["diagnoses"]))))
    if rng.random() < 0.3:
        diagnoses.append(rng.choice(p["extra_diagnoses"]))
    candidates = list(region["items"]) + [i for d in diagnoses for i in d.get("items", []) if i not in region["items"]]
    n_items = min(weighted(rng, ITEM_COUNTS), max_items, len(candidates), 3 if fmt == "format3" else 6)
    sex = rng.choice(("male", "female"))
    return {
        "index": index, "format": fmt, "region": region, "side": side, "sex": sex,
        "age": rng.randint(22, 67), "occupation": rng.choice(p["people"]["occupation"]),
        "mechanism": rng.choice(p["mechanisms"]), "diagnoses": diagnoses,
        "prior": rng.sample(region["prior"], rng.randint(2, min(4, len(region["prior"])))),
        "symptoms": rng.sample(region["symptoms"], rng.randint(1, 2)),
        "signs": rng.sample(region["signs"], rng.randint(1, 3)),
        "items": rng.sample(candidates, n_items),
        "dates": {"doi": doi, "ur": ur, "received": received, "assigned": assigned, "decision": decision,
                  "visit": ur - dt.timedelta(days=rng.randint(7, 30)), "early": doi + dt.timedelta(days=rng.randint(20, 90))},
        "case_number": f"CM{year % 100:02d}-9{index:06d}",
        "priority": "expedited" if rng.random() < 0.05 else "standard",
        "header": fmt != "format1" or rng.random() > 0.1,  # some format1 letters lack their first page
        "states": rng.sample(p["reviewer"]["states"], weighted(rng, ((1, 0.8), (2, 0.2)))),
        "specialties": rng.sample(p["reviewer"]["specialties"], weighted(rng, ((1, 0.6), (2, 0.4)))),
    }


def pronouns(sex: str) -> dict:
    he, his, him = ("he", "his", "him") if sex == "male" else ("she", "her", "her")
    return {"he": he, "He": cap(he), "his": his, "His": cap(his), "him": him}


def base_slots(rng: random.Random, case: dict) -> dict:
    p = phrases()
    worker = rng.choice(p["people"]["worker"])
    dates = case["dates"]
    doi = dates["doi"]
    return {
        **pronouns(case["sex"]), "worker": worker, "Worker": cap(worker), "age": case["age"],
        "age_text": rng.choice(p["people"]["age_forms"]).format(age=case["age"]),
        "sex": rng.choice(p["people"]["sex"][case["sex"]]), "occupation": case["occupation"],
        "doi": us_date(doi, rng, loose=True), "month_year": f"{MONTHS[doi.month - 1]} {doi.year}",
        "lay": case["region"]["lay"], "visit": us_date(dates["visit"], rng), "ur": us_date(dates["ur"], rng),
        "received": us_date(dates["received"], rng), "early": us_date(dates["early"], rng),
    }


def written_diagnoses(rng: random.Random, case: dict) -> tuple[list[str], list[dict]]:
    texts, gold = [], []
    for d in case["diagnoses"]:
        text = rng.choice(d["written"])
        entry = {"normalized": d["name"], "icd10cm": list(d["codes"])}
        if d.get("lateral"):
            text = f"{case['side']} {text}"
            entry["laterality"] = case["side"]
        texts.append(text)
        gold.append(entry)
    return texts, gold


# ---- items ------------------------------------------------------------------------------

def plan_item(rng: random.Random, case: dict, kind: str, number: int) -> dict:
    """One disputed item: its request as written, citations, criteria with statuses, and its gold."""
    p = phrases()
    spec = p["items"][kind]
    region = case["region"]
    template = rng.choice(spec["requests"])
    side = case["side"]
    written_region = rng.choice(sorted(region["written"]))
    slots = {"region": written_region, "side": side, "Side": cap(side)}
    gold: dict = {"number": number, "service_any": list(spec["service_any"]), "category": spec["category"]}
    if "schedules" in spec:
        sched = rng.choice(spec["schedules"])
        slots["sched"] = sched["text"]
        gold.update({k: sched[k] for k in ("frequency", "duration", "quantity", "unit") if k in sched})
    if "strengths" in spec:
        slots["strength"] = rng.choice(spec["strengths"])
    if "quantities" in spec:
        slots["qty"] = rng.choice(spec["quantities"])
        gold["quantity"] = slots["qty"]
    if "levels" in spec:
        slots["level"] = slots["clevel"] = rng.choice(spec["levels"])
    if "days" in spec:
        slots["duration_days"] = rng.choice(spec["days"])
    if "hours" in spec:
        slots["hours"] = rng.choice(spec["hours"])
        gold.update(quantity=slots["hours"], unit="hours")
    request = fill(template, slots)
    if "{region}" in template:
        gold["body_region"] = region["written"][written_region]
    elif spec.get("region_fixed"):
        gold["body_region"] = spec["region_fixed"]
    if "{side}" in template.lower() and side != "bilateral":
        gold["laterality"] = side
    citations = spec.get("by_region", {}).get(region["body_region"], spec)
    overturned = rng.random() < OVERTURN_RATE
    chosen = rng.sample(spec["criteria"], rng.randint(1, min(3, len(spec["criteria"]))))
    statuses = ["met"] * len(chosen) if overturned else _failing_statuses(rng, len(chosen))
    return {
        "kind": kind, "request": request, "overturned": overturned, "gold": gold,
        "service": rng.choice(spec["service_word"]),
        "ca": rng.choice(citations["ca"]), "imro": rng.choice(citations["imro"]),
        "criteria": list(zip(chosen, statuses)),
    }


def _failing_statuses(rng: random.Random, n: int) -> list[str]:
    """Statuses of an upheld item's criteria: at least one not met or not documented."""
    statuses = [rng.choice(("met", "not_met", "not_documented", "not_assessed")) for _ in range(n)]
    failing = rng.randrange(n)
    statuses[failing] = rng.choice(("not_met", "not_documented"))
    return statuses


def citation_text(rng: random.Random, fmt: str, cid: str, party: str, several: bool) -> tuple[str, dict]:
    p = phrases()
    c = p["citations"][cid]
    forms = p["citation_forms"][fmt][c["style"]]
    options = forms["paged"] if c.get("pages") and "paged" in forms else forms["unpaged"]
    if several:  # a letter citing two guidelines does not say it did not use the MTUS
        options = [o for o in options if "did not" not in o] or options
    template = rng.choice(options)
    text = fill(template, {k: c.get(k) for k in ("document", "topic", "chapter", "pages")})
    if party == "imro":
        for old, new in p["citation_forms"]["imro_subject"].items():
            text = text.replace(old, new)
    source = {"mtus": "MTUS", "mtus_doc": "MTUS", "acoem": "ACOEM", "odg": "ODG"}[c["style"]]
    gold = {"cited_by": "imro" if party == "imro" else "claims_administrator", "source": source, "mtus": source != "ODG"}
    if c.get("doc_key"):
        gold["document_contains"] = c["doc_key"]
    if c.get("chapter_key"):
        gold["chapter_contains"] = c["chapter_key"]
    if c.get("topic"):
        gold["topic_contains"] = c.get("topic_key") or c["topic"]
    gold["pages"] = c["pages"] if "{pages}" in template else None
    return text, gold


def rationale(rng: random.Random, item: dict, slots: dict, fmt: str) -> tuple[str, list[dict]]:
    """The decision rationale (restatement, criteria, application, conclusion) and its criteria gold."""
    p = phrases()["rationale"]
    crit = phrases()["criteria"]
    sentences: list[str] = []
    if rng.random() < 0.75:
        sentences.append(fill(rng.choice(p["restatement"]), slots))
        more = fill(rng.choice(p["restatement_more"]), slots)
        if more:
            sentences.append(more)
    statements, applications, gold = [], [], []
    for cid, status in item["criteria"]:
        stated = rng.choice(crit[cid]["statements"])
        lead = rng.choice(p["statement_lead"])
        statements.append(lead + stated["text"] + "." if lead else cap(stated["text"]) + ".")
        entry: dict = {"text_contains": stated["key"]}
        if status == "not_assessed":
            entry.update(status_any=["not_assessed"], evidence_contains=None)
        else:
            clause = rng.choice(crit[cid][status])
            applications.append(rng.choice(p["application_lead"]) + clause + ".")
            entry.update(status_any=["not_documented", "not_met"] if status == "not_documented" else [status],
                         evidence_contains=evidence_key(clause))
        gold.append(entry)
    if rng.random() < 0.5:
        sentences += statements + applications
    else:  # each criterion followed by its application
        pending = list(applications)
        for s in statements:
            sentences.append(s)
            if pending:
                sentences.append(pending.pop(0))
        sentences += pending
    conclusion = fill(rng.choice(p["conclusion_yes" if item["overturned"] else "conclusion_not"]),
                      {"request": lower_first(item["request"]), "service": item["service"]})
    if fmt == "format2" and rng.random() < 0.7:
        conclusion = conclusion.replace("medically necessary.", "medically necessary and appropriate.")
    sentences.append(conclusion)
    return " ".join(cap(s) for s in sentences), gold


# ---- layouts ----------------------------------------------------------------------------

def heading(text: str, mixed: bool) -> str:
    return text.title().replace("Imr", "IMR").replace("(S)", "(s)") if mixed else text


def compose(rng: random.Random, case: dict, pad: int) -> tuple[list[str], dict]:
    """The letter as paragraphs (a heading is a paragraph of its own) and its gold record."""
    p = phrases()
    fmt = case["format"]
    slots = base_slots(rng, case)
    mech = fill(rng.choice(case["mechanism"]["how"]), slots)
    slots["mech"] = mech
    dx_texts, dx_gold = written_diagnoses(rng, case)
    slots["dx"] = dx_texts[0]
    slots["dx_list"] = join_list(rng, dx_texts)
    prior = [p["prior_treatments"][k] for k in case["prior"]]
    slots["tx_list"] = join_list(rng, [rng.choice(t["written"]) for t in prior])
    side = case["side"]
    slots["symptoms"] = join_list(rng, [s["text"].format(side=side) for s in case["symptoms"]])
    slots["signs"] = join_list(rng, [s["text"].format(side=side) for s in case["signs"]])
    items = [plan_item(rng, case, kind, n) for n, kind in enumerate(case["items"], start=1)]
    slots["requests"] = join_list(rng, [lower_first(i["request"]) for i in items])

    summary = _summary(rng, slots, pad)
    mixed = rng.random() < 0.15
    item_blocks, items_gold = [], []
    for item in items:
        text, criteria_gold = rationale(rng, item, slots, fmt)
        ca = [citation_text(rng, fmt, cid, "ca", len(item["ca"]) > 1) for cid in item["ca"]]
        imro = [citation_text(rng, fmt, cid, "imro", len(item["imro"]) > 1) for cid in item["imro"]]
        gold = dict(item["gold"])
        gold.update(
            request_contains=first_words(item["request"], 5),
            outcome="overturned" if item["overturned"] else "upheld",
            medically_necessary=item["overturned"],
            guidelines=([] if fmt == "format3" else [g for _, g in ca]) + [g for _, g in imro],
            rationale_starts=first_words(text, 6), rationale_ends=last_words(text, 3), criteria=criteria_gold,
        )
        items_gold.append({k: gold[k] for k in sorted(gold, key=_GOLD_ITEM_ORDER.index)})
        item_blocks.append((item, text, ca, imro))

    layout = {"format1": _format1, "format2": _format2, "format3": _format3}[fmt]
    paragraphs = layout(rng, case, slots, summary, item_blocks, mixed, pad)
    gold = {
        "_about": f"FICTIONAL letter generated by benchmarks/make_corpus.py (letter {case['index']}); "
                  "answer key in the shape of ../shared/gold, scored by ../shared/tools/score_extraction.py.",
        "source": {"format": fmt},
        "case": _case_gold(case),
        "reviewer": {"licensure": case["states"], "specialties": case["specialties"]},
        "worker": {"age": case["age"], "sex": case["sex"]},
        "injury": {"date": case["dates"]["doi"].isoformat(), "mechanism_any": case["mechanism"]["any"]},
        "diagnoses": dx_gold,
        "prior_treatments": [t["gold"] for t in prior],
        "findings": sorted({s["key"] for s in case["symptoms"] + case["signs"]}),
        "items": items_gold,
    }
    return paragraphs, gold


_GOLD_ITEM_ORDER = ["number", "request_contains", "service_any", "category", "body_region", "laterality", "frequency",
                    "duration", "quantity", "unit", "outcome", "medically_necessary", "guidelines", "rationale_starts",
                    "rationale_ends", "criteria"]


def _case_gold(case: dict) -> dict:
    d = case["dates"]
    if case["format"] == "format1":
        if not case["header"]:
            return dict.fromkeys(("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                                  "application_received", "priority"))
        return {"case_number": case["case_number"], "date_assigned": d["assigned"].isoformat(),
                "date_of_injury": d["doi"].isoformat(), "decision_date": d["decision"].isoformat(),
                "ur_denial_date": d["ur"].isoformat(), "application_received": d["received"].isoformat(),
                "priority": case["priority"]}
    if case["format"] == "format2":
        return {"case_number": case["case_number"], "date_assigned": None, "date_of_injury": d["doi"].isoformat(),
                "ur_denial_date": d["ur"].isoformat(), "application_received": d["received"].isoformat(),
                "priority": case["priority"]}
    return {"case_number": case["case_number"], "date_of_injury": d["doi"].isoformat(), "date_assigned": None}


def _summary(rng: random.Random, slots: dict, pad: int) -> str:
    s = phrases()["summary"]
    intro = rng.choice(s["intro"])
    middle = [fill(rng.choice(s["diagnoses"]), slots), fill(rng.choice(s["prior"]), slots)]
    rng.shuffle(middle)
    sentences = [fill(intro, slots)]
    if "{mech}" not in intro:
        sentences.append(fill(rng.choice(s["mechanism"]), slots))
    sentences += middle + [fill(rng.choice(s["symptoms"]), slots), fill(rng.choice(s["signs"]), slots)]
    fillers = [fill(f, slots) for f in s["filler"]]
    rng.shuffle(fillers)
    sentences += fillers[:pad + rng.randint(0, 1)]
    sentences.append(fill(rng.choice(s["request"]), slots))
    return " ".join(cap(x) for x in sentences)


def _specialties(rng: random.Random, case: dict) -> str:
    sp = case["specialties"]
    if len(sp) == 1:
        return sp[0]
    return f"{sp[0]} with a subspecialty in {sp[1]}" if rng.random() < 0.4 else f"{sp[0]} and {sp[1]}"


def _documents(rng: random.Random, slots: dict, pad: int) -> list[str]:
    docs = phrases()["documents"]
    chosen = docs[:3] + rng.sample(docs[3:], min(len(docs) - 3, rng.randint(0, 2) + pad))
    return [f"{n}. {fill(d, slots)}" for n, d in enumerate(chosen, start=1)]


def _pairs(rng: random.Random, pairs: list[tuple[str, str]]) -> list[str]:
    """Header label/value pairs, two a line, with a varying gap."""
    gap = rng.choice((" ", "  ", "\t", " " * 6))
    cells = [f"{label}: {value}" for label, value in pairs]
    return [gap.join(cells[i:i + 2]) for i in range(0, len(cells), 2)]


def _format1(rng: random.Random, case: dict, slots: dict, summary: str, item_blocks: list[tuple], mixed: bool,
             pad: int) -> list[str]:
    b = phrases()["boilerplate"]
    d = case["dates"]
    out: list[str] = []
    if case["header"]:
        out.append("\n".join(_pairs(rng, [
            ("Case Number", case["case_number"]), ("Date Assigned", us_date(d["assigned"], rng)),
            ("Date of Injury", us_date(d["doi"], rng)), ("Decision Date", us_date(d["decision"], rng)),
            ("UR Denial Date", us_date(d["ur"], rng)), ("Priority", case["priority"].title()),
            ("Application Received", us_date(d["received"], rng))])))
    out += [heading("HOW THE IMR FINAL DETERMINATION WAS MADE", mixed), rng.choice(b["f1_how_made"]),
            "The Expert Reviewer has the following credentials:\nState(s) of Licensure: " + ", ".join(case["states"])
            + "\nCertification(s)/Specialty: " + ", ".join(case["specialties"]),
            heading("CLINICAL CASE SUMMARY", mixed), rng.choice(b["f1_summary_lead"]), summary,
            heading(rng.choice(("IMR ISSUES, DECISIONS AND RATIONALES", "IMR ISSUE(S), DECISION(S) AND RATIONALE(S)")), mixed)]
    lead = rng.choice(b["f1_decisions_lead"])
    if lead:
        out.append(lead)
    for item, text, ca, imro in item_blocks:
        outcome = "Overturned" if item["overturned"] else "Upheld"
        out.append(f"{item['request']}: {outcome.upper() if rng.random() < 0.1 else outcome}")
        out.append("Claims Administrator guideline: " + " ".join(t for t, _ in ca))
        out.append("MAXIMUS guideline: " + " ".join(t for t, _ in imro))
        out.append("Decision rationale: " + text)
    return out


def _format2(rng: random.Random, case: dict, slots: dict, summary: str, item_blocks: list[tuple], mixed: bool,
             pad: int) -> list[str]:
    b = phrases()["boilerplate"]
    d = case["dates"]
    outcomes = {i["overturned"] for i, *_ in item_blocks}
    final = "OVERTURN" if outcomes == {True} else "UPHOLD" if outcomes == {False} else "PARTIAL OVERTURN"
    out = [rng.choice(b["f2_letterhead"]), "Notice of Independent Medical Review Determination",
           f"Dated: {us_date(d['decision'], rng)}",
           "\n".join(_pairs(rng, [("IMR Case Number", case["case_number"]), ("Date of Injury", us_date(d["doi"], rng)),
                                  ("Claims Number", "[redacted]"), ("UR Denial Date", us_date(d["ur"], rng)),
                                  ("Priority", case["priority"].title()), ("Application Received", us_date(d["received"], rng))])
                     + ["Employee Name: [redacted]", "Provider Name: [redacted]",
                        "Treatment(s) in Dispute Listed on IMR Application:"] + [i["request"] for i, *_ in item_blocks]),
           "Dear [redacted]:", rng.choice(b["f2_cover"]),
           f"Final Determination: {final}. {b['f2_final'][final]} {b['f2_final_tail']}",
           heading("HOW THE IMR FINAL DETERMINATION WAS MADE", mixed),
           fill(rng.choice(b["f2_how_made"]), {"specialties": _specialties(rng, case), "states": join_list(rng, case["states"])}),
           heading("DOCUMENTS REVIEWED", mixed), "\n".join(_documents(rng, slots, pad)),
           heading("CLINICAL CASE SUMMARY", mixed), summary,
           heading(rng.choice(("IMR DECISION(S) AND RATIONALE(S)", "IMR DECISIONS AND RATIONALES")), mixed)]
    for n, (item, text, ca, imro) in enumerate(item_blocks, start=1):
        verdict = "is medically necessary and appropriate." if item["overturned"] else "is not medically necessary and appropriate."
        out.append(f"{n}. {item['request']} {verdict}")
        out += ["Guidelines Used by the Claims Administrator (UR):", " ".join(t for t, _ in ca),
                "Medical Treatment Guideline(s) Used by the Expert Reviewer:", " ".join(t for t, _ in imro),
                "Rationale Used by the Expert Reviewer:", text]
    return out


def _format3(rng: random.Random, case: dict, slots: dict, summary: str, item_blocks: list[tuple], mixed: bool,
             pad: int) -> list[str]:
    b = phrases()["boilerplate"]
    forms = phrases()["citation_forms"]
    d = case["dates"]
    # several issues are numbered, else the lines would read as one wrapped paragraph
    mark = rng.choice(("{n}. ", "{n}) ")) if len(item_blocks) > 1 else ""
    issues = [mark.format(n=n) + i["request"] for n, (i, *_) in enumerate(item_blocks, start=1)]
    rationale_heading = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:"
    if rng.random() < 0.2:  # the long heading broken across two lines
        rationale_heading = rationale_heading.replace(" MEDICALLY", "\nMEDICALLY")
    out = ["MEDICAL PROFESSIONAL REVIEW", f"Case Number: {case['case_number']}\nDate of Injury: {us_date(d['doi'], rng)}",
           heading("ISSUE AT DISPUTE:", mixed), "\n".join(issues),
           heading("CASE SUMMARY:", mixed), summary,
           heading("DOCUMENTS REVIEWED FOR DETERMINATION:", mixed),
           "; ".join(x.split(". ", 1)[1] for x in _documents(rng, slots, pad)) + ".",
           heading("MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:", mixed)]
    for _, _, _, imro in item_blocks:
        why = rng.choice(forms["format3_why"])
        out.append(" ".join(t for t, _ in imro) + (f" {why}" if why else ""))
    out.append(heading(rationale_heading, mixed))
    out += [text for _, text, _, _ in item_blocks]
    out += [heading("MEDICAL REVIEWER QUALIFICATIONS:", mixed),
            fill(rng.choice(b["f3_qualifications"]), {"specialties": _specialties(rng, case), "states": join_list(rng, case["states"])})]
    return out


# ---- text and PDF rendering ------------------------------------------------------------

def wrap(line: str, width: int) -> list[str]:
    """Greedy word wrap (textwrap is several times slower and the corpus is large)."""
    out, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return out + [current]


def render_text(rng: random.Random, paragraphs: list[str], case_number: str) -> str:
    """Wrap, space and paginate the paragraphs as a letter's text file."""
    width = rng.randint(72, 100)
    double_space = rng.random() < 0.1
    lines: list[str] = []
    for para in paragraphs:
        if double_space:
            para = para.replace(". ", ".  ")
        for raw in para.split("\n"):
            lines += wrap(raw, width)
        lines.append("")
        if rng.random() < 0.1:
            lines.append("")
    if rng.random() < 0.35:
        lines = _paginate(rng, lines, case_number)
    if rng.random() < 0.3:  # text as extracted from a PDF: a trailing space and an empty line after every line
        return "".join(f"{line} \n\n" if line else " \n" for line in lines)
    return "\n".join(lines).rstrip("\n") + "\n"


def _paginate(rng: random.Random, lines: list[str], case_number: str) -> list[str]:
    per_page = rng.randint(42, 58)
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)]
    header = fill(rng.choice(phrases()["boilerplate"]["page_header"]), {"case_number": case_number})
    out: list[str] = []
    for n, page in enumerate(pages, start=1):
        out += [header, ""] + page + ["", f"Page {n} of {len(pages)}"] + ([""] if n < len(pages) else [])
    return out


def write_pdf(paragraphs: list[str], path: Path, rng: random.Random) -> None:
    """A PDF with a text layer: the paragraphs wrapped to the page, a header and page footer, a fixed date."""
    from fpdf import FPDF

    class LetterPDF(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, "MAXIMUS Federal Services - Independent Medical Review", align="C")
            self.ln(9)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = LetterPDF(format="letter")
    pdf.set_creation_date(FIXED_PDF_DATE)
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)
    pdf.add_page()
    size, width = rng.choice(((9.5, 100), (10, 95), (11, 86)))  # characters that fit the 176 mm line
    pdf.set_font(rng.choice(("Helvetica", "Times")), size=size)
    for para in paragraphs:
        for raw in para.split("\n"):
            # wrapped here: fpdf2's multi_cell measures every prefix of a line (30x slower)
            for line in wrap(raw.encode("latin-1", "replace").decode("latin-1"), width):
                pdf.cell(0, size * 0.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(size * 0.5)
    pdf.output(str(path))


# ---- one letter, the corpus -------------------------------------------------------------

def make_letter(seed: int, index: int, pdf_share: float) -> Letter:
    """Letter `index` of the corpus of `seed`: redrawn until its text is 3-8 KB."""
    for attempt in range(12):
        key = f"{seed}:{index}:{attempt}"
        fmt = weighted(random.Random(key + ":format"), FORMATS)
        case = plan_case(random.Random(key + ":case"), index, fmt, max_items=6 - attempt // 2)
        pad = 0
        while True:
            rng = random.Random(key + ":words")  # same wording choices for every padding
            paragraphs, gold = compose(rng, case, pad)
            text = render_text(rng, paragraphs, case["case_number"])
            size = len(text.encode("utf-8"))
            if size >= MIN_BYTES or pad >= 8:
                break
            pad += max(1, math.ceil((MIN_BYTES - size) / 120))
        if MIN_BYTES <= size <= MAX_BYTES:
            pdf = random.Random(key + ":pdf").random() < pdf_share
            return Letter(f"letter-{index:06d}", paragraphs, text, gold, pdf)
    raise RuntimeError(f"letter {index}: no draw of 3-8 KB in 12 attempts")


def _write(args: tuple[int, int, float, str]) -> tuple[str, bool]:
    seed, index, pdf_share, out = args
    letter = make_letter(seed, index, pdf_share)
    out_dir = Path(out)
    if letter.pdf:  # the same paragraphs, wrapped to the page
        write_pdf(letter.paragraphs, out_dir / "letters" / f"{letter.name}.pdf", random.Random(f"{seed}:{index}:pdf-layout"))
    else:
        (out_dir / "letters" / f"{letter.name}.txt").write_text(letter.text, encoding="utf-8", newline="")
    (out_dir / "gold" / f"{letter.name}.gold.json").write_text(json.dumps(letter.gold, indent=1, ensure_ascii=False) + "\n",
                                                               encoding="utf-8")
    return letter.gold["source"]["format"], letter.pdf


def make_corpus(out: Path, count: int, seed: int, pdf_share: float = 0.1, jobs: int = 1) -> Counter:
    """Write the corpus; returns how many letters of each layout, and how many PDFs."""
    for sub in ("letters", "gold"):
        folder = out / sub
        if folder.is_dir() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty: choose a new --out")
        folder.mkdir(parents=True, exist_ok=True)
    tasks = [(seed, i, pdf_share, str(out)) for i in range(count)]
    if jobs > 1:
        with Pool(jobs) as pool:
            results = list(pool.imap(_write, tasks, chunksize=64))
    else:
        results = [_write(t) for t in tasks]
    counts = Counter(fmt for fmt, _ in results)
    counts["pdf"] = sum(pdf for _, pdf in results)
    (out / "corpus.json").write_text(json.dumps({
        "generator": "benchmarks/make_corpus.py", "seed": seed, "count": count, "pdf_share": pdf_share,
        "layouts": {k: counts[k] for k in ("format1", "format2", "format3")}, "pdfs": counts["pdf"],
        "note": "FICTIONAL letters for benchmarks; none is a real IMR decision."}, indent=1) + "\n", encoding="utf-8")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of letters")
    parser.add_argument("--out", type=Path, required=True, help="output folder (letters/, gold/, corpus.json)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1): the same seed gives the same files")
    parser.add_argument("--pdf-share", type=float, default=0.1, help="share of letters written as PDF (default 0.1)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the CPU count; the output does not depend on it)")
    args = parser.parse_args()
    if args.count < 1 or not 0 <= args.pdf_share <= 1 or args.jobs < 1:
        parser.error("--count and --jobs must be >= 1 and --pdf-share within 0..1")
    try:
        counts = make_corpus(args.out, args.count, args.seed, args.pdf_share, args.jobs)
    except FileExistsError as err:
        print(f"make_corpus.py: {err}", file=sys.stderr)
        return 2
    print(f"{args.count} letters in {args.out}/letters ({counts['format1']} format1, {counts['format2']} format2, "
          f"{counts['format3']} format3; {counts['pdf']} PDF), answer keys in {args.out}/gold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
