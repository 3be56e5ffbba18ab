"""The shared vocabularies (kg_build/map/vocabularies.py and its data files): treatments under
the DWC categories, drugs brand -> generic under their classes, body regions matched to
Uberon; and the queries drug_class_outcomes and treatments_by_body_region over a store of
the fictional test letters."""

from __future__ import annotations

import re
from importlib import resources

import pyoxigraph as ox
import pytest

from conftest import TESTS, query_rows
from kg_build.lexicon import lexicon, load_csv
from kg_build.map import record_quads
from kg_build.map.vocabularies import (DRUG_SCHEME, TREATMENT_SCHEME, body_region_quads, category_concept,
                                       drug_class_concept, treatment_category, treatment_quads, uberon_iri,
                                       written_drug)
from kg_build.pipeline import extract_file
from kg_build.store import LetterStore

IMR = "https://w3id.org/imr-kg/ontology#"
UBERON = re.compile(r"^http://purl\.obolibrary\.org/obo/UBERON_\d{7}$")
NO_UBERON = {"psyche", "multiple body parts", "sacroiliac joint"}  # see the header of body_regions.csv
ISSUE_CLASSES = {"opioid", "NSAID", "proton pump inhibitor", "muscle relaxant", "topical analgesic", "anticonvulsant",
                 "antidepressant", "sleep aid", "compounded product"}


def _triples(quads: list[ox.Quad]) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value.rsplit("#", 1)[-1], q.object.value) for q in quads}


# --- data files ---------------------------------------------------------------------------

@pytest.mark.parametrize("brand, generic, drug_class", [
    ("Norco", "hydrocodone/acetaminophen", "opioid"),
    ("Percocet", "oxycodone/acetaminophen", "opioid"),
    ("Ultram", "tramadol", "opioid"),
    ("Anaprox DS", "naproxen", "NSAID"),
    ("Celebrex", "celecoxib", "NSAID"),
    ("Prilosec", "omeprazole", "proton pump inhibitor"),
    ("Flexeril", "cyclobenzaprine", "muscle relaxant"),
    ("Lidoderm", "lidocaine", "topical analgesic"),
    ("Neurontin", "gabapentin", "anticonvulsant"),
    ("Cymbalta", "duloxetine", "antidepressant"),
    ("Ambien", "zolpidem", "sleep aid"),
    ("Terocin kit", "compounded topical analgesic", "compounded product"),
])
def test_brand_maps_to_generic_and_class(brand, generic, drug_class):
    entry = lexicon("drugs").lookup(brand)
    assert entry is not None and (entry.name, entry.row["drug_class"]) == (generic, drug_class)
    assert written_drug(f"{brand} 10mg #60", generic) == brand


def test_the_issue_drug_classes_are_concepts_with_definitions():
    classes = {row["name"]: row for row in load_csv("drug_classes.csv")}
    assert ISSUE_CLASSES <= set(classes)
    assert {row["drug_class"] for row in load_csv("drugs.csv")} == set(classes)
    assert all(row["definition"] for row in classes.values())
    assert all(re.fullmatch(r"D\d{6}", row["mesh"]) for row in classes.values() if row["mesh"])
    assert classes["opioid"]["mesh"] == "D000701" and classes["NSAID"]["mesh"] == "D000894"


def _raw(name: str) -> str:
    return resources.files("kg_build.data").joinpath(name).read_text("utf-8")


@pytest.mark.parametrize("name", ["drugs.csv", "drug_classes.csv", "body_regions.csv", "services.csv",
                                  "categories.csv"])
def test_every_row_has_a_source(name):
    rows = load_csv(name)
    if "source" in rows[0]:
        assert all(row["source"] for row in rows), [row["name"] for row in rows if not row["source"]]
    else:  # one source for the whole table, named in its header
        assert re.search(r"(?m)^# Sources?: \S", _raw(name)), f"{name}: no '# Source:' header line"


def test_body_regions_have_well_formed_uberon_iris():
    rows = load_csv("body_regions.csv")
    with_uberon = [row for row in rows if row["uberon"]]
    assert {row["name"] for row in rows} - {row["name"] for row in with_uberon} == NO_UBERON
    for row in with_uberon:
        assert UBERON.match(uberon_iri(row["uberon"]).value), row
        assert row["uberon_label"] and row["match"] in {"exact", "close"}, row
    assert len({row["uberon"] for row in with_uberon}) == len(with_uberon), "two regions share an Uberon class"
    assert uberon_iri("UBERON:0001465").value == "http://purl.obolibrary.org/obo/UBERON_0001465"  # knee


def test_body_region_quads_match_uberon():
    region = ox.NamedNode("https://w3id.org/imr-kg/vocab/body-region/knee")
    triples = _triples(body_region_quads(region, "knee"))
    assert (region.value, "exactMatch", "http://purl.obolibrary.org/obo/UBERON_0001465") in triples
    jaw = _triples(body_region_quads(ox.NamedNode("x:jaw"), "jaw"))
    assert any(p == "closeMatch" for _, p, _ in jaw)
    assert body_region_quads(ox.NamedNode("x:psyche"), "psyche") == []


# --- the treatment scheme -----------------------------------------------------------------

@pytest.mark.parametrize("category", [row["name"] for row in load_csv("categories.csv")])
def test_categories_are_top_concepts_of_the_treatment_scheme(category):
    service = ox.NamedNode("https://w3id.org/imr-kg/vocab/treatment/x")
    triples = _triples(treatment_quads(service, category))
    top = category_concept(category).value
    assert (top, "topConceptOf", TREATMENT_SCHEME.value) in triples
    assert (TREATMENT_SCHEME.value, "hasTopConcept", top) in triples
    assert (service.value, "broader", top) in triples
    assert any(s == top and p == "definition" and o for s, p, o in triples)


def test_prior_treatments_and_drugs_find_their_category():
    assert treatment_category("chiropractic") == "rehabilitation"
    assert treatment_category("epidural steroid injection") == "injections"
    assert treatment_category("Norco") == "pharmaceuticals"
    assert treatment_category("no such treatment") is None
    assert treatment_quads(ox.NamedNode("x:t"), None) == []


def test_a_letter_maps_brand_strength_class_and_categories():
    """f1-01 (fictional) requests 'Norco 10/325mg #90'."""
    triples = _triples(record_quads(extract_file(TESTS / "letters" / "f1-01-norco-one-item.txt")[0]))
    drug = "https://w3id.org/imr-kg/vocab/drug/hydrocodone-acetaminophen"
    assert (drug, "prefLabel", "hydrocodone/acetaminophen") in triples
    assert (drug, "altLabel", "Norco") in triples
    assert (drug, "broader", drug_class_concept("opioid").value) in triples
    assert (drug_class_concept("opioid").value, "topConceptOf", DRUG_SCHEME.value) in triples
    assert (drug_class_concept("opioid").value, "closeMatch", "http://id.nlm.nih.gov/mesh/D000701") in triples
    assert any(p == "drugStrength" and o == "10/325mg" for _, p, o in triples)
    # every treatment concept of the letter (requested or prior) sits under a top concept
    treatments = {s for s, p, o in triples if p == "inScheme" and o == TREATMENT_SCHEME.value}
    tops = {s for s, p, o in triples if p == "topConceptOf" and o == TREATMENT_SCHEME.value}
    assert tops and all(any((t, "broader", top) in triples for top in tops) for t in treatments - tops)
    assert ("https://w3id.org/imr-kg/vocab/treatment/chiropractic", "broader", category_concept("rehabilitation").value) in triples


# --- queries ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(letters_store_dir) -> ox.Store:
    return LetterStore(letters_store_dir, read_only=True).store


def _consistent(row: dict) -> None:
    assert row["items"] == row["upheld"] + row["overturned"] + row["partially_overturned"]
    assert row["overturn_rate"] == round((row["overturned"] + row["partially_overturned"]) / row["items"], 3)


def _drug_items(store: ox.Store) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?i <{IMR}drug> ?d }}"
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def test_drug_class_outcomes(store):
    found = {r["drug_class"]: r for r in query_rows(store, "drug_class_outcomes")}
    opioid = found["opioid"]  # f1-01 Norco and f2-03 hydrocodone: one generic, both upheld
    assert (opioid["drugs"], opioid["items"], opioid["upheld"]) == (1, 2, 2)
    assert opioid["drug_class_concept"] == drug_class_concept("opioid").value
    assert found["anticonvulsant"]["overturned"] == 1  # f2-02 gabapentin
    assert found["NSAID"]["items"] >= 1  # f1-03 naproxen
    assert sum(r["items"] for r in found.values()) == _drug_items(store)
    for row in found.values():
        _consistent(row)


def test_treatments_by_body_region(store):
    found = query_rows(store, "treatments_by_body_region")
    categories = {row["name"] for row in load_csv("categories.csv")} | {"(none)"}
    assert {r["category"] for r in found} <= categories
    knee = [r for r in found if r["body_region"] == "knee"]
    assert knee and {r["uberon"] for r in knee} == {"http://purl.obolibrary.org/obo/UBERON_0001465"}
    wrist = {r["category"]: r for r in found if r["body_region"] == "wrist"}  # f1-03: release and therapy
    assert wrist["surgery"]["overturned"] == 1 and "rehabilitation" in wrist
    assert all(r["uberon"] is None for r in found if r["body_region"] == "(not stated)")
    assert any(r["category"] == "pharmaceuticals" for r in found if r["body_region"] == "(not stated)")  # medications
    items = query_rows(store, "outcomes_by_category")
    assert sum(r["items"] for r in found) == sum(r["items"] for r in items)
    for row in found:
        _consistent(row)
