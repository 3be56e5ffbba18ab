"""The shipped SPARQL queries (queries/*.rq): headers, answers checked against the letters
(their answer keys in gold/), parameters, the command line, and hostile parameter values.

Two stores are built once for the module: every letter that has an answer key (the three
shared letters and tests/letters) and the real letter alone, whose every number is known.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import SHARED, SHARED_GOLD, TEST_GOLD, TESTS, build_store, letter_for, query_rows
from kg_build.cli import main
from kg_build.map import letter_id
from kg_build.pipeline import build, extract_file
from kg_build.store import LetterStore
from kg_build.use.query import _PARAM, QueryError, load_query, shipped_queries

REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
GOLD = SHARED_GOLD + TEST_GOLD
REQUIRED = {"evidence", "decisions", "outcomes_by_category", "outcomes_by_guideline_topic", "guideline_agreement",
            "reviewer_specialty_outcomes", "quality_flags"}
HOSTILE = 'x" } } DELETE WHERE { ?s ?p ?o } #'


def _letter_iri(path: Path, case_number: str | None) -> str:
    record = {"case": {"case_number": case_number}, "source": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}
    return "https://w3id.org/imr-kg/id/letter/" + letter_id(record)


REAL_IRI = _letter_iri(REAL, None)


# --- stores -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full_dir(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("full"), SHARED / "letters", TESTS / "letters")


@pytest.fixture(scope="module")
def full(full_dir) -> ox.Store:
    return LetterStore(full_dir, read_only=True).store


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> ox.Store:
    """The real letter alone, in a writable store (the injection tests try to change it)."""
    store = LetterStore(tmp_path_factory.mktemp("real"))
    build([REAL], store, validate=False)
    return store.store


rows = query_rows


def _gold() -> list[tuple[str, dict]]:
    """(letter IRI, answer key) for every letter in the full store."""
    out = []
    for path in GOLD:
        key = json.loads(path.read_text())
        out.append((_letter_iri(letter_for(path), key["case"].get("case_number")), key))
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 3)


def _consistent(row: dict) -> None:
    """An outcome-count row adds up and its rate is the rounded share not upheld."""
    assert row["items"] == row["upheld"] + row["overturned"] + row["partially_overturned"]
    assert row["overturn_rate"] == _rate(row["overturned"] + row["partially_overturned"], row["items"])


# --- headers ------------------------------------------------------------------------------

def test_the_required_queries_are_shipped():
    assert REQUIRED <= {q.name for q in shipped_queries()}
    assert len(shipped_queries()) >= 12


@pytest.mark.parametrize("query", shipped_queries(), ids=lambda q: q.name)
def test_header_parses_and_matches_the_query(query, real):
    lines = query.text.splitlines()
    assert lines[0].startswith("# Question: ") and query.question.endswith("?")
    assert lines[1] == "# Parameters:"
    columns_at = next(i for i, line in enumerate(lines) if line.startswith("# Columns:"))
    declared = lines[2:columns_at]
    assert declared == ["#   none"] or all(_PARAM.match(line) for line in declared), declared
    assert len(query.parameters) == (0 if declared == ["#   none"] else len(declared))
    # every declared parameter is projected (Oxigraph binds projected variables only)
    assert {p.name for p in query.parameters} <= set(query.columns)
    # the query runs in any store: its own PREFIX lines, no predeclared prefixes
    required = {p.name: _sample_value(p) for p in query.parameters if not p.optional}
    solutions = real.query(query.text, substitutions={ox.Variable(k): v for k, v in _terms(query, required).items()},
                           use_default_graph_as_union=True)
    assert [v.value for v in solutions.variables] == list(query.columns)
    # a deterministic order
    assert re.search(r"\}\s*ORDER BY [^\n]+\s*$", query.text), "the outermost query needs ORDER BY"


def _sample_value(parameter) -> str:
    return REAL_IRI + "/item/1/decision" if parameter.type == "iri" else "x"


def _terms(query, values):
    from kg_build.use.query import bind
    return {v.value: t for v, t in bind(query, values).items()}


# rows only where the corpus has disagreeing cases; tests/test_criteria_queries.py builds some
MAY_BE_EMPTY = {"criterion_consistency"}


@pytest.mark.parametrize("query", shipped_queries(), ids=lambda q: q.name)
def test_every_query_answers_and_twice_the_same(query, full):
    params = {p.name: REAL_IRI + "/item/1/decision" for p in query.parameters if not p.optional}
    first = rows(full, query.name, **params)
    assert first or query.name in MAY_BE_EMPTY, f"{query.name} returned no rows on the test letters"
    assert rows(full, query.name, **params) == first


OPTIONAL_PARAMS = [(q.name, p) for q in shipped_queries() for p in q.parameters if p.optional]


@pytest.mark.parametrize("name,parameter", OPTIONAL_PARAMS, ids=lambda x: getattr(x, "name", x))
def test_an_optional_parameter_filters_only_when_given(name, parameter, full):
    assert rows(full, name)  # left out: everything
    value = "https://example.org/no-such-node" if parameter.type == "iri" else "no such value"
    assert rows(full, name, **{parameter.name: value}) == []


# --- decisions ----------------------------------------------------------------------------

def test_decisions_of_the_real_letter(full):
    found = [r for r in rows(full, "decisions") if r["letter"] == REAL_IRI]
    assert [r["item"] for r in found] == [1, 2]
    assert [r["outcome"] for r in found] == ["upheld", "upheld"]
    assert "massage therapy" in found[0]["service"] and "medial branch block" in found[1]["service"]
    assert [r["category"] for r in found] == ["rehabilitation", "injections"]
    assert [r["medically_necessary"] for r in found] == [False, False]
    assert found[0]["request"].startswith("Physical therapy (PT)/ Certified Massage Therapist")
    assert found[0]["case_number"] is None  # the posted letter lacks its first page
    assert found[0]["decision"] == REAL_IRI + "/item/1/decision"


def test_decisions_agree_with_every_answer_key(full):
    by_letter = defaultdict(list)
    for r in rows(full, "decisions"):
        by_letter[r["letter"]].append(r)
    gold = _gold()
    assert set(by_letter) == {iri for iri, _ in gold}
    for iri, key in gold:
        found = by_letter[iri]
        assert [r["item"] for r in found] == [i["number"] for i in key["items"]], iri
        for r, item in zip(found, key["items"]):
            assert r["outcome"] == item["outcome"], (iri, r["item"])
            assert r["medically_necessary"] == item["medically_necessary"], (iri, r["item"])
            assert r["case_number"] == key["case"].get("case_number")
            if item.get("category"):
                assert r["category"] == item["category"], (iri, r["item"])
            assert any(_norm(s) in _norm(r["service"]) or _norm(r["service"]) in _norm(s) for s in item["service_any"]), r


def test_decisions_parameters(full):
    everything = rows(full, "decisions")
    overturned = rows(full, "decisions", outcome="overturned")
    assert overturned == [r for r in everything if r["outcome"] == "overturned"] and overturned
    partial = rows(full, "decisions", outcome="partially_overturned")
    assert [(r["case_number"], r["item"]) for r in partial] == [("CM13-0948213", 1)]
    both = rows(full, "decisions", category="injections", outcome="overturned")
    assert both == [r for r in overturned if r["category"] == "injections"]
    assert {r["case_number"] for r in both} == {"CM13-0957704", "CM14-0951862"}
    one = rows(full, "decisions", letter=REAL_IRI, service="medial branch block")
    assert [(r["letter"], r["item"]) for r in one] == [(REAL_IRI, 2)]
    assert rows(full, "decisions", outcome="Upheld") == []  # outcome labels are lower case


# --- outcome counts -----------------------------------------------------------------------

def test_outcomes_by_category_count_the_answer_keys(full):
    found = {r["category"]: r for r in rows(full, "outcomes_by_category")}
    expected = defaultdict(Counter)
    for _, key in _gold():
        for item in key["items"]:
            if item.get("category"):
                expected[item["category"]][item["outcome"]] += 1
    for category, outcomes in expected.items():
        row = found[category]
        assert (row["upheld"], row["overturned"], row["partially_overturned"]) == (
            outcomes["upheld"], outcomes["overturned"], outcomes["partially_overturned"]), category
    assert (found["injections"]["items"], found["injections"]["overturn_rate"]) == (4, 0.5)
    for row in found.values():
        _consistent(row)
    assert sum(r["items"] for r in found.values()) == sum(len(k["items"]) for _, k in _gold())
    assert list(found) == [r["category"] for r in sorted(found.values(), key=lambda r: (-r["items"], r["category"]))]


def test_outcomes_of_the_real_letter_alone(real):
    assert rows(real, "outcomes_by_category") == [
        {"category": "injections", "items": 1, "upheld": 1, "overturned": 0, "partially_overturned": 0, "overturn_rate": 0},
        {"category": "rehabilitation", "items": 1, "upheld": 1, "overturned": 0, "partially_overturned": 0, "overturn_rate": 0},
    ]
    assert [(r["mechanism"], r["letters"], r["items"], r["upheld"]) for r in rows(real, "outcomes_by_mechanism")] == [
        ("motor vehicle accident", 1, 2, 2)]
    assert {(r["body_region"], r["items"], r["upheld"]) for r in rows(real, "outcomes_by_body_region")} == {
        ("neck", 1, 1), ("cervical spine", 1, 1)}
    assert [(r["year"], r["letters"], r["items"]) for r in rows(real, "overturn_rate_by_year")] == [(None, 1, 2)]
    assert [(r["items_per_letter"], r["letters"], r["items"], r["letters_with_overturn"]) for r in rows(real, "items_per_letter")] == [
        (2, 1, 2, 0)]
    # item 1: MTUS Chronic Pain guidelines; item 2: ODG, outside the MTUS
    assert [(r["imro_basis"], r["items"], r["share"]) for r in rows(real, "mtus_vs_non_mtus")] == [
        ("mtus", 1, 0.5), ("non_mtus", 1, 0.5)]
    assert rows(real, "drug_class_outcomes") == []
    specialties = {_norm(r["specialty"]): r for r in rows(real, "reviewer_specialty_outcomes")}
    assert "pain management" in specialties and any(s.startswith("physical medicine") for s in specialties)
    assert all((r["letters"], r["items"], r["upheld"]) == (1, 2, 2) for r in specialties.values())
    assert [(r["agreement"], r["items"]) for r in rows(real, "guideline_agreement_summary")] == [
        ("same_document", 1), ("same_topic", 1)]


def test_outcomes_by_guideline_topic(full):
    found = rows(full, "outcomes_by_guideline_topic")
    for row in found:
        _consistent(row)
        assert row["source"] != "none"
    by_topic = defaultdict(list)
    for row in found:
        by_topic[(row["source"], row["topic"])].append(row)
    # the real letter's IMRO reviewer cited MTUS Massage therapy for item 1, upheld
    (massage,) = by_topic[("MTUS", "Massage therapy")]
    assert massage["document"] == "Chronic Pain Medical Treatment Guidelines" and massage["upheld"] >= 1
    # f2-01 item 1, partially overturned on MTUS Physical Medicine
    (physical,) = by_topic[("MTUS", "Physical medicine")]
    assert physical["partially_overturned"] >= 1
    # facet joint blocks: upheld for the real letter's neck, overturned for f3-01's low back
    facet = {row["chapter"]: row for row in by_topic[("ODG", "Facet joint diagnostic blocks")]}
    assert any("Neck" in c and r["upheld"] >= 1 for c, r in facet.items())
    assert any("Low Back" in c and r["overturned"] >= 1 for c, r in facet.items())


def test_reviewer_specialty_outcomes(full):
    found = rows(full, "reviewer_specialty_outcomes")
    for row in found:
        _consistent(row)
    by_name = {_norm(r["specialty"]): r for r in found}
    hand = by_name["hand surgery"]  # f1-03 only: six items, two overturned
    assert (hand["letters"], hand["items"], hand["upheld"], hand["overturned"]) == (1, 6, 4, 2)
    assert by_name["pain management"]["items"] == 2
    letters = sum(1 for _, key in _gold() if key["reviewer"]["specialties"])
    assert max(r["letters"] for r in found) <= letters


def test_overturn_rate_by_year_agrees_with_letters_and_decisions(full):
    dates = {r["letter"]: r["decision_date"] for r in rows(full, "letters")}
    for iri, key in _gold():
        if key["case"].get("decision_date"):
            assert dates[iri] == key["case"]["decision_date"]
    expected = defaultdict(Counter)
    for r in rows(full, "decisions"):
        year = int(dates[r["letter"]][:4]) if dates[r["letter"]] else None
        expected[year]["items"] += 1
        expected[year]["not_upheld"] += r["outcome"] != "upheld"
        expected[year][r["letter"]] = 1
    found = rows(full, "overturn_rate_by_year")
    assert [r["year"] for r in found] == sorted(y for y in expected if y) + [None]
    for row in found:
        counts = expected[row["year"]]
        assert row["items"] == counts["items"] and row["letters"] == sum(1 for k in counts if k.startswith("http"))
        assert row["overturn_rate"] == _rate(counts["not_upheld"], counts["items"])
        assert row["category"] is None
    pharma = rows(full, "overturn_rate_by_year", category="pharmaceuticals")
    assert pharma and all(r["category"] == "pharmaceuticals" for r in pharma)
    assert sum(r["items"] for r in pharma) == sum(
        1 for _, k in _gold() for i in k["items"] if i.get("category") == "pharmaceuticals")


def test_drug_class_mechanism_body_region_and_service(full):
    drugs = {r["drug_class"]: r for r in rows(full, "drug_class_outcomes")}
    assert (drugs["opioid"]["items"], drugs["opioid"]["upheld"]) == (2, 2)  # f1-01 Norco, f2-03 hydrocodone
    assert drugs["anticonvulsant"]["overturned"] == 1  # f2-02 gabapentin
    regions = {r["body_region"]: r for r in rows(full, "outcomes_by_body_region")}
    assert regions["knee"]["items"] == 3 and regions["shoulder"]["items"] == 5
    mechanisms = {r["mechanism"]: r for r in rows(full, "outcomes_by_mechanism")}
    assert mechanisms["motor vehicle accident"]["letters"] >= 1
    services = rows(full, "outcomes_by_service", category="rehabilitation")
    assert services and {r["category"] for r in services} == {"rehabilitation"}
    physical = next(r for r in services if r["service"] == "physical therapy")
    assert physical["partially_overturned"] == 1  # f2-01 item 1
    for row in [*drugs.values(), *regions.values(), *mechanisms.values(), *services]:
        _consistent(row)


def test_items_per_letter_and_letters(full):
    letters = rows(full, "letters")
    assert len(letters) == len(GOLD)
    per_letter = Counter(len(k["items"]) for _, k in _gold())
    found = rows(full, "items_per_letter")
    assert {r["items_per_letter"]: r["letters"] for r in found} == dict(per_letter)
    six = next(r for r in found if r["items_per_letter"] == 6)
    assert (six["letters_with_overturn"], six["item_overturn_rate"]) == (1, _rate(2, 6))
    one = rows(full, "letters", case_number="CM14-0981456")
    assert [(r["layout"], r["items"], r["upheld"], r["overturned"]) for r in one] == [("format1", 6, 4, 2)]


def test_criteria_status(full):
    found = rows(full, "criteria_status")
    for row in found:
        assert row["assessments"] == row["met"] + row["not_met"] + row["not_documented"] + row["not_assessed"]
    adjunct = [r for r in found if "adjunct" in r["criterion"] and r["guideline_topic"] == "Massage therapy"]  # real letter
    assert adjunct and adjunct[0]["not_met"] >= 1 and adjunct[0]["guideline_topic"] == "Massage therapy"


def test_mtus_vs_non_mtus_covers_every_item(full):
    found = rows(full, "mtus_vs_non_mtus")
    assert sum(r["items"] for r in found) == sum(len(k["items"]) for _, k in _gold())
    assert {r["imro_basis"] for r in found} <= {"mtus", "non_mtus", "mtus_and_non_mtus", "no_imro_guideline"}
    for row in found:
        _consistent(row)


# --- guideline agreement ------------------------------------------------------------------

def test_guideline_agreement_of_the_real_letter(full):
    item1, item2 = rows(full, "guideline_agreement", letter=REAL_IRI)
    # item 1: claims administrator MTUS Physical Medicine, IMRO MTUS Massage therapy
    assert (item1["ca_topic"], item1["imro_topic"]) == ("Physical medicine", "Massage therapy")
    assert item1["ca_document"] == item1["imro_document"] == "Chronic Pain Medical Treatment Guidelines"
    assert (item1["same_source"], item1["same_document"], item1["same_topic"]) == (True, True, False)
    assert item1["agreement"] == "same_document" and item1["outcome"] == "upheld"
    # item 2: both ODG facet joint diagnostic blocks, named under two spellings of the neck chapter
    assert (item2["ca_source"], item2["imro_source"]) == ("ODG", "ODG")
    assert (item2["same_source"], item2["same_document"], item2["same_topic"]) == (True, True, True)
    assert item2["agreement"] == "same_topic"


def test_guideline_agreement_across_letters(full):
    found = rows(full, "guideline_agreement")
    by_case = defaultdict(list)
    for r in found:
        by_case[r["case_number"]].append(r)
    # format3 letters never state the claims administrator's guideline
    for case in ("CM14-0951862", "CM15-0940615", "CM15-0958230", "CM14-0090412"):
        assert {r["agreement"] for r in by_case[case]} == {"no_ca_guideline"}, case
    # f2-03: "The Claims Administrator did not cite any evidence-based guidelines" for item 1
    eswt = by_case["CM13-0969951"][0]
    assert eswt["agreement"] == "no_ca_guideline" and eswt["ca_source"] is None and eswt["imro_source"] == "ODG"
    for r in found:
        assert r["same_source"] or not (r["same_document"] or r["same_topic"])
        assert not r["agreement"].startswith("no_") or not r["same_source"]
    summary = {r["agreement"]: r for r in rows(full, "guideline_agreement_summary")}
    assert {a: r["items"] for a, r in summary.items()} == dict(Counter(r["agreement"] for r in found))
    for row in summary.values():
        _consistent(row)
    assert round(sum(r["share"] for r in summary.values()), 2) == 1.0


# --- evidence and quality flags -----------------------------------------------------------

def test_evidence_of_a_decision_is_its_rationale_in_the_letter_text(full):
    text = extract_file(REAL)[1]
    (row,) = rows(full, "evidence", node=REAL_IRI + "/item/1/decision")
    assert row["relation"] == "rationale" and row["letter"] == REAL_IRI
    assert row["quote"].startswith("The claimant sustained") and row["quote"].endswith("not medically necessary.")
    assert text[row["start"]:row["end"]] == row["quote"]


def test_evidence_of_a_criterion_and_a_citation(full):
    text = extract_file(REAL)[1]
    found = rows(full, "evidence", node=REAL_IRI + "/item/1/criterion/1")
    assert {r["relation"] for r in found} == {"evidence", "status_evidence"}
    for r in found:
        assert text[r["start"]:r["end"]] == r["quote"]
    status = next(r for r in found if r["relation"] == "status_evidence")
    assert "no adjunctive treatment" in status["quote"]
    (citation,) = rows(full, "evidence", node=REAL_IRI + "/item/1/citation/2")
    assert "Massage" in citation["quote"] and text[citation["start"]:citation["end"]] == citation["quote"]
    assert rows(full, "evidence", node=REAL_IRI + "/no-such-node") == []
    with pytest.raises(QueryError, match="needs --param node"):
        rows(full, "evidence")


def test_quality_flags(full):
    found = rows(full, "quality_flags")
    real_flags = [r for r in found if r["letter"] == REAL_IRI]
    assert real_flags and {r["kind"] for r in real_flags} == {"sex_mismatch"}  # female in the summary, 'He' in the rationales
    conflict = rows(full, "quality_flags", kind="outcome_conflict")
    assert {r["case_number"] for r in conflict} == {"CM13-0973380"}  # f2-04-outcome-conflict
    assert rows(full, "quality_flags", letter=REAL_IRI) == real_flags
    counts = {r["kind"]: r for r in rows(full, "quality_flag_counts")}
    assert {k: r["flags"] for k, r in counts.items()} == dict(Counter(r["kind"] for r in found))
    assert counts["sex_mismatch"]["share_of_letters"] == _rate(counts["sex_mismatch"]["letters"], len(GOLD))


# --- the command line ---------------------------------------------------------------------

def test_cli_csv_and_json_give_the_rows_of_the_api(full, full_dir):
    expected = rows(full, "decisions", category="injections")
    runner = CliRunner()
    result = runner.invoke(main, ["query", "decisions", "--store", str(full_dir), "--param", "category=injections",
                                  "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == list(load_query("decisions").columns)
    assert [(r["letter"], int(r["item"]), r["outcome"]) for r in table] == [(r["letter"], r["item"], r["outcome"]) for r in expected]
    result = runner.invoke(main, ["query", "decisions", "--store", str(full_dir), "--param", "category=injections",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["head"]["vars"] == list(load_query("decisions").columns)
    assert [b["outcome"]["value"] for b in answer["results"]["bindings"]] == [r["outcome"] for r in expected]
    listing = runner.invoke(main, ["queries"])
    assert listing.exit_code == 0 and all(f"{q.name}\n" in listing.stdout for q in shipped_queries())
    assert "--param letter=<iri> (optional, one letter: reads only its graphs):" in listing.stdout


# --- hostile parameter values -------------------------------------------------------------

def _snapshot(store: ox.Store) -> tuple[int, list]:
    return len(store), sorted(g.value for g in store.named_graphs())


def test_hostile_values_change_nothing_through_the_api(real):
    before = _snapshot(real)
    for name, parameter in OPTIONAL_PARAMS:
        if parameter.type == "string":
            assert rows(real, name, **{parameter.name: HOSTILE}) == []
            assert rows(real, name, **{parameter.name: "upheld\n} } DELETE WHERE { ?s ?p ?o } #"}) == []
    for value in (HOSTILE, REAL_IRI + ">\n} DELETE WHERE { ?s ?p ?o } #", "a b", "<" + REAL_IRI + ">"):
        with pytest.raises(QueryError, match="not an IRI"):
            rows(real, "evidence", node=value)
        with pytest.raises(QueryError, match="not an IRI"):
            rows(real, "decisions", letter=value)
    with pytest.raises(QueryError, match="has no parameter"):
        rows(real, "decisions", **{"category } DELETE WHERE { ?s ?p ?o } #": "x"})
    assert _snapshot(real) == before and before[0] > 1000


def test_hostile_values_change_nothing_through_the_cli(full_dir):
    before = _snapshot(LetterStore(full_dir, read_only=True).store)
    runner = CliRunner()
    result = runner.invoke(main, ["query", "decisions", "--store", str(full_dir), "--param", f"category={HOSTILE}",
                                  "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [",".join(load_query("decisions").columns)]  # the header, no rows
    result = runner.invoke(main, ["query", "evidence", "--store", str(full_dir), "--param",
                                  f"node={REAL_IRI}>\n}} DELETE WHERE {{ ?s ?p ?o }} #", "--format", "json"])
    assert result.exit_code == 2 and "not an IRI" in result.output
    result = runner.invoke(main, ["query", "decisions", "--store", str(full_dir), "--param", HOSTILE])
    assert result.exit_code == 2 and "KEY=VALUE" in result.output
    result = runner.invoke(main, ["query", "decisions", "--store", str(full_dir), "--param", "x } DELETE WHERE { ?s ?p ?o } #=1"])
    assert result.exit_code == 2 and "has no parameter" in result.output
    assert _snapshot(LetterStore(full_dir, read_only=True).store) == before
