"""The criterion queries (queries/criteria.rq, criteria_for_denials.rq, criterion_outcomes.rq,
criterion_consistency.rq): headers, rows checked against the extraction records of the letters
and against the criteria catalog (ontology/criteria.ttl), and parameters.

Two stores are built once for the module: every letter of ../shared and tests/letters, and a
"mixed" store of ../shared and three fictional letters written here: two copies of the
illustrative format2 letter under new case numbers, one of them overturned (so that the same
criterion in the same status is decided both ways), and one whose guideline sentence states a
criterion the catalog does not know.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import SHARED, TESTS, query_rows
from kg_build.cli import main
from kg_build.extract.catalog import CATALOG
from kg_build.map import letter_id
from kg_build.pipeline import build, extract_file, letter_files
from kg_build.store import LetterStore
from kg_build.use.query import load_query, run

NAMES = ["criteria", "criteria_for_denials", "criterion_outcomes", "criterion_consistency"]
LETTER = "https://w3id.org/imr-kg/id/letter/"
CRITERION = "https://w3id.org/imr-kg/vocab/criterion/"
IMR = "https://w3id.org/imr-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
FORMAT2 = SHARED / "letters" / "illustrative" / "illustrative-format2.txt"
UPHELD_COPY, OVERTURNED_COPY, UNCATALOGUED_COPY = "CM13-0990001", "CM13-0990002", "CM13-0990003"
ATTESTATION = "Treatment requires a signed attestation from the employer."
# applied, as reviewers apply what they state: the status model drops an uncatalogued clause
# that nothing applies when it is sure enough it is no criterion
ATTESTATION_APPLIED = " The records include no attestation from the employer."
FAILED = {"not_met", "not_documented"}


# --- the fictional letters ----------------------------------------------------------------

def _guideline_sentence(text: str) -> tuple[int, int]:
    """Where the format2 letter's guideline sentence (its criteria) starts and ends."""
    start = text.index("The guidelines support a proton pump inhibitor")
    end = text.index("or high dose or multiple NSAIDs.", start) + len("or high dose or multiple NSAIDs.")
    return start, end


def write_fictional_letters(directory: Path) -> list[Path]:
    original = FORMAT2.read_text()
    upheld = original.replace("CM13-0031175", UPHELD_COPY)
    overturned = original.replace("CM13-0031175", OVERTURNED_COPY)
    overturned = overturned.replace("Final Determination: UPHOLD. This means we decided that none of",
                                    "Final Determination: OVERTURN. This means we decided that all of")
    # the decision heading is overturned but the rationale still concludes as before: the same
    # criteria with the same statuses lead to different outcomes, a case for a second look
    overturned = overturned.replace("1. Omeprazole 20mg #60 is not medically necessary", "1. Omeprazole 20mg #60 is medically necessary")
    assert "OVERTURN." in overturned and "1. Omeprazole 20mg #60 is medically necessary" in overturned
    start, end = _guideline_sentence(original)
    uncatalogued = (original[:start] + ATTESTATION + ATTESTATION_APPLIED + original[end:]).replace("CM13-0031175", UNCATALOGUED_COPY)
    paths = []
    for case, text in ((UPHELD_COPY, upheld), (OVERTURNED_COPY, overturned), (UNCATALOGUED_COPY, uncatalogued)):
        path = directory / f"fictional-{case}.txt"
        path.write_text(text)
        paths.append(path)
    return paths


# --- stores -------------------------------------------------------------------------------

def _build(directory: Path, paths: list[Path]) -> ox.Store:
    store = LetterStore(directory)
    summary = build(paths, store, validate=False)
    assert not summary.skipped, [s.line() for s in summary.skipped]
    store.close()
    return LetterStore(directory, read_only=True).store


FULL_PATHS = [SHARED / "letters", TESTS / "letters"]


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> ox.Store:
    return _build(tmp_path_factory.mktemp("criteria-full"), FULL_PATHS)


@pytest.fixture(scope="module")
def fictional(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("criteria-letters")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, fictional) -> ox.Store:
    write_fictional_letters(fictional)
    return _build(tmp_path_factory.mktemp("criteria-mixed"), [SHARED / "letters", fictional])


rows = query_rows


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# --- the catalog and the letters' records --------------------------------------------------

def _catalog() -> dict[str, dict[str, list[str]]]:
    """criterion IRI -> predicate IRI -> values, from ontology/criteria.ttl."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for triple in ox.parse(path=str(CATALOG), format=ox.RdfFormat.TURTLE):
        found[triple.subject.value][triple.predicate.value].append(triple.object.value)
    return found


CATALOG_ENTRIES = _catalog()


def catalog_topics(criterion: str) -> set[str]:
    return set(CATALOG_ENTRIES.get(criterion, {}).get(IMR + "guidelineTopicName", []))


def records(paths: list[Path]) -> list[tuple[dict, str]]:
    return [extract_file(path) for path in letter_files(paths)]


def expected_assessments(paths: list[Path]) -> list[tuple]:
    """(letter, item, k, criterion, status, outcome, criterion_text, evidence) from the records,
    in the order of the criteria query."""
    found = []
    for record, _ in records(paths):
        letter = LETTER + letter_id(record)
        for item in record["items"]:
            for k, c in enumerate(item["criteria"], start=1):
                found.append((letter, item["number"], k, CRITERION + c["criterion_id"], c["status"], item["outcome"],
                              c["text"] if c.get("span") else None,
                              c.get("evidence") if c.get("evidence_span") else None))
    return sorted(found, key=lambda t: (t[0], t[1], t[2]))


def _k(row: dict) -> int:
    return int(row["assessment"].rsplit("/criterion/", 1)[1])


# --- headers ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_header_matches_the_select_clause(name, full):
    query = load_query(name)
    lines = query.text.splitlines()
    assert lines[0].startswith("# Question: ") and query.question.endswith("?")
    assert lines[1] == "# Parameters:"
    select = re.search(r"^SELECT (.*?)^WHERE", query.text, re.S | re.M).group(1)
    assert re.findall(r"\?(\w+)", select) == list(query.columns)
    assert {p.name for p in query.parameters} <= set(query.columns)
    assert all(p.optional for p in query.parameters)
    solutions = run(full, query, {})
    assert [v.value for v in solutions.variables] == list(query.columns)
    assert re.search(r"\}\s*ORDER BY [^\n]+\s*$", query.text)
    assert all(line.startswith("PREFIX ") for line in lines if line.startswith("PREFIX"))


def test_the_parameters_are_declared_as_asked():
    declared = {name: {(p.name, p.type) for p in load_query(name).parameters} for name in NAMES}
    assert declared == {
        "criteria": {("status", "string"), ("criterion", "iri"), ("guideline_topic", "string")},
        "criteria_for_denials": {("service", "string"), ("guideline_topic", "string")},
        "criterion_outcomes": set(),
        "criterion_consistency": set(),
    }


# --- criteria -----------------------------------------------------------------------------

def test_criteria_of_the_real_letter(full):
    record, text = extract_file(REAL)
    iri = LETTER + letter_id(record)
    found = [r for r in rows(full, "criteria") if r["letter"] == iri]
    massage = [r for r in found if r["item"] == 1 and r["criterion"] == CRITERION + "massage-adjunct-to-exercise"]
    assert len(massage) == 1, found
    (row,) = massage
    entry = CATALOG_ENTRIES[row["criterion"]]
    assert row["status"] == "not_met" and "no adjunctive treatment" in row["evidence"]
    assert row["criterion_label"] == entry[SKOS + "prefLabel"][0] == "massage as an adjunct to exercise"
    assert row["definition"] == entry[SKOS + "definition"][0]
    assert row["guideline_topic"] == "Massage therapy"  # the catalog's topic, which the IMRO reviewer cited
    assert row["outcome"] == "upheld" and "massage" in row["service"]
    assert row["case_number"] is None  # the posted letter lacks its first page
    assert "adjunct" in row["criterion_text"] and row["criterion_text"] in text and row["evidence"] in text
    radicular = [r for r in found if r["item"] == 2 and r["criterion"] == CRITERION + "facet-non-radicular"]
    assert [(r["status"], "radicular symptoms" in r["evidence"]) for r in radicular] == [("not_met", True)]
    assert radicular[0]["guideline_topic"] == "Facet joint diagnostic blocks"
    assert "medial branch block" in radicular[0]["service"]


def test_criteria_rows_are_the_assessments_of_the_records(full):
    found = rows(full, "criteria")
    got = [(r["letter"], r["item"], _k(r), r["criterion"], r["status"], r["outcome"], r["criterion_text"], r["evidence"])
           for r in found]
    assert got == expected_assessments(FULL_PATHS)  # the same assessments, in the letters' order
    assert len({r["assessment"] for r in found}) == len(found)  # one row per assessment
    for r in found:
        assert r["assessment"].startswith(r["letter"] + f"/item/{r['item']}/criterion/")
        assert r["status"] in {"met", "not_met", "not_documented", "not_assessed"}
        assert r["outcome"] in {"upheld", "overturned", "partially_overturned"}
        entry = CATALOG_ENTRIES.get(r["criterion"])
        if entry:  # a catalog criterion: the catalog's label, definition and one of its topics
            assert r["criterion_label"] == entry[SKOS + "prefLabel"][0]
            assert r["definition"] == entry[SKOS + "definition"][0]
            assert r["guideline_topic"] in catalog_topics(r["criterion"])
        else:
            assert re.fullmatch(CRITERION + r"uncatalogued-[0-9a-f]{12}", r["criterion"]), r
            assert r["definition"] is None


def test_criteria_of_a_criterion_the_catalog_does_not_know(mixed):
    found = rows(mixed, "criteria")
    (row,) = [r for r in found if r["case_number"] == UNCATALOGUED_COPY and "attestation" in (r["criterion_text"] or "")]
    assert row["criterion"].startswith(CRITERION + "uncatalogued-") and row["criterion"] not in CATALOG_ENTRIES
    assert row["criterion_label"] == ATTESTATION.rstrip(".")  # labelled by its wording, not its hash
    assert row["definition"] is None
    # no catalog topic: the topic the IMRO reviewer cited for the item
    assert row["guideline_topic"] == "NSAIDs, GI symptoms & cardiovascular risk"
    assert rows(mixed, "criteria", guideline_topic="NSAIDs, GI symptoms & cardiovascular risk", criterion=row["criterion"]) == [row]
    assert rows(mixed, "criteria", criterion=row["criterion"]) == [row]


def test_criteria_parameters(full):
    everything = rows(full, "criteria")
    for status in ("met", "not_met", "not_documented", "not_assessed"):
        assert rows(full, "criteria", status=status) == [r for r in everything if r["status"] == status]
    assert rows(full, "criteria", status="not_met")
    assert rows(full, "criteria", status="Not_Met") == [] and rows(full, "criteria", status="NotMet") == []
    criterion = CRITERION + "massage-adjunct-to-exercise"
    assert rows(full, "criteria", criterion=criterion) == [r for r in everything if r["criterion"] == criterion]
    assert rows(full, "criteria", criterion=CRITERION + "no-such-criterion") == []
    # a topic matches every criterion the catalog files under it; the row then shows that topic
    for topic in ("Massage therapy", "Opioids", "Physical medicine", "Facet joint diagnostic blocks"):
        expected = [{**r, "guideline_topic": topic} for r in everything
                    if topic in catalog_topics(r["criterion"])
                    or (r["criterion"] not in CATALOG_ENTRIES and r["guideline_topic"] == topic)]
        assert rows(full, "criteria", guideline_topic=topic) == expected, topic
    assert rows(full, "criteria", guideline_topic="Massage therapy")
    assert rows(full, "criteria", guideline_topic="massage therapy") == []  # exact, as the catalog writes it
    both = rows(full, "criteria", guideline_topic="Opioids", status="not_met")
    assert both == [r for r in rows(full, "criteria", guideline_topic="Opioids") if r["status"] == "not_met"]


# --- criteria_for_denials -----------------------------------------------------------------

def _denials(criteria_rows: list[dict], service: str | None = None, topic: str | None = None) -> list[dict]:
    upheld, failed, labels = defaultdict(set), defaultdict(set), {}
    for r in criteria_rows:
        if r["outcome"] != "upheld" or (service and r["service"] != service):
            continue
        if topic and not (topic in catalog_topics(r["criterion"])
                          or (r["criterion"] not in CATALOG_ENTRIES and r["guideline_topic"] == topic)):
            continue
        item = (r["letter"], r["item"])
        upheld[r["criterion"]].add(item)
        if r["status"] in FAILED:
            failed[r["criterion"]].add(item)
        labels[r["criterion"]] = r["criterion_label"]
    found = [{"criterion": c, "criterion_label": labels[c], "service": service, "guideline_topic": topic,
              "failed": len(failed[c]), "upheld_items": len(upheld[c]), "share": _rate(len(failed[c]), len(upheld[c]))}
             for c in upheld if failed[c]]
    return sorted(found, key=lambda r: (-r["failed"], -r["share"], r["criterion_label"], r["criterion"]))


def test_criteria_for_denials_counts_the_failed_criteria_of_upheld_items(full):
    everything = rows(full, "criteria")
    found = rows(full, "criteria_for_denials")
    assert found == _denials(everything)
    assert found and all(r["failed"] >= 1 and 0 < r["share"] <= 1 for r in found)
    assert [r["failed"] for r in found] == sorted((r["failed"] for r in found), reverse=True)
    # the real letter: massage therapy upheld, its adjunct criterion not met
    massage = next(r for r in found if r["criterion"] == CRITERION + "massage-adjunct-to-exercise")
    assert massage["failed"] >= 1 and massage["criterion_label"] == "massage as an adjunct to exercise"
    assert CRITERION + "facet-non-radicular" in {r["criterion"] for r in found}


def test_criteria_for_denials_parameters(full):
    everything = rows(full, "criteria")
    real_service = next(r["service"] for r in everything if r["criterion"] == CRITERION + "massage-adjunct-to-exercise")
    for service in {real_service, "physical therapy", "medial branch block"}:
        assert rows(full, "criteria_for_denials", service=service) == _denials(everything, service=service), service
    assert rows(full, "criteria_for_denials", service=real_service)
    for topic in ("Opioids", "Massage therapy", "Facet joint diagnostic blocks"):
        found = rows(full, "criteria_for_denials", guideline_topic=topic)
        assert found == _denials(everything, topic=topic), topic
        assert found and all(topic in catalog_topics(r["criterion"]) for r in found)
    assert rows(full, "criteria_for_denials", service=real_service, guideline_topic="Massage therapy") == \
        _denials(everything, service=real_service, topic="Massage therapy")
    assert rows(full, "criteria_for_denials", service=real_service, guideline_topic="Opioids") == []


# --- criterion_outcomes -------------------------------------------------------------------

def test_criterion_outcomes_agree_with_the_assessments(full):
    everything = rows(full, "criteria")
    by_criterion = defaultdict(list)
    for r in everything:
        by_criterion[r["criterion"]].append(r)
    found = rows(full, "criterion_outcomes")
    assert {r["criterion"] for r in found} == set(by_criterion)
    assert sum(r["assessments"] for r in found) == len(everything)
    for row in found:
        assessed = by_criterion[row["criterion"]]
        assert row["criterion_label"] == assessed[0]["criterion_label"]
        assert row["assessments"] == len(assessed) == row["met"] + row["not_met"] + row["not_documented"] + row["not_assessed"]
        for status in ("met", "not_met", "not_documented", "not_assessed"):
            assert row[status] == sum(r["status"] == status for r in assessed), (row["criterion"], status)
        met = {(r["letter"], r["item"]): r["outcome"] for r in assessed if r["status"] == "met"}
        failed = {(r["letter"], r["item"]): r["outcome"] for r in assessed if r["status"] in FAILED}
        assert (row["items_met"], row["items_failed"]) == (len(met), len(failed))
        assert row["overturn_rate_met"] == _rate(sum(o != "upheld" for o in met.values()), len(met))
        assert row["overturn_rate_failed"] == _rate(sum(o != "upheld" for o in failed.values()), len(failed))
        if row["criterion"] in CATALOG_ENTRIES:
            assert row["guideline_topic"] in catalog_topics(row["criterion"])
    assert found == sorted(found, key=lambda r: (-r["assessments"], r["criterion_label"], r["criterion"]))
    massage = next(r for r in found if r["criterion"] == CRITERION + "massage-adjunct-to-exercise")
    assert massage["not_met"] >= 1 and massage["items_failed"] >= 1 and massage["guideline_topic"] == "Massage therapy"


# --- criterion_consistency ----------------------------------------------------------------

def _consistency(criteria_rows: list[dict]) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    found = defaultdict(lambda: (set(), set()))
    for r in criteria_rows:
        if r["status"] == "not_assessed":
            continue
        name = f"{r['case_number'] or r['letter'].rsplit('/', 1)[1]} item {r['item']}"
        found[(r["criterion"], r["status"])][r["outcome"] != "upheld"].add(name)
    return {key: (sorted(upheld), sorted(overturned)) for key, (upheld, overturned) in found.items()
            if upheld and overturned}


def _check_consistency(store: ox.Store) -> list[dict]:
    found = rows(store, "criterion_consistency")
    expected = _consistency(rows(store, "criteria"))
    assert {(r["criterion"], r["status"]) for r in found} == set(expected)
    for r in found:
        upheld, overturned = expected[(r["criterion"], r["status"])]
        assert r["upheld"].split("; ") == upheld and r["overturned"].split("; ") == overturned  # listed sorted
        assert (r["upheld_items"], r["overturned_items"]) == (len(upheld), len(overturned))
        assert r["items"] == r["upheld_items"] + r["overturned_items"]
        assert r["status"] in {"met", "not_met", "not_documented"}
    assert found == sorted(found, key=lambda r: (-r["items"], r["criterion_label"], r["criterion"], r["status"]))
    return found


def test_criterion_consistency_on_the_test_letters(full):
    _check_consistency(full)  # the test letters may well have none


def test_criterion_consistency_finds_the_same_criterion_decided_both_ways(mixed):
    found = _check_consistency(mixed)
    assert found
    upheld_copy, overturned_copy = f"{UPHELD_COPY} item 1", f"{OVERTURNED_COPY} item 1"
    pairs = [r for r in found if upheld_copy in r["upheld"].split("; ") and overturned_copy in r["overturned"].split("; ")]
    # every criterion the two copies state in a status other than not_assessed is decided both ways
    copies = [r for r in rows(mixed, "criteria") if r["case_number"] == OVERTURNED_COPY and r["status"] != "not_assessed"]
    assert copies and {(r["criterion"], r["status"]) for r in pairs} == {(r["criterion"], r["status"]) for r in copies}
    # the original letter states them too, and was upheld
    assert all("CM13-0031175 item 1" in r["upheld"].split("; ") for r in pairs)
    # the criterion of the original guideline sentence, not met in both copies
    assert (CRITERION + "ppi-gi-risk", "not_met") in {(r["criterion"], r["status"]) for r in pairs}


# --- the command line ---------------------------------------------------------------------

def test_the_new_queries_from_the_command_line(tmp_path):
    directory = tmp_path / "store"
    store = LetterStore(directory)
    build([REAL], store, validate=False)
    store.close()
    runner = CliRunner()
    result = runner.invoke(main, ["query", "criteria", "--store", str(directory), "--param", "status=not_met",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["head"]["vars"] == list(load_query("criteria").columns)
    found = {(b["item"]["value"], b["criterion"]["value"]) for b in answer["results"]["bindings"]}
    assert {("1", CRITERION + "massage-adjunct-to-exercise"), ("2", CRITERION + "facet-non-radicular")} <= found
    assert {b["status"]["value"] for b in answer["results"]["bindings"]} == {"not_met"}
    listing = runner.invoke(main, ["queries"])
    assert listing.exit_code == 0 and all(f"{name}\n" in listing.stdout for name in NAMES)
