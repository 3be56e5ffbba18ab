"""`imr-kg export`: every format writes a file that a second reader parses back to the same
content, the property-graph formats agree on the nodes, --letter/--case select only those
letters, errors are one line, and the HTML page works offline in headless Chromium.

The store holds the fictional letters of tests/letters, built once for the module.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from PIL import Image  # Pillow comes with fpdf2, a test dependency
from rdflib.compare import isomorphic

from kg_build.cli import main
from kg_build.map.iris import IMR, VOCABULARY_GRAPH
from kg_build.store import LetterStore
from kg_build.use.export.html import embedded_json, page as html_page
from kg_build.use.export.projection import NODE_TYPES
from kg_build.use.export.rdf import CONTEXT

LETTER_GRAPHS = "https://w3id.org/imr-kg/graph/letter/"
CASE = "CM15-0934127"  # tests/letters/f1-01-norco-one-item.txt
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def store_dir(letters_store_dir) -> Path:
    return letters_store_dir


@pytest.fixture(scope="module")
def store(store_dir) -> ox.Store:
    return LetterStore(store_dir, read_only=True).store


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("out")


@pytest.fixture(scope="module")
def hashed_letter(store) -> str:
    """The letter without a case number, named by its file hash."""
    graphs = [g.value[len(LETTER_GRAPHS):] for g in store.named_graphs() if g.value.startswith(LETTER_GRAPHS + "sha256-")]
    assert graphs
    return graphs[0]


def export(store_dir: Path, fmt: str, path: Path, *selection: str) -> Path:
    result = CliRunner().invoke(main, ["export", "--store", str(store_dir), "--format", fmt, "-o", str(path), "--quiet", *selection])
    assert result.exit_code == 0, result.output
    return path


def named_quads(quads) -> set[ox.Quad]:
    """Quads without blank nodes (the ontology's OWL axioms): comparable across parsers."""
    return {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


# --- RDF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, rdf_format", [("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)])
def test_datasets_parse_back_to_the_store(store_dir, store, out, fmt, rdf_format):
    path = export(store_dir, fmt, out / f"all.{fmt}")
    parsed = list(ox.parse(path=str(path), format=rdf_format))
    assert len(parsed) == len(store)
    assert named_quads(parsed) == named_quads(store)


def test_turtle_is_the_union_of_the_graphs(store_dir, store, out):
    path = export(store_dir, "ttl", out / "all.ttl")
    parsed = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    union = {q.triple for q in store}
    assert len(parsed) == len(set(parsed)) == len(union)  # each triple once, though graphs repeat some
    named = {t for t in union if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}
    assert {t for t in parsed if t in named} == named


def test_jsonld_is_compacted_with_the_shipped_context_and_parses_back(store_dir, out):
    path = export(store_dir, "jsonld", out / "jsonld" / "all.jsonld")
    document = json.loads(path.read_text())
    assert document["@context"] == "context.jsonld"
    assert (path.parent / "context.jsonld").read_text() == CONTEXT.read_text()
    letter = next(g for g in document["@graph"] if g["id"] == LETTER_GRAPHS + CASE)
    decision = next(n for n in letter["@graph"] if n["id"].endswith("/item/1/decision"))
    assert decision["type"] == "Decision" and decision["outcome"] in {"Upheld", "Overturned", "PartiallyOverturned"}
    # rdflib resolves the relative context beside the file, offline
    parsed = rdflib.Dataset()
    parsed.parse(str(path), format="json-ld")
    expected = rdflib.Dataset()
    expected.parse(str(export(store_dir, "nq", out / "jsonld-check.nq")), format="nquads")
    graphs = {str(g.identifier): g for g in parsed.graphs() if len(g)}
    assert graphs.keys() == {str(g.identifier) for g in expected.graphs() if len(g)}
    for graph in expected.graphs():
        if len(graph):
            assert isomorphic(graphs[str(graph.identifier)], graph), graph.identifier


def test_jsonld_of_a_letter_is_the_same_quads_and_the_same_file_twice(store_dir, out):
    first = export(store_dir, "jsonld", out / "one" / "a.jsonld", "--case", CASE)
    second = export(store_dir, "jsonld", out / "one" / "b.jsonld", "--case", CASE)
    assert first.read_bytes() == second.read_bytes()
    parsed = rdflib.Dataset()
    parsed.parse(str(first), format="json-ld")
    nq = export(store_dir, "nq", out / "one" / "a.nq", "--case", CASE)
    assert set(parsed.quads()) == set(rdflib.Dataset().parse(str(nq), format="nquads").quads())


def test_context_names_every_ontology_term():
    context = json.loads(CONTEXT.read_text())["@context"]
    ontology = rdflib.Graph().parse(CONTEXT.parent / "imr-kg.ttl")
    terms = {str(s)[len(IMR):] for s in ontology.subjects() if str(s).startswith(IMR) and str(s) != IMR}
    assert terms - set(context) == set()
    assert all(context[t] == f"imr:{t}" or context[t]["@id"] == f"imr:{t}" for t in terms)
    assert {"imr", "skos", "prov", "oa", "dcterms", "xsd"} <= set(context)


# --- property graphs -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graphml(store_dir, out) -> Path:
    return export(store_dir, "graphml", out / "all.graphml")


def test_property_graph_formats_agree_and_igraph_reads_the_graphml(store_dir, store, out, graphml):
    import igraph

    by_networkx = nx.read_graphml(graphml)
    gexf = nx.read_gexf(export(store_dir, "gexf", out / "all.gexf"))
    cytoscape = json.loads(export(store_dir, "cytoscape", out / "all.cyjs").read_text())
    by_igraph = igraph.Graph.Read_GraphML(str(graphml))
    nodes = by_networkx.number_of_nodes()
    assert nodes == by_igraph.vcount() == gexf.number_of_nodes() == len(cytoscape["elements"]["nodes"])
    assert by_networkx.number_of_edges() == by_igraph.ecount() == len(cytoscape["elements"]["edges"])
    assert set(by_igraph.vs["id"]) == set(by_networkx.nodes)
    # every letter, item, decision and assessment of the store is a node
    for cls, kind in (("DeterminationLetter", "letter"), ("DisputedItem", "item"), ("Decision", "decision"),
                      ("CriterionAssessment", "assessment"), ("Diagnosis", "diagnosis")):
        count = len({q.subject for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(IMR + cls))})
        assert Counter(t for _, t in by_networkx.nodes(data="type"))[kind] == count, cls


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_projection_keeps_labels_edges_and_rationale_and_leaves_out_spans(graphml):
    graph = nx.read_graphml(graphml)
    assert all(data.get("label") and data.get("type") for _, data in graph.nodes(data=True))
    assert not [n for n in graph if "/span/" in n or n.endswith("/extraction") or n.endswith("/case")]
    assert {t for _, t in graph.nodes(data="type")} >= set(NODE_TYPES.values()) - {"quality_flag"} | {"service", "category"}
    letter = graph.nodes[f"https://w3id.org/imr-kg/id/letter/{CASE}"]
    assert letter["caseNumber"] == CASE and letter["label"] == CASE  # the case is folded into its letter
    decision = f"https://w3id.org/imr-kg/id/letter/{CASE}/item/1/decision"
    assert "medically" in graph.nodes[decision]["rationale"]
    assert graph.nodes[decision]["outcome"] in {"Upheld", "Overturned", "PartiallyOverturned"}
    properties = {data["property"] for *_, data in graph.edges(data=True)}
    assert {"hasDisputedItem", "hasDecision", "hasAssessment", "assessesCriterion", "requestedService",
            "citesGuideline", "hasDiagnosis"} <= properties
    assert not properties & {"wasDerivedFrom", "evidence", "hasSelector", "inScheme"}
    item = f"https://w3id.org/imr-kg/id/letter/{CASE}/item/1"
    assert graph.has_edge(item, decision) and graph.nodes[item]["itemNumber"] == 1


# --- tables ----------------------------------------------------------------------------------

def test_csv_tables_join_on_their_keys(store_dir, store, out):
    directory = export(store_dir, "csv", out / "tables")
    tables = {p.stem: list(csv.DictReader(p.open(encoding="utf-8"))) for p in directory.glob("*.csv")}
    assert set(tables) == {"letters", "items", "diagnoses", "citations", "assessments", "criteria"}
    letters = {r["letter_id"] for r in tables["letters"]}
    items = {r["item_id"] for r in tables["items"]}
    assert len(letters) == len(tables["letters"]) == len([g for g in store.named_graphs() if g.value.startswith(LETTER_GRAPHS)])
    assert len(items) == len(tables["items"]) == sum(int(r["items"]) for r in tables["letters"])
    for name in ("items", "diagnoses", "citations", "assessments"):
        assert tables[name] and {r["letter_id"] for r in tables[name]} <= letters, name
    for name in ("citations", "assessments"):
        assert {r["item_id"] for r in tables[name]} <= items, name
    criteria = {r["criterion_id"]: r for r in tables["criteria"]}
    assert {r["criterion_id"] for r in tables["assessments"]} == set(criteria)
    assert sum(int(r["assessments"]) for r in criteria.values()) == len(tables["assessments"])
    assert {r["outcome"] for r in tables["items"]} <= {"upheld", "overturned", "partially_overturned"}
    assert {r["status"] for r in tables["assessments"]} <= {"met", "not_met", "not_documented", "not_assessed"}
    first = next(r for r in tables["items"] if r["item_id"] == f"{CASE}/item/1")
    assert first["rationale"] and first["medically_necessary"] in {"true", "false"}


# --- selection and errors ----------------------------------------------------------------------

def test_letter_and_case_select_only_those_letters_with_their_vocabulary(store_dir, store, out, hashed_letter):
    chosen = {CASE, hashed_letter}
    path = export(store_dir, "nq", out / "two.nq", "--case", CASE.lower(), "--letter", hashed_letter)
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert graphs == {LETTER_GRAPHS + c for c in chosen} | {VOCABULARY_GRAPH.value}
    for case in chosen:
        assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(LETTER_GRAPHS + case))) <= set(quads)
    # exactly the concepts the two letters point to (and those concepts' broader ones)
    used = {q.object for q in quads if q.graph_name != VOCABULARY_GRAPH and isinstance(q.object, ox.NamedNode)}
    vocabulary = {q.subject for q in quads if q.graph_name == VOCABULARY_GRAPH}
    assert {s for s in vocabulary if s in used}
    assert len(vocabulary) < len({q.subject for q in store.quads_for_pattern(None, None, None, VOCABULARY_GRAPH)})

    graph = nx.read_graphml(export(store_dir, "graphml", out / "two.graphml", "--case", CASE, "--letter", hashed_letter))
    assert {d for _, d in graph.nodes(data="letter") if d} == chosen
    tables = export(store_dir, "csv", out / "two", "--case", CASE, "--letter", hashed_letter)
    for name in ("letters", "items", "assessments"):
        assert {r["letter_id"] for r in csv.DictReader((tables / f"{name}.csv").open())} == chosen


@pytest.mark.parametrize("arguments, message", [
    (["--format", "pdf"], "'pdf' is not one of"),
    (["--format", "nq", "--case", "CM99-0000000"], "no letter with case number 'CM99-0000000'"),
    (["--format", "nq", "--letter", "CM99-0000000"], "no letter 'CM99-0000000'"),
])
def test_usage_errors_are_one_line(store_dir, out, arguments, message):
    result = CliRunner().invoke(main, ["export", "--store", str(store_dir), "-o", str(out / "x"), *arguments])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_missing_store_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["export", "--store", str(tmp_path / "none"), "--format", "nq", "-o", str(tmp_path / "x.nq")])
    assert result.exit_code == 2 and "is not an imr-kg store" in result.output


def test_progress_summary_names_the_file(store_dir, out):
    result = CliRunner().invoke(main, ["export", "--store", str(store_dir), "--format", "ttl", "-o", str(out / "s.ttl"),
                                       "--case", CASE])
    assert result.exit_code == 0 and f"wrote {out / 's.ttl'} (1 letter(s), ttl)" in result.output


# --- the HTML page ---------------------------------------------------------------------------

def test_embedded_json_cannot_close_its_script():
    text = embedded_json({"rationale": "</script><script>alert(1)</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"rationale": "</script><script>alert(1)</script><!-- & \u2028"}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never Playwright's own browser download). In CI
    it must be there (.ci/run installs it); elsewhere the test is skipped without it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing in CI: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} missing: apt-get install chromium to test the HTML export")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


def test_html_page_draws_the_graph_offline_and_finds_a_case(store_dir, out, graphml, browser):
    path = export(store_dir, "html", out / "graph.html")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    assert problems == []
    assert requests == [path.as_uri()]  # no script, style, font or image fetched
    assert int(page.get_attribute("body", "data-nodes")) == nx.read_graphml(graphml).number_of_nodes()
    assert page.locator("#legend li").count() >= 10

    picture = page.screenshot()
    colours = Image.open(io.BytesIO(picture)).convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # not blank

    page.fill("#case", CASE.lower())
    page.click("#search button[type=submit]")
    assert page.get_attribute("body", "data-matches") == "1"
    assert CASE in page.inner_text("#details")
    decision = f"https://w3id.org/imr-kg/id/letter/{CASE}/item/1/decision"
    page.evaluate("(id) => { imrGraph.getElementById(id).emit('tap'); }", decision)  # returns nothing to serialise
    assert "medically" in page.inner_text("#details")  # the rationale
    page.fill("#case", "CM00-0000000")
    page.click("#search button[type=submit]")
    assert page.get_attribute("body", "data-matches") == "0" and "no case" in page.inner_text("#status")
    page.close()


def test_html_page_shows_a_letters_words_as_text(tmp_path, browser):
    """Text from a letter that looks like markup stays text: it neither ends the data's script
    element nor runs."""
    hostile = '</script><script>window.injected = 1</script><img src=x onerror="window.injected = 2">'
    graph = nx.MultiDiGraph()
    graph.add_node("https://w3id.org/imr-kg/id/letter/CM00-0000001", type="letter", label="CM00-0000001",
                   caseNumber="CM00-0000001", letter="CM00-0000001", evidence=hostile)
    path = tmp_path / "hostile.html"
    path.write_text(html_page(graph), encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    page.fill("#case", "CM00-0000001")
    page.click("#search button[type=submit]")
    assert hostile in page.inner_text("#details")
    assert page.evaluate("window.injected") is None
    page.close()
