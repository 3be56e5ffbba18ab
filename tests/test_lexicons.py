"""The lexicon CSVs of kg_build/data: well formed, unambiguous, valid codes, and they find
what IMR letters write."""

from __future__ import annotations

import re

import pytest

from kg_build.lexicon import lexicon, load_csv, load_yaml
from kg_build.text import Doc, tokenize

COLUMNS = {
    "services": ["name", "category", "synonyms"],
    "drugs": ["name", "drug_class", "source", "synonyms"],
    "diagnoses": ["name", "icd10cm", "synonyms"],
    "findings": ["name", "synonyms"],
    "body_regions": ["name", "uberon", "uberon_label", "match", "synonyms"],
    "mechanisms": ["name", "synonyms"],
    "specialties": ["name", "synonyms"],
    "guideline_documents": ["name", "source", "mtus", "synonyms"],
    "guideline_chapters": ["name", "source", "synonyms"],
    "guideline_topics": ["name", "synonyms"],
    "categories": ["name", "definition"],
}
LEXICONS = [name for name in COLUMNS if name != "categories"]
MINIMUM_ROWS = {"services": 120, "drugs": 150, "diagnoses": 200, "findings": 100, "guideline_topics": 80}
DRUG_CLASSES = {
    "opioid", "NSAID", "proton pump inhibitor", "H2 blocker", "muscle relaxant", "anticonvulsant",
    "antidepressant", "sleep aid", "benzodiazepine", "topical analgesic", "compounded product",
    "medical food", "antiemetic", "laxative", "analgesic", "antimigraine", "other",
}


@pytest.fixture(scope="module")
def icd10cm():
    """The CMS ICD-10-CM code set (simple-icd-10-cm; importing it takes a couple of seconds)."""
    return pytest.importorskip("simple_icd_10_cm")


def phrases(row: dict[str, str]) -> list[str]:
    return [row["name"], *(s for s in row.get("synonyms", "").split("|") if s.strip())]


def names(lexicon_name: str, text: str) -> list[str]:
    return [m.entry.name for m in lexicon(lexicon_name).find(Doc(text))]


# ---------------------------------------------------------------- shape and allowed values

@pytest.mark.parametrize("name", COLUMNS)
def test_csv_loads_with_its_columns(name):
    rows = load_csv(f"{name}.csv")
    assert rows, name
    for row in rows:
        assert list(row) == COLUMNS[name], (name, row)
        assert row["name"], (name, row)
    assert len({r["name"] for r in rows}) == len(rows), f"{name}: duplicate names"
    assert len(rows) >= MINIMUM_ROWS.get(name, 1)


@pytest.mark.parametrize("name", LEXICONS)
def test_no_phrase_belongs_to_two_entries(name):
    owner: dict[tuple[str, ...], str] = {}
    clashes = []
    for row in load_csv(f"{name}.csv"):
        for phrase in phrases(row):
            tokens = tuple(tokenize(phrase))
            assert tokens, (name, row["name"], phrase)
            if owner.setdefault(tokens, row["name"]) != row["name"]:
                clashes.append(f"{phrase!r}: {owner[tokens]!r} and {row['name']!r}")
    assert not clashes, clashes


@pytest.mark.parametrize("name", LEXICONS)
def test_synonyms_have_no_stray_separators(name):
    for row in load_csv(f"{name}.csv"):
        for synonym in row["synonyms"].split("|") if row["synonyms"] else []:
            assert synonym == synonym.strip() and synonym, (name, row["name"], row["synonyms"])


def test_service_categories_are_dwc_categories():
    categories = {row["name"] for row in load_csv("categories.csv")}
    for row in load_csv("services.csv"):
        assert row["category"] in categories, row


def test_drug_classes_are_known():
    for row in load_csv("drugs.csv"):
        assert row["drug_class"] in DRUG_CLASSES, row


def test_guideline_sources():
    for row in load_csv("guideline_documents.csv"):
        assert row["source"] in {"MTUS", "ODG", "ACOEM", "other"}, row
        assert row["mtus"] in {"true", "false"}, row
        assert (row["mtus"] == "true") == (row["source"] == "MTUS"), row
    for row in load_csv("guideline_chapters.csv"):
        assert row["source"] in {"ODG", "ACOEM"}, row


def test_mechanism_patterns_name_mechanisms():
    known = {row["name"] for row in load_csv("mechanisms.csv")}
    assert set(load_yaml("mechanism_patterns.yaml")) <= known


# ---------------------------------------------------------------- diagnoses and ICD-10-CM

def test_every_diagnosis_code_is_a_valid_icd10cm_code(icd10cm):
    invalid = [(r["name"], r["icd10cm"]) for r in load_csv("diagnoses.csv") if not icd10cm.is_valid_item(r["icd10cm"])]
    assert not invalid


def test_diagnosis_codes_are_billable(icd10cm):
    """The most specific code the name supports: a leaf of the code set (7th character included)."""
    not_billable = [(r["name"], r["icd10cm"]) for r in load_csv("diagnoses.csv")
                    if icd10cm.is_valid_item(r["icd10cm"]) and not icd10cm.is_leaf(r["icd10cm"])]
    assert not not_billable


def test_injury_codes_are_initial_encounters():
    for row in load_csv("diagnoses.csv"):
        code = row["icd10cm"]
        if code[0] in "ST" and len(code.replace(".", "")) == 7:
            assert code.endswith("A"), row


def test_no_diagnosis_phrase_carries_laterality():
    side_words = {w.lower() for ws in load_yaml("phrases.yaml")["laterality"].values() for w in ws}
    offending = [(row["name"], p) for row in load_csv("diagnoses.csv") for p in phrases(row)
                 if side_words & set(re.findall(r"[a-z]+", p.lower()))]
    assert not offending


@pytest.mark.parametrize(("written", "name", "code"), [
    ("carpal tunnel syndrome", "carpal tunnel syndrome", "G56.00"),
    ("lumbar spine sprain/strain", "lumbar sprain/strain", "S39.012A"),
    ("displacement of lumbar intervertebral disc without myelopathy", "lumbar disc bulge", "M51.26"),
    ("degenerative disc disease of the lumbar spine", "lumbar discopathy", "M51.369"),
    ("pain in joint, shoulder region", "shoulder pain", "M25.519"),
    ("status post knee arthroscopy", "status post knee arthroscopy", "Z98.890"),
    ("s/p lumbar fusion", "status post lumbar fusion", "Z98.1"),
    ("status post total knee replacement", "status post total knee arthroplasty", "Z96.659"),
    ("sciatica", "sciatica", "M54.30"),
    ("depression", "major depressive disorder", "F32.9"),
    ("adjustment disorder with mixed anxiety and depressed mood", "adjustment disorder with mixed anxiety and depressed mood", "F43.23"),
    ("temporomandibular joint sprain", "temporomandibular joint sprain", "S03.40XA"),
])
def test_diagnosis_lookup(written, name, code):
    entry = lexicon("diagnoses").lookup(written)
    assert entry is not None and (entry.name, entry.row["icd10cm"]) == (name, code)


# ---------------------------------------------------------------- phrases the lexicons find

@pytest.mark.parametrize(("lexicon_name", "text", "expected"), [
    ("drugs", "Norco 10/325mg #90", ["hydrocodone/acetaminophen"]),
    ("drugs", "Percocet 10/325 mg #120", ["oxycodone/acetaminophen"]),
    ("drugs", "Flexeril 7.5mg #60", ["cyclobenzaprine"]),
    ("drugs", "Prilosec 20mg #60", ["omeprazole"]),
    ("drugs", "Lidoderm 5% patch #30", ["lidocaine"]),
    ("drugs", "Suboxone 8/2mg film", ["buprenorphine/naloxone"]),
    ("drugs", "Senokot-S #60", ["docusate/senna"]),
    ("drugs", "Theramine #120", ["theramine"]),
    ("drugs", "Tylenol #3 #60", ["codeine/acetaminophen"]),
    ("services", "MRI of the lumbar spine", ["magnetic resonance imaging"]),
    ("services", "Lumbar MRI without contrast", ["magnetic resonance imaging"]),
    ("services", "MR arthrogram of the right shoulder", ["magnetic resonance imaging"]),
    ("services", "EMG/NCV of bilateral upper extremities", ["electromyography"]),
    ("services", "NCV of the bilateral lower extremities", ["nerve conduction study"]),
    ("services", "Functional capacity evaluation", ["functional capacity evaluation"]),
    ("services", "Psychological evaluation", ["psychological evaluation"]),
    ("services", "Transforaminal epidural steroid injection at L4-L5", ["epidural steroid injection"]),
    ("services", "Bilateral L4-5 facet injections", ["facet joint injection"]),
    ("services", "Right shoulder subacromial decompression", ["subacromial decompression"]),
    ("services", "Left knee arthroscopy with partial medial meniscectomy", ["arthroscopy", "meniscectomy"]),
    ("services", "Anterior cervical discectomy and fusion at C5-C6", ["spinal fusion"]),
    ("services", "Interferential unit purchase", ["interferential current stimulation"]),
    ("services", "TENS unit 30-day trial", ["transcutaneous electrical nerve stimulation"]),
    ("services", "Front-wheeled walker", ["walker"]),
    ("services", "Follow-up visit with the orthopedic surgeon", ["office visit"]),
    ("services", "Cognitive behavioral therapy x 6 sessions", ["cognitive behavioral therapy"]),
    ("services", "Trigger finger release", ["trigger finger release"]),
    ("body_regions", "MRI of the lumbar spine", ["lumbar spine"]),
    ("body_regions", "ESI at L4-L5 and L5-S1", ["lumbar spine", "lumbar spine"]),
    ("body_regions", "EMG/NCV of the bilateral lower extremities", ["lower extremity"]),
    ("diagnoses", "right carpal tunnel syndrome", ["carpal tunnel syndrome"]),
    ("diagnoses", "left knee medial meniscus tear", ["medial meniscus tear"]),
    ("findings", "numbness and tingling in both hands", ["numbness", "tingling"]),
    ("findings", "positive Spurling's test on the right", ["spurling's test"]),
    ("findings", "positive Tinel's sign and Phalen's test", ["positive tinel's sign", "positive phalen's test"]),
    ("findings", "decreased range of motion with paraspinal spasm", ["range of motion", "spasm"]),
    ("mechanisms", "She slipped and fell on a wet floor", ["fall"]),
    ("mechanisms", "He was rear-ended at a stop light", ["motor vehicle accident"]),
    ("specialties", "Orthopedic Surgery, Hand Surgery", ["Orthopaedic Surgery", "Hand Surgery"]),
    ("specialties", "Physical Medicine and Rehabilitation, Pain Medicine", ["Physical Medicine & Rehabilitation", "Pain Medicine"]),
    ("guideline_documents", "Official Disability Guidelines (ODG)", ["Official Disability Guidelines"]),
    ("guideline_documents", "MTUS Chronic Pain Medical Treatment Guidelines", ["Chronic Pain Medical Treatment Guidelines"]),
    ("guideline_chapters", "Low Back - Lumbar & Thoracic (Acute & Chronic)", ["Low Back - Lumbar & Thoracic (Acute & Chronic)"]),
    ("guideline_chapters", "Neck and Upper Back Chapter", ["Neck and Upper Back (Acute & Chronic)"]),
    ("guideline_chapters", "Chapter 12 Low Back Complaints", ["Chapter 12 Low Back Complaints"]),
])
def test_lexicon_finds(lexicon_name, text, expected):
    assert names(lexicon_name, text) == expected


@pytest.mark.parametrize(("written", "topic"), [
    ("Cyclobenzaprine (Flexeril)", "Muscle relaxants"),
    ("Zolpidem (Ambien)", "Sleep aids"),
    ("TENS, chronic pain (transcutaneous electrical nerve stimulation)", "TENS"),
    ("Opioids, criteria for use", "Opioids"),
    ("NSAIDs, GI symptoms & cardiovascular risk", "NSAIDs, GI symptoms & cardiovascular risk"),
    ("Facet joint diagnostic blocks (injections)", "Facet joint diagnostic blocks"),
    ("Continuous cold therapy (CCT)", "Cold/heat packs"),
])
def test_topic_lookup(written, topic):
    entry = lexicon("guideline_topics").lookup(written)
    assert entry is not None and entry.name == topic


def test_the_longest_phrase_wins():
    # 'evaluation' alone is a consultation; the longer phrases name other services
    assert names("services", "evaluation") == ["consultation"]
    assert names("services", "functional capacity evaluation") == ["functional capacity evaluation"]
    assert names("services", "physical therapy evaluation") == ["physical therapy"]


def test_strength_stays_outside_drug_matches():
    """A drug synonym must not include a strength: the extractor reads it after the match."""
    strength = re.compile(r"\d+(?:\.\d+)?\s*(?:mg|mcg|%)|\d+/\d+")
    offending = [(r["name"], s) for r in load_csv("drugs.csv") for s in phrases(r) if strength.search(s)]
    assert not offending
