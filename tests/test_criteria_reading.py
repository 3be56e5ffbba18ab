"""How the criteria extractor reads particular constructions of a rationale.

Every rationale here is FICTIONAL, written for these tests in the style of IMR rationales.
Each case names the construction and gives, for a phrase of a stated criterion, the catalog
criterion and the status it must get (None where the case checks only the other).
These are the rules' readings (revise=False): the status model that re-reads them afterwards
is tested in test_status_model.py and measured on the labelled sets (test_criteria.py).
"""

from __future__ import annotations

import pytest

from kg_build.extract.criteria import read_rationale
from kg_build.extract.rationale import conclusion
from kg_build.text import Doc


def _read(rationale: str, topic: str) -> dict[str, tuple[str, str]]:
    """criterion text -> (criterion id, status)."""
    doc = Doc(rationale)
    concluded, concluding = conclusion(doc, (0, len(rationale)))
    _, criteria = read_rationale(doc, (0, len(rationale)), concluding, {topic}, concluded, revise=False)
    return {c["text"]: (c["criterion_id"], c["status"]) for c in criteria}


def _status(found: dict[str, tuple[str, str]], phrase: str) -> tuple[str, str]:
    return next(v for text, v in found.items() if phrase in text)


# (topic, rationale, [(phrase of the stated criterion, catalog id or None, status or None)])
CASES = [
    pytest.param(
        "Muscle relaxants",
        "This 44-year-old has a flare of chronic low back pain with spasm. Non-sedating muscle relaxants "
        "are an option for a short course of therapy during an acute exacerbation. The claimant has used "
        "cyclobenzaprine daily for eight months. Therefore, the request for cyclobenzaprine 7.5 mg #60 is "
        "not medically necessary.",
        [("short course", "muscle-relaxants-short-term", "not_met")],
        id="an_option_for_states_criteria"),
    # the fact shares no word with the visit limit: a passed limit speaks to a count limit
    pytest.param(
        "Massage therapy",
        "The claimant has had 12 massage sessions this year. Massage should be an adjunct to other "
        "recommended treatment such as exercise and limited to 4-6 visits in most cases. He does no home "
        "exercise. The number of sessions already received exceeds the recommendation. As such, the "
        "request for 6 more massage sessions is not medically necessary.",
        [("adjunct", "massage-adjunct-to-exercise", None), ("4-6 visits", "massage-visit-limit", "not_met")],
        id="examples_end_where_the_next_criterion_begins"),
    pytest.param(
        "Magnetic resonance imaging (MRI)",
        "Primary criteria for imaging include failure to progress in a strengthening program intended to "
        "avoid surgery. The claimant has plateaued after 10 weeks of supervised strengthening. Therefore, "
        "the MRI of the right shoulder is medically necessary.",
        [("failure to progress", "imaging-failure-to-progress", "met")],
        id="a_plateau_is_a_failure_to_progress"),
    pytest.param(
        "Acupuncture",
        "The claimant has chronic neck pain and has never had acupuncture. Acupuncture is used as an "
        "option when pain medication is reduced or not tolerated. The time to produce functional "
        "improvement is 3 to 6 treatments. The request is for 12 sessions. Therefore, the request for "
        "acupuncture x 12 is not medically necessary.",
        [("3 to 6 treatments", "acupuncture-three-to-six-treatments", "not_met")],
        id="a_sentence_that_says_nothing_of_the_case_continues_the_guideline"),
    # catalog contrary patterns: 'drives to ... appointments' shares no word with 'homebound'
    pytest.param(
        "Home health services",
        "The claimant has bilateral knee osteoarthritis. Home health services are recommended only for "
        "patients who are homebound. The claimant drives herself to her therapy appointments. Therefore, "
        "the home health aide is not medically necessary.",
        [("homebound", "home-health-homebound", "not_met")],
        id="a_fact_in_words_of_its_own_denies_a_criterion"),
    pytest.param(
        "Home health services",
        "The claimant had a total knee replacement. Home health services are recommended only for "
        "patients who are homebound, and medical treatment does not include homemaker services such as "
        "cleaning. She no longer drives and is confined to her home. The aide is requested for cleaning "
        "and cooking only. Therefore, the home health aide is not medically necessary.",
        [("homebound", "home-health-homebound", "met")],
        id="a_denied_contrary_fact_affirms"),
    pytest.param(
        "TENS",
        "Purchase of a TENS unit may follow a successful one-month home trial. During the rental the "
        "claimant logged daily use with pain falling from 7/10 to 4/10. Therefore, the request for "
        "purchase of a TENS unit is medically necessary.",
        [("one-month home trial", "tens-one-month-trial", "met")],
        id="what_a_treatment_may_follow_states_a_criterion"),
    pytest.param(
        "Muscle relaxants",
        "Muscle relaxants are an option for short-term treatment of acute exacerbations. Cyclobenzaprine "
        "should not be used for longer than two to three weeks. The claimant has taken cyclobenzaprine "
        "for eight months. Therefore, cyclobenzaprine is not medically necessary.",
        [("longer than", None, "not_met")],
        id="not_longer_than_is_a_cap"),
    pytest.param(
        "Opioids",
        "Continued opioid therapy requires documentation of pain relief, functional status and side "
        "effects. The last report lists the medication but gives no pain scores, describes function only "
        "as \"limited,\" and says nothing about side effects. Therefore, the request for Norco is not "
        "medically necessary.",
        [("pain relief", None, "not_documented"), ("functional status", None, "not_documented"), ("side effects", None, "not_documented")],
        id="records_that_say_nothing_leave_a_criterion_undocumented"),
    pytest.param(
        "Facet joint diagnostic blocks",
        "Diagnostic facet blocks are recommended with the anticipation that, if successful, treatment may "
        "proceed to neurotomy. Blocks are limited to patients with non-radicular pain. In this case, the "
        "claimant has radicular symptoms. Therefore, the requested lumbar medial branch blocks do not "
        "meet the guideline criteria and are not medically necessary.",
        [("anticipation", None, "not_assessed"), ("non-radicular", None, "not_met")],
        id="a_verdict_on_the_criteria_is_no_fact"),
    # interleaved: a guideline sentence after the application began, its first clause about no one
    pytest.param(
        "Meniscectomy",
        "Arthroscopic partial meniscectomy is supported when there are symptoms other than pain alone. He "
        "describes the knee catching and locking on stairs. There should be clear signs on examination; "
        "McMurray's test is positive with joint line tenderness. Therefore, the meniscectomy is medically "
        "necessary.",
        [("clear signs", "meniscectomy-exam-signs", None)],
        id="a_requirement_between_applications_is_stated"),
    pytest.param(
        "Opioids",
        "Continued opioid use is supported when the medication gives a measurable reduction in pain and "
        "the patient has resumed work. She reports pain of 8/10 without Percocet and 3/10 with it, and "
        "she has gone back to her regular job. The request for Percocet is therefore medically necessary.",
        [("resumed work", "opioids-return-to-work", "met")],
        id="the_patient_in_a_guideline_sentence_is_anyone"),
    pytest.param(
        "Facet joint radiofrequency neurotomy",
        "Radiofrequency neurotomy requires a medial branch block giving at least 70% relief. The block of "
        "6/15 gave 40% relief for two hours. Therefore, the radiofrequency ablation is not medically "
        "necessary.",
        [("70% relief", None, "not_met")],
        id="a_share_of_relief_is_compared_with_the_floor"),
    # the share passes, the duration falls short
    pytest.param(
        "Epidural steroid injections (ESIs)",
        "Repeat epidural injections require at least 50% pain relief lasting six to eight weeks. After "
        "the last injection the claimant reported 70% relief for about two weeks. Therefore, the repeat "
        "injection is not medically necessary.",
        [("50% pain relief", None, "not_met")],
        id="every_limit_of_a_criterion_must_hold"),
    pytest.param(
        "Cold/heat packs",
        "Continuous-flow cryotherapy is an option after surgery. Postoperative use is generally limited "
        "to 7 days. A 30-day rental was requested. Therefore, a 7-day rental is medically necessary, and "
        "the remaining 23 days are not medically necessary.",
        [("7 days", None, "not_met")],
        id="a_partial_approval_does_not_turn_a_passed_limit_into_met"),
    pytest.param(
        "Physical medicine",
        "She has completed 24 sessions of physical therapy for the neck with no change in range of motion "
        "or work status. Under the guidelines, more therapy depends on objective functional improvement "
        "from the visits already given. The request for 8 further sessions is not medically necessary.",
        [("objective functional improvement", None, "not_met")],
        id="a_case_told_before_the_guideline_applies_it_when_nothing_follows"),
    pytest.param(
        "Magnetic resonance imaging (MRI)",
        "A lumbar MRI in 2020 showed mild degenerative change. Repeat imaging is reserved for a "
        "significant change in symptoms or findings, and her examination is the same as at the time of "
        "that study; the repeat lumbar MRI is therefore not medically necessary.",
        [("significant change", "imaging-repeat-significant-change", "not_met")],
        id="a_terse_verdict_may_state_the_guideline"),
    pytest.param(
        "Tramadol",
        "Tramadol may be continued only with a documented reduction in pain and objective functional "
        "gains. Neither is recorded in the last four progress notes; the tramadol 50 mg #120 is therefore "
        "not medically necessary.",
        [("reduction in pain", "opioids-pain-relief", None), ("functional gains", "opioids-functional-improvement", None)],
        id="a_weak_cue_states_a_guideline_in_a_sentence_naming_nothing_of_the_case"),
    # 'not exceeding 35 hours' states a limit; it does not report one passed, so the sentence
    # is guideline even after the application has begun
    pytest.param(
        "Home health services",
        "Home health care is for patients who are confined to the home. She drives to the grocery store "
        "every day. Care should be part-time or intermittent, generally not exceeding 35 hours a week. "
        "The request is for an aide 56 hours a week. Therefore, the home health aide is not medically "
        "necessary.",
        [("35 hours", "home-health-35-hours", "not_met")],
        id="not_exceeding_a_limit_is_no_passed_limit"),
    pytest.param(
        "Magnetic resonance imaging (MRI)",
        "Repeat MRI is reserved for a significant change in symptoms or findings, and imaging may also "
        "clarify anatomy before an invasive procedure. No injection or surgery is planned. The current "
        "notes describe the same neck pain and the same findings, with a neurologic examination identical "
        "to the last one. Therefore, the repeat cervical MRI is not medically necessary.",
        [("significant change", "imaging-repeat-significant-change", "not_met")],
        id="a_fact_reporting_no_change_fails_a_criterion_asking_for_one"),
    pytest.param(
        "Opioids",
        "The employee takes Norco 10/325 mg four times daily. Continued prescribing must be tied to "
        "objective improvement in function and the absence of aberrant behavior. Her urine drug screens "
        "have all been consistent. She now relies on her daughter to shop and rarely leaves the house. "
        "Therefore, Norco is not medically necessary.",
        [("improvement in function", "opioids-functional-improvement", "not_met")],
        id="a_fact_reporting_a_decline_fails_a_criterion_asking_for_improvement"),
    pytest.param(
        "Sleep aids",
        "The worker has taken zolpidem nightly for a year. Sleep hygiene should be addressed before a "
        "hypnotic is continued. I find no discussion of sleep hygiene in the records. Therefore, zolpidem "
        "is not medically necessary.",
        [("Sleep hygiene", "sleep-aids-sleep-hygiene", "not_documented")],
        id="a_silent_record_in_the_reviewers_own_words"),
    pytest.param(
        "Physical medicine",
        "Physical medicine for myalgia is generally limited to 9-10 visits over 8 weeks. After 24 visits "
        "the therapy notes say only that she is 'doing about the same'. Therefore, 8 more visits are not "
        "medically necessary.",
        [("9-10 visits", "pt-visit-limit", "not_met")],
        id="counts_come_before_a_hedge"),
    pytest.param(
        "Psychological treatment",
        "For patients not progressing with physical medicine after four weeks, a psychotherapy referral "
        "is supported, starting with 3 to 4 sessions over two weeks. He has made no progress in six weeks "
        "of physical therapy, and four CBT sessions are requested; they are medically necessary.",
        [("3 to 4 sessions", "psych-initial-trial", "met")],
        id="the_larger_number_of_a_range_is_the_limit"),
    pytest.param(
        "Opioids",
        "Opioids are continued when pain relief and functional improvement are documented, and the "
        "medication should be tapered rather than stopped abruptly when they are not. Her pain falls from "
        "7/10 to 3/10 with each dose and she has returned to full duty. Therefore, Ultram 50 mg #120 is "
        "medically necessary.",
        [("tapered", "opioids-weaning", "not_assessed")],
        id="an_approval_does_not_meet_a_rule_for_stopping"),
    pytest.param(
        "Psychological treatment",
        "Cognitive behavioral therapy allows a total of up to 6-10 visits over 5-6 weeks with evidence of "
        "objective functional improvement. Ten further sessions are requested, which would bring the "
        "total to 14. Therefore, the 10 sessions are not medically necessary.",
        [("6-10 visits", "psych-total-visits", "not_met")],
        id="a_total_the_request_would_reach_is_counted"),
    # stated twice in a row: one criterion whose span covers both statements
    pytest.param(
        "Extracorporeal shock wave therapy (ESWT)",
        "ODG supports ESWT for plantar fasciitis when there is no contraindication, and ESWT is "
        "contraindicated in patients who have had physical therapy within the past 4 weeks. Her last "
        "therapy visit was two weeks before the request. Therefore, the ESWT is not medically necessary.",
        [("contraindicated in patients", "eswt-no-contraindication", "not_met")],
        id="a_criterion_stated_twice_in_a_row_is_one"),
    # run-in headings name the criteria the rest of their sentences apply
    pytest.param(
        "Opioids",
        "Continued opioid therapy is judged by the four A's. Analgesia: the employee rates her pain 7/10 "
        "before a dose and 3/10 an hour after. Adverse effects: she reports mild dry mouth and nothing else. "
        "Therefore, tramadol 50 mg #60 is medically necessary.",
        [("Analgesia", "opioids-pain-relief", "met"), ("Adverse effects", "opioids-side-effects", "met")],
        id="a_run_in_heading_names_the_criterion_it_applies"),
    # 'they' in a guideline sentence is the treatment, not someone of the case
    pytest.param(
        "Topical analgesics",
        "Topical NSAIDs are recommended for osteoarthritis of joints such as the knee. The employee applies "
        "diclofenac gel to both knees. They are meant for short-term use of 4 to 12 weeks. He has used the gel daily since "
        "2019. Therefore, the diclofenac gel is not medically necessary.",
        [("short-term use", "topical-nsaids-short-term", "not_met")],
        id="they_in_a_guideline_sentence_is_the_treatment"),
    # a denial that applies no criterion: the criteria it states are its reasons
    pytest.param(
        "Compound drugs",
        "Ketoprofen is not FDA approved for topical application, and a compound that includes even one "
        "non-recommended ingredient is itself not recommended. The ketoprofen/lidocaine cream is therefore "
        "not medically necessary.",
        [("FDA approved", "topical-fda-approved", "not_met")],
        id="a_denial_that_applies_nothing_gives_its_criteria_as_reasons"),
    # 'is for two to six weeks' caps a duration; 'for years' is a year or more
    pytest.param(
        "Sleep aids",
        "Zolpidem is for two to six weeks of use. The claimant has taken it nightly for years. Therefore, "
        "zolpidem 10 mg #30 is not medically necessary.",
        [("two to six weeks", "sleep-aids-short-term", "not_met")],
        id="is_for_a_span_caps_it"),
    # a daily dose in morphine equivalents is compared with the guideline's ceiling
    pytest.param(
        "Opioids",
        "The total daily dose of opioids should not exceed 120 mg oral morphine equivalents. The regimen "
        "amounts to 180 mg morphine equivalents per day. Therefore, OxyContin 40 mg #60 is not medically "
        "necessary.",
        [("120 mg", "opioids-morphine-equivalent-limit", "not_met")],
        id="a_dose_in_morphine_equivalents_is_compared_with_the_ceiling"),
    pytest.param(
        "Opioids",
        "The total daily dose of opioids should not exceed 120 mg oral morphine equivalents, and pain relief "
        "should be documented. The regimen amounts to 60 mg morphine equivalents per day, and the notes give "
        "no pain scores. Therefore, Norco 10/325 mg #90 is not medically necessary.",
        [("120 mg", "opioids-morphine-equivalent-limit", "met")],
        id="a_dose_under_the_ceiling_meets_it"),
    # 'unexpected' asks for what 'expected' denies
    pytest.param(
        "Urine drug testing",
        "Laboratory confirmation is reserved for unexpected screen results, and the request must come "
        "from the prescriber. The request came from a chiropractor who does not prescribe. The office "
        "screen of 02/11 showed only the prescribed oxycodone, which the prescriber expected. Therefore, "
        "the quantitative confirmation of that screen is not medically necessary.",
        [("unexpected screen results", "udt-confirmatory-unexpected", "not_met")],
        id="a_prefixed_criterion_word_is_denied_by_the_plain_word"),
    pytest.param(
        "Sleep aids",
        "Zolpidem is approved for short-term treatment of insomnia, usually two to six weeks. Before a "
        "sleep aid is continued, the cause of the sleep disturbance should be evaluated. She began "
        "zolpidem three weeks ago. Nothing is said in the notes about the cause of her sleep disturbance. "
        "Therefore, zolpidem 5 mg #30 is not medically necessary.",
        [("cause of the sleep disturbance should be evaluated", "sleep-aids-insomnia-evaluation", "not_documented")],
        id="nothing_is_said_is_a_silent_record"),
    pytest.param(
        "TENS",
        "A TENS trial requires pain of at least three months' duration and a treatment plan with specific "
        "goals. His shoulder pain dates from 2019. No goals for the unit are stated. Therefore, the TENS "
        "unit is not medically necessary.",
        [("three months' duration", "tens-pain-three-months", "met")],
        id="pain_that_dates_from_a_year_has_lasted_a_year"),
    # stated twice in one sentence with another criterion between: the statement naming it in
    # more of the catalog's words is the one kept
    pytest.param(
        "TENS",
        "TENS is not recommended as a primary treatment modality, but a one-month home trial may be "
        "considered if it is used as an adjunct to a program of evidence-based functional restoration. "
        "She finished physical therapy in 2019 and does no exercise program now. Therefore, the TENS unit "
        "is not medically necessary.",
        [("adjunct to a program of evidence-based functional restoration", "tens-adjunct-functional-restoration", "not_met")],
        id="a_criterion_stated_twice_keeps_its_fuller_statement"),
    # 'age above 65' is a criterion, not a passed limit, and a colon ends the criterion before it
    pytest.param(
        "Proton pump inhibitors",
        "A proton pump inhibitor is appropriate only with an NSAID. He takes naproxen 500 mg twice daily. "
        "The guideline also limits it to patients at intermediate or high risk: age above 65, a prior "
        "ulcer or bleed, or aspirin use. He is 52 and has never had an ulcer. Therefore, omeprazole 20 mg "
        "is not medically necessary.",
        [("age above 65", "ppi-age-over-65", "not_met")],
        id="an_age_limit_in_a_list_after_a_colon"),
    # an 'or' inside what the catalog names as one criterion joins its alternatives
    pytest.param(
        "Opioids",
        "Ongoing management should include review and documentation of pain relief, side effects, and "
        "whether the patient has returned to work or has improved functioning and pain. He has not worked "
        "since 2019 and his pain is unchanged at 8/10. Therefore, Norco 10/325 mg #120 is not medically "
        "necessary.",
        [("returned to work or has improved functioning", "opioids-return-to-work", "not_met")],
        id="an_or_inside_a_catalog_criterion_is_no_list"),
    # risk factors stated one by one, each answered in turn
    pytest.param(
        "Proton pump inhibitors",
        "A proton pump inhibitor is appropriate for a patient on an NSAID at intermediate or high risk of "
        "a gastrointestinal event. She takes meloxicam 15 mg daily for knee arthritis. Age beyond 65 is one "
        "of the listed factors, and she is 70. A prior bleeding ulcer would also count; she has never had "
        "one. Therefore, omeprazole 20 mg #30 is medically necessary.",
        [("Age beyond 65", "ppi-age-over-65", "met"), ("prior bleeding ulcer", "ppi-ulcer-bleeding-history", "not_met")],
        id="risk_factors_stated_one_by_one"),
    # criteria stated inside the verdict sentence: after a colon naming the guideline, in a
    # relative clause, or as listed risk factors
    pytest.param(
        "Facet joint diagnostic blocks",
        "Neck pain without arm symptoms and six weeks of therapy that did not help. Medial branch blocks "
        "at C5-6 are medically necessary: ODG limits these blocks to non-radicular pain after failed "
        "conservative care.",
        [("non-radicular pain", "facet-non-radicular", "met")],
        id="a_guideline_after_the_verdicts_colon"),
    pytest.param(
        "Home health services",
        "She cannot get from her bed to the door without two people helping her. Home nursing, which is "
        "recommended for homebound patients who need medical care, is medically necessary.",
        [("homebound patients", "home-health-homebound", "met")],
        id="a_guideline_in_the_verdicts_relative_clause"),
    pytest.param(
        "Proton pump inhibitors",
        "The employee is 70 and takes diclofenac and prednisone daily. Age over 65 and steroid use are each "
        "listed GI risk factors that support a PPI in a patient on an NSAID. Omeprazole 20 mg #30 is "
        "medically necessary.",
        [("Age over 65", "ppi-age-over-65", "met")],
        id="a_listed_risk_factor_states_a_criterion"),
]


@pytest.mark.parametrize("topic, rationale, expected", CASES)
def test_construction(topic: str, rationale: str, expected: list[tuple[str, str | None, str | None]]):
    found = _read(rationale, topic)
    for phrase, criterion, status in expected:
        got_criterion, got_status = _status(found, phrase)
        assert (criterion or got_criterion, status or got_status) == (got_criterion, got_status), phrase


def test_evidence_that_lists_its_criteria():
    found = _read("The claimant takes tramadol 50 mg. Continued use requires evidence that the drug relieves "
                  "pain and improves function, and that side effects are tolerable. The claimant reports "
                  "nausea and dizziness with each dose. Therefore, tramadol is not medically necessary.",
                  "Tramadol")
    assert len(found) == 3
    assert _status(found, "side effects")[0] == "opioids-side-effects"


def test_a_recommendation_made_for_the_case_is_application():
    # 'has recommended' is a guideline cue, but said of this claimant after the application began
    found = _read("The claimant has neck pain with arm numbness. Facet blocks should not be performed in "
                  "patients in whom a surgical procedure is anticipated. The claimant has a diminished biceps "
                  "reflex. A spine surgeon saw her on 09/30/2015 and has recommended a fusion at C5-6. "
                  "Therefore, the cervical facet injections are not medically necessary.",
                  "Facet joint diagnostic blocks")
    assert len(found) == 1
    assert _status(found, "surgical procedure")[0] == "facet-no-planned-surgery"


def test_a_conditional_about_the_request_is_not_a_guideline():
    found = _read("The claimant requests a gym membership. Gym memberships are not recommended unless "
                  "treatment is monitored and administered by medical professionals. The gym would be "
                  "unsupervised. Therefore, the gym membership is not medically necessary.", "Gym memberships")
    assert len(found) == 1
    assert _status(found, "monitored")[1] == "not_met"


def test_reserved_for_and_is_for_state_criteria():
    found = _read("A lumbar MRI in 2020 showed mild degenerative change. Repeat imaging is reserved for a "
                  "significant change in symptoms or findings, and her examination is the same as at the time "
                  "of that study. Therefore, the repeat lumbar MRI is not medically necessary.",
                  "Magnetic resonance imaging (MRI)")
    assert _status(found, "significant change")[0] == "imaging-repeat-significant-change"
    found = _read("Hypnotics are for short-term use. He has taken zolpidem nightly for two years. Therefore, "
                  "zolpidem 10 mg #30 is not medically necessary.", "Sleep aids")
    assert _status(found, "short-term") == ("sleep-aids-short-term", "not_met")


def test_a_guideline_stated_in_the_words_of_a_verdict():
    found = _read("The employee has a flare of chronic low back pain with spasm since last week. Muscle relaxants "
                  "are appropriate for a brief course during an acute flare of chronic low back pain, so the "
                  "methocarbamol 750 mg #30 is medically necessary.", "Muscle relaxants")
    assert "brief course" in " ".join(found)
    assert not any("medically necessary" in text for text in found)


def test_review_and_documentation_heads_a_list():
    found = _read("Ongoing opioid management should include ongoing review and documentation of pain relief, "
                  "functional status and side effects. Pain is 7/10 without and 3/10 with the medication, she walks "
                  "a mile daily, and she reports no side effects. Therefore, Norco is medically necessary.", "Opioids")
    assert sorted(criterion for criterion, _ in found.values()) == [
        "opioids-functional-improvement", "opioids-pain-relief", "opioids-side-effects"]


@pytest.mark.parametrize("topic, rationale, phrase, status", [
    ("Independent medical examinations and consultations",
     "A specialist referral is supported when the diagnosis is uncertain or extremely complex. His "
     "diagnosis, a healed wrist sprain, is now straightforward.", "uncertain or extremely complex", "not_met"),
    ("Meniscectomy",
     "Arthroscopic meniscectomy requires objective findings on examination, such as joint line tenderness "
     "or a positive McMurray test. Her knee examination on 03/02 is benign.", "objective findings", "not_met"),
    ("Knee brace",
     "A hinged knee brace is recommended only after ligament surgery. She had an arthroscopic ACL "
     "reconstruction in March.", "ligament surgery", "met"),
    ("Opioids",
     "Continued opioid use requires documentation of pain relief, with pain rated with and without the "
     "medication. In this case, the visit of 04/02 records good relief without pain scores.",
     "documentation of pain relief", "not_documented"),
    ("Massage therapy",
     "Massage should be used alongside an exercise program, not on its own. She stopped her home "
     "exercises in May and is in no other therapy.", "alongside an exercise program", "not_met"),
    ("Muscle relaxants",
     "Cyclobenzaprine is recommended for a brief course, not beyond 2 to 3 weeks. He has taken it "
     "nightly for two years.", "not beyond 2 to 3 weeks", "not_met"),
    ("Magnetic resonance imaging (MRI)",
     "For uncomplicated low back pain, imaging should wait for at least a month of conservative therapy. "
     "She is three weeks from the injury with two therapy visits.", "at least a month", "not_met"),
    # a later clause of a guideline sentence that tells the case applies its criterion
    ("Facet joint diagnostic blocks",
     "No more than two joint levels should be injected at one session; three levels, L3-4 through "
     "L5-S1, were requested on 05/02.", "No more than two joint levels", "not_met"),
    ("EMG/NCS",
     "Electrodiagnostic testing of the legs is indicated only after a month of conservative therapy. "
     "His leg symptoms have lasted four months despite therapy.", "a month of conservative therapy", "met"),
    ("Opioids",
     "Each visit should record the occurrence of any adverse effects. He reports constipation that is "
     "controlled with senna.", "adverse effects", "met"),
    ("Home health services",
     "Home health services are capped at 35 hours weekly, and 8 hours a day, 7 days a week, is "
     "requested, which is 56 hours.", "capped at 35 hours weekly", "not_met"),
    # a requirement and its application in one sentence, after the application has begun
    ("Meniscectomy",
     "Arthroscopic meniscectomy calls for more than pain alone. She describes a dull ache on stairs. "
     "Conservative care should fail first, and I find no record of physical therapy or an injection.",
     "Conservative care should fail first", "not_documented"),
    # 'L4-5' names a level, it does not count five
    ("Facet joint diagnostic blocks",
     "Blocks are limited to no more than two levels bilaterally. Only two levels are requested, and the "
     "L4-5 level has not been operated on.", "no more than two levels", "met"),
    ("Carpal tunnel release surgery (CTR)",
     "Release requires failure of conservative care such as splinting and a steroid injection. She has "
     "never been splinted or injected.", "failure of conservative care", "not_met"),
    ("Meniscectomy",
     "Surgery requires consistent findings of a meniscal tear on MRI. The MRI report describes degeneration "
     "of the meniscus rather than a tear.", "consistent findings of a meniscal tear", "not_met"),
    # a pain score speaks to analgesia though it shares no word with it
    ("Tramadol",
     "Tramadol is continued only with documented analgesia and functional benefit. The notes list the "
     "same 8/10 pain for six months and unchanged work restrictions.", "documented analgesia", "not_met"),
    # a passed total speaks to the total, not to the trial
    ("Manual therapy & manipulation",
     "For low back pain a trial of 6 visits over 2 weeks is recommended, and a total of up to 18 visits "
     "may follow. He has already had 22 visits, which exceeds the total allowed.",
     "a trial of 6 visits", "not_assessed"),
    ("Manual therapy & manipulation",
     "For low back pain a trial of 6 visits over 2 weeks is recommended, and a total of up to 18 visits "
     "may follow. He has already had 22 visits, which exceeds the total allowed.",
     "a total of up to 18 visits", "not_met"),
    # an improvement that must be shown, and none reported: the record does not show it
    ("Acupuncture",
     "Treatment may be extended only if functional improvement is documented. After six sessions the "
     "acupuncturist reports no change in her activities or work status.",
     "functional improvement is documented", "not_documented"),
    # the case told before the guideline still answers a criterion the application leaves
    ("Cold/heat packs",
     "He had a right shoulder arthroscopy on 10/04. Continuous-flow cryotherapy is an option after "
     "surgery, not for nonsurgical treatment. The notes describe no complication.",
     "an option after surgery", "met"),
    ("Opioids",
     "Before an opioid trial, non-opioid analgesics should have been tried and failed. Ibuprofen has "
     "brought her pain from 6/10 to 3/10, and acetaminophen has not been tried.",
     "non-opioid analgesics should have been tried and failed", "not_met"),
    ("Opioids",
     "Ongoing management calls for documentation of pain relief. In this case, pain is recorded at 7/10 "
     "both before and after his morning dose.", "documentation of pain relief", "not_met"),
    # 'I find no trauma' asserts an absence; 'I find no record of ...' reports the record
    ("Computed tomography (CT)",
     "CT is supported when a red flag such as a suspected fracture is present. I find no trauma, no "
     "history of malignancy and no fever.", "red flag", "not_met"),
    ("Home health services",
     "Home health services are generally limited to no more than 35 hours per week. The request is for "
     "an aide eight hours a day, seven days a week.", "no more than 35 hours per week", "not_met"),
    ("Compound drugs",
     "Any compounded product containing at least one drug that is not recommended is itself not "
     "recommended. Cyclobenzaprine has no support as a topical agent.", "at least one drug", "not_met"),
    ("Manual therapy & manipulation",
     "Manipulation is recommended where chronic pain has a musculoskeletal cause, as his lumbar strain "
     "does.", "musculoskeletal cause", "met"),
    ("Tramadol",
     "Continued use depends on measurable analgesia and on improved function; the notes say only that "
     "the medication helps and give neither pain scores nor any functional measure.",
     "measurable analgesia", "not_documented"),
    # the MTUS sentence 'Elective or maintenance care is not medically necessary' states a criterion
    ("Manual therapy & manipulation",
     "A trial of 6 visits over 2 weeks is recommended. Elective or maintenance care is not medically "
     "necessary. He has had 24 chiropractic visits since March. The chiropractor's notes call him stable "
     "and plan monthly visits to keep him at his present level, which is maintenance care.",
     "Elective or maintenance care", "not_met"),
    ("Consultations",
     "A specialist referral is supported when the diagnosis is uncertain or extremely complex. The "
     "diagnosis is not clear after two MRIs.", "uncertain or extremely complex", "met"),
])
def test_words_read_before_the_decision(topic: str, rationale: str, phrase: str, status: str):
    """'straightforward' denies 'uncertain', 'benign' denies 'findings', 'arthroscopic' speaks of
    surgery (data/rationale.yaml: contrary_words, related_words), and a denied
    contrary ('not clear') affirms; read before the decision weighs in (no verdict sentence)."""
    doc = Doc(rationale)
    _, criteria = read_rationale(doc, (0, len(rationale)), None, {topic}, None, revise=False)
    assert next(c["status"] for c in criteria if phrase in c["text"]) == status


def test_a_requirement_of_someone_the_case_names_is_no_criterion():
    found = _read("Home health services are recommended only for patients who are homebound. Per the therapy "
                  "note, she requires a cane and the help of her son to get to the car. Therefore, the home "
                  "health aide is not medically necessary.", "Home health services")
    assert [status for _, status in found.values()] == ["not_met"]


def test_a_clause_telling_what_has_been_tried_is_no_criterion():
    """'...; both have been used without lasting benefit' tells the case; 'when other
    modalities have been tried' states a condition, the one stated first: one criterion, met."""
    found = _read("A TENS trial requires that physical therapy and medications have been tried first; both "
                  "have been used without lasting benefit. It is an option when other modalities have been "
                  "tried. Therefore, the TENS unit is medically necessary.", "TENS")
    assert not any("both have been used" in text for text in found)
    assert list(found.values()) == [("tens-other-modalities-failed", "met")]
    # stated alone, the condition is found
    alone = _read("It is an option when other modalities have been tried. Both have been used without lasting "
                  "benefit. Therefore, the TENS unit is medically necessary.", "TENS")
    assert any("other modalities have been tried" in text for text in alone)


@pytest.mark.parametrize("rationale, outcome", [
    ("Eight to ten visits are supported for radiculitis. He has had no therapy for this injury; 8 visits "
     "are medically necessary.", "overturned"),
    ("Eight to ten visits are supported for radiculitis. He has had 12 visits; the request is not "
     "medically necessary.", "upheld"),
    ("However, given no improvement, further visits are not medically necessary.", "upheld"),
])
def test_the_verdict_is_read_in_its_own_clause(rationale: str, outcome: str):
    """A denial before a semicolon ('has had no therapy;') does not deny the verdict after it."""
    assert conclusion(Doc(rationale), (0, len(rationale)))[0] == outcome


def test_a_criterion_stated_twice_is_assessed_once():
    """A general statement and then the guideline's own words name one criterion: the one in
    more of the catalog's words stays, and the decision has one assessment of it."""
    found = _read("Repeat MRI is not routinely recommended. It should be reserved for a significant change in "
                  "symptoms or findings suggestive of significant pathology. The cervical examination is unchanged "
                  "since the MRI of 2019. Therefore, the repeat MRI is not medically necessary.",
                  "Magnetic resonance imaging (MRI)")
    assert list(found.items()) == [("should be reserved for a significant change in symptoms or findings suggestive "
                                    "of significant pathology", ("imaging-repeat-significant-change", "not_met"))]


def test_a_sentence_in_guideline_words_about_a_criterion_already_stated_applies_it():
    """'Twenty days is the most the guideline allows in total', after the application has
    begun, is evidence for the total stated before, not a second statement of it."""
    rationale = ("Treatment beyond two weeks requires demonstrated efficacy, and total treatment should not exceed 20 "
                 "full-day sessions. He has completed 10 days with documented gains in lifting and walking. Twenty "
                 "days is the most the guideline allows in total, and 14 more are requested. Therefore, the request "
                 "is not medically necessary.")
    doc = Doc(rationale)
    concluded, concluding = conclusion(doc, (0, len(rationale)))
    _, criteria = read_rationale(doc, (0, len(rationale)), concluding, {"Chronic pain programs (functional restoration programs)"},
                                 concluded, revise=False)
    total = next(c for c in criteria if c["criterion_id"] == "frp-total-twenty-sessions")
    assert total["text"] == "total treatment should not exceed 20 full-day sessions"
    assert total["status"] == "not_met" and total["evidence"].startswith("Twenty days is the most")
    assert [c["criterion_id"] for c in criteria].count("frp-total-twenty-sessions") == 1
