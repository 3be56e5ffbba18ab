"""Phrasings real letters use that the bundled letters do not show.

Every letter text here is a fictional fragment written for these tests.
"""

from __future__ import annotations

from conftest import SHARED
from kg_build.extract import build_record
from kg_build.ingest import normalize
from kg_build.layout import split_letter
from kg_build.link import link_record

HEADER = """Case Number: CM14-0912345 Date Assigned: 02/03/2014
Date of Injury: 03/04/2010 Decision Date: 03/20/2014
UR Denial Date: 01/10/2014 Priority: Expedited
Application Received: 01/20/2014

HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer. The expert reviewer
is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine and is licensed to
practice in California and Texas.

CLINICAL CASE SUMMARY
{summary}

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

{items}
"""
SUMMARY = ("The applicant is a represented 51-year-old man who has filed a claim for chronic low back pain. "
           "The date of injury is 03/04/2010. The current diagnoses are: 1. Lumbar radiculopathy. "
           "2. Left knee medial meniscus tear. 3. Depression. Treatment to date has included acupuncture, "
           "Norco and a TENS unit.")
ITEM = ("Retrospective request for Norco 10/325mg #120 (DOS: 12/1/13): Upheld\n\n"
        "Claims Administrator guideline: Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), "
        "Treatment Index, 11th Edition (web), 2013, Pain Chapter, Opioids. MAXIMUS guideline: Decision based on MTUS "
        "Chronic Pain Medical Treatment Guidelines Page(s): 78-80, 91.\n\n"
        "Decision rationale: The claimant has chronic pain. Ongoing opioid use requires documentation of pain relief "
        "and functional improvement. In this case, there is no documentation of functional improvement. Therefore, "
        "the request is not medically necessary.\n")


def _record(summary: str = SUMMARY, items: str = ITEM) -> dict:
    text = normalize(HEADER.format(summary=summary, items=items))
    return link_record(build_record(text, split_letter(text), {"path": "x", "sha256": "0" * 64}))


def test_prose_credentials_with_a_subspecialty():
    reviewer = _record()["reviewer"]
    assert (reviewer["licensure"], reviewer["specialties"]) == (["California", "Texas"], ["Anesthesiology", "Pain Medicine"])


def test_case_header_priority_and_dates():
    case = _record()["case"]
    assert case["case_number"] == "CM14-0912345" and case["priority"] == "expedited"
    assert case["ur_denial_date"] == "2014-01-10" and case["decision_date"] == "2014-03-20"


def test_numbered_diagnosis_list_with_laterality_and_codes():
    dx = _record()["diagnoses"]
    assert [(d["normalized"], d["laterality"]) for d in dx] == [
        ("lumbar radiculopathy", None), ("knee medial meniscus tear", "left"), ("depression", None)]
    assert dx[1]["codes"][0]["code"].startswith("S83.24")


def test_worker_and_injury_phrasing():
    record = _record()
    assert (record["worker"]["age"], record["worker"]["sex"]) == (51, "male")
    assert record["injury"]["date"] == "2010-03-04"


def test_prior_treatments_keep_brand_names_with_their_concept():
    treatments = _record()["prior_treatments"]
    assert [(t["normalized"], t["concept"]) for t in treatments] == [
        ("acupuncture", "acupuncture"), ("norco", "hydrocodone/acetaminophen"),
        ("tens unit", "transcutaneous electrical nerve stimulation")]


def test_run_on_guideline_labels_and_citation_clutter():
    [item] = _record()["items"]
    assert item["request"].startswith("Retrospective request for Norco")
    assert (item["drug"]["name"], item["drug"]["strength"], item["quantity"]) == ("hydrocodone/acetaminophen", "10/325mg", 120)
    ca, imro = item["guidelines"]
    assert (ca["cited_by"], ca["source"], ca["mtus"], ca["topic"]) == ("claims_administrator", "ODG", False, "Opioids")
    assert ca["chapter"].startswith("Pain")
    assert (imro["cited_by"], imro["source"], imro["pages"]) == ("imro", "MTUS", "78-80, 91")


def test_criterion_not_documented():
    [item] = _record()["items"]
    by_text = {c["text"]: c for c in item["criteria"]}
    assert set(by_text) == {"documentation of pain relief", "functional improvement"}  # a list, split
    assert by_text["functional improvement"]["status"] == "not_documented"


# the September 2013 wording of the 2013 layout (fictional, after the public shape of such letters)
EARLY_2013 = """MAXIMUS FEDERAL SERVICES, INC.
Notice of Independent Medical Review Determination
Dated: 9/26/2013

INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
An application for Independent Medical Review was filed on 9/6/2013 disputing the
Utilization Review Denial dated 8/30/2013. A decision has been made for each of the
treatment and/or services that were in dispute:
1) MAXIMUS Federal Services, Inc. has determined the request for a 28 day
functional restoration program is notmedically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for a 6 month
follow-up aftercare program is medically necessary and appropriate.

Medical Qualifications of the Expert Reviewer:
The physician reviewer is Board Certified in Occupational Medicine and is licensed to
practice in California.

Case Summary:
The patient is a 44 year-old female with a date of injury of 8/28/2001. She has chronic
neck pain after years of repetitive keyboarding.
"""


def test_early_2013_wording_reads_its_items():
    text = normalize(EARLY_2013)
    record = build_record(text, split_letter(text), {"path": "x", "sha256": "0" * 64})
    assert record["source"]["format"] == "format2"
    assert [(i["request"], i["outcome"]) for i in record["items"]] == [
        ("a 28 day functional restoration program", "upheld"),
        ("a 6 month follow-up aftercare program", "overturned")]
    assert record["items"][0]["service"] == "functional restoration program"
    assert (record["reviewer"]["licensure"], record["reviewer"]["specialties"]) == (["California"], ["Occupational Medicine"])
    assert (record["worker"]["age"], record["worker"]["sex"], record["injury"]["date"]) == (44, "female", "2001-08-28")
    assert record["injury"]["mechanism"] == "cumulative trauma"


def test_an_outcome_the_letter_does_not_state_is_flagged():
    """A format3 rationale cut off before its conclusion: the item is recorded as upheld, and flagged."""
    letter = (SHARED / "letters" / "illustrative" / "illustrative-format3.txt").read_text()
    cut = letter.replace("Therefore, the request for a \nlumbar epidural steroid injection at L4-L5 is not medically necessary.", "")
    assert cut != letter
    text = normalize(cut)
    record = build_record(text, split_letter(text), {"path": "x", "sha256": "0" * 64})
    assert record["items"][0]["outcome"] == "upheld"
    assert [f["kind"] for f in record["quality_flags"]] == ["outcome_unread"]
