"""`imr-kg link --terminology`: skos:closeMatch links from the graph's diagnoses, treatments
and drugs to terminology files the user brings (OBO, OWL in RDF/XML, SKOS in Turtle, UMLS
MRCONSO.RRF), each in a named graph of its own.

The terminology files are tiny and fictional: made-up identifiers (FICT:, C9..., codes 9...)
carrying real clinical names, so that they match the test letters.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import TESTS
from kg_build.cli import main
from kg_build.link.terminology import link_terminology, normalise, terminology_graph
from kg_build.pipeline import build
from kg_build.store import LetterStore

CLOSE = ox.NamedNode("http://www.w3.org/2004/02/skos/core#closeMatch")
VOCAB = "https://w3id.org/imr-kg/vocab/"
OBO = "http://purl.obolibrary.org/obo/"
# Three fictional letters: carpal tunnel syndrome with naproxen and therapy (f1-03), Norco (f1-01).
LETTERS = [TESTS / "letters" / "f1-01-norco-one-item.txt", TESTS / "letters" / "f1-03-cts-six-items.txt"]

MINI_OBO = """format-version: 1.2
ontology: fict

[Term]
id: FICT:0000001
name: Carpal tunnel syndrome
synonym: "CTS" EXACT []

[Term]
id: FICT:0000002
name: Occupational Therapy!
synonym: "carpal tunnel syndrome" RELATED []

[Term]
id: FICT:0000003
name: naproxen
is_obsolete: true
"""

MINI_OWL = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#"
         xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">
  <owl:Ontology rdf:about="http://example.org/fict.owl"/>
  <owl:Class rdf:about="http://example.org/fict#D1">
    <rdfs:label>Hydrocodone / Acetaminophen</rdfs:label>
  </owl:Class>
  <owl:Class rdf:about="http://example.org/fict#D2">
    <rdfs:label>Naproxen sodium tablet</rdfs:label>
    <oboInOwl:hasExactSynonym>Naproxen</oboInOwl:hasExactSynonym>
  </owl:Class>
  <owl:Class rdf:about="http://example.org/fict#D3">
    <rdfs:label>urine drug screen</rdfs:label>
    <owl:deprecated rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">true</owl:deprecated>
  </owl:Class>
</rdf:RDF>
"""

MINI_TTL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/fict/T1> a skos:Concept ; skos:prefLabel "Urine drug screen" .
<http://example.org/fict/T2> a skos:Concept ; skos:prefLabel "Splinting" ; skos:altLabel "splint" .
"""

# MRCONSO.RRF: CUI|LAT|TS|LUI|STT|SUI|ISPREF|AUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|STR|SRL|SUPPRESS|CVF|
MRCONSO = "\n".join([
    "C9000001|ENG|P|L1|PF|S1|Y|A1||M1|D9000001|MSH|MH|D9000001|Carpal Tunnel Syndrome|0|N||",
    "C9000001|ENG|S|L2|PF|S2|Y|A2|||9000002|SNOMEDCT_US|PT|9000002|CTS - Carpal tunnel syndrome|4|N||",
    "C9000001|ENG|P|L1|VO|S3|Y|A3|||9000002|SNOMEDCT_US|FN|9000002|Carpal tunnel syndrome (disorder)|4|N||",
    "C9000002|ENG|P|L3|PF|S4|Y|A4|9000004||9000004|RXNORM|IN|9000004|naproxen|0|N||",
    "C9000002|SPA|P|L5|PF|S5|Y|A5|||D9|MSHSPA|MH|D9|occupational therapy|3|N||",
    "C9000003|ENG|P|L6|PF|S6|Y|A6|||9000006|SNOMEDCT_US|PT|9000006|Occupational therapy|4|O||",
]) + "\n"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("store")
    store = LetterStore(directory)
    summary = build(LETTERS, store, validate=False)
    assert not summary.skipped, [s.line() for s in summary.skipped]
    store.close()
    return directory


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _links(store_dir: Path, path: Path) -> set[tuple[str, str]]:
    """(subject, term) of every closeMatch in the terminology graph of `path`."""
    store = ox.Store.read_only(str(store_dir))
    graph = terminology_graph(path)
    return {(q.subject.value, q.object.value) for q in store.quads_for_pattern(None, CLOSE, None, graph)}


def _link(store_dir: Path, path: Path):
    store = LetterStore(store_dir)
    summary = link_terminology(store.store, path)
    store.close()
    return summary


def _diagnosis(links: set[tuple[str, str]], term: str) -> bool:
    return any("/diagnosis/" in s and t == term for s, t in links)


def test_normalise_ignores_case_and_punctuation():
    assert normalise("Occupational Therapy!") == normalise("occupational  therapy") == "occupational therapy"
    assert normalise("Hydrocodone / Acetaminophen") == normalise("hydrocodone/acetaminophen")


def test_obo_links_by_name_and_exact_synonym_only(store_dir, tmp_path):
    path = _write(tmp_path, "fict-a.obo", MINI_OBO)
    summary = _link(store_dir, path)
    links = _links(store_dir, path)
    assert _diagnosis(links, OBO + "FICT_0000001")  # "carpal tunnel syndrome" of f1-03
    assert (VOCAB + "treatment/occupational-therapy", OBO + "FICT_0000002") in links
    # a RELATED synonym names another concept; an obsolete term is not linked
    assert not _diagnosis(links, OBO + "FICT_0000002")
    assert not any(t == OBO + "FICT_0000003" for _, t in links)
    assert summary.linked["diagnosis"] >= 1 and summary.linked["treatment"] == 1 and summary.links == len(links)


def test_owl_rdfxml_links_drugs_and_skips_deprecated(store_dir, tmp_path):
    path = _write(tmp_path, "fict-b.owl", MINI_OWL)
    links = _links(store_dir, path) if _link(store_dir, path) else set()
    assert (VOCAB + "drug/hydrocodone-acetaminophen", "http://example.org/fict#D1") in links
    assert (VOCAB + "drug/naproxen", "http://example.org/fict#D2") in links  # by its exact synonym
    assert not any(t == "http://example.org/fict#D3" for _, t in links)


def test_skos_turtle_links_treatments(store_dir, tmp_path):
    path = _write(tmp_path, "fict-c.ttl", MINI_TTL)
    _link(store_dir, path)
    links = _links(store_dir, path)
    assert (VOCAB + "treatment/urine-drug-screen", "http://example.org/fict/T1") in links
    assert (VOCAB + "treatment/splint", "http://example.org/fict/T2") in links  # f1-03's prior wrist splinting


def test_mrconso_links_cuis_and_their_source_codes(store_dir, tmp_path):
    path = _write(tmp_path, "MRCONSO.RRF", MRCONSO)
    _link(store_dir, path)
    links = _links(store_dir, path)
    cui = "https://identifiers.org/umls:"
    assert _diagnosis(links, cui + "C9000001")
    assert _diagnosis(links, "http://snomed.info/id/9000002")  # the CUI's SNOMED CT code
    assert _diagnosis(links, "http://id.nlm.nih.gov/mesh/D9000001")
    assert (VOCAB + "drug/naproxen", cui + "C9000002") in links
    assert (VOCAB + "drug/naproxen", "http://purl.bioontology.org/ontology/RXNORM/9000004") in links
    # Spanish and suppressed strings are not read
    assert not any(s.endswith("treatment/occupational-therapy") for s, _ in links)
    store = ox.Store.read_only(str(store_dir))
    labels = {q.object.value for q in store.quads_for_pattern(ox.NamedNode("http://snomed.info/id/9000002"), None, None,
                                                                terminology_graph(path))}
    assert labels == {"CTS - Carpal tunnel syndrome"}  # named by its preferred term (PT), not its FN


def test_linking_again_replaces_the_links_and_gzip_is_read(store_dir, tmp_path):
    path = _write(tmp_path, "fict-d.obo.gz", MINI_OBO)
    _link(store_dir, path)
    assert _diagnosis(_links(store_dir, path), OBO + "FICT_0000001")
    _write(tmp_path, "fict-d.obo.gz", MINI_OBO.replace("Carpal tunnel syndrome", "Something else").replace('"CTS"', '"X"'))
    _link(store_dir, path)
    links = _links(store_dir, path)
    assert not _diagnosis(links, OBO + "FICT_0000001") and links  # old links gone, the others still there


def test_cli_links_and_reports(store_dir, tmp_path):
    path = _write(tmp_path, "fict-e.obo", MINI_OBO)
    result = CliRunner().invoke(main, ["link", "--terminology", str(path), "--store", str(store_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "fict-e.obo:" in result.output and "1 of" in result.output and "treatments" in result.output


@pytest.mark.parametrize("name, text, reason", [
    ("fict.csv", "a,b\n", "unknown kind of terminology file"),
    ("broken.obo", "format-version: 1.2\n\n[Term]\nid FICT 1 no colon\n", "not a readable OBO file"),
    ("broken.owl", "<rdf:RDF this is not xml", "not readable RDF/XML"),
    ("MRCONSO.RRF", "C1|ENG|P\n", "not an MRCONSO.RRF row"),
    ("missing.obo", None, "no such file"),
])
def test_cli_unreadable_file_is_one_line(store_dir, tmp_path, name, text, reason):
    path = tmp_path / name if text is None else _write(tmp_path, name, text)
    result = CliRunner().invoke(main, ["link", "--terminology", str(path), "--store", str(store_dir), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(path)) and reason in lines[0], result.output


def test_cli_needs_a_store(tmp_path):
    path = _write(tmp_path, "fict-f.obo", MINI_OBO)
    result = CliRunner().invoke(main, ["link", "--terminology", str(path), "--store", str(tmp_path / "none"), "--quiet"])
    assert result.exit_code == 2 and "not an imr-kg store" in result.output
