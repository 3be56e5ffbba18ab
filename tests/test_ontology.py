"""The OWL 2 ontology (ontology/imr-kg.ttl).

Checks that every imr: term the mapping emits is declared and documented, that every
property has a domain and a range, that the closed classes hold exactly their individuals
(and agree with the mapping and the record schema), and that the ontology is consistent
under HermiT (through owlready2), alone and with the A-box of the shared letters.

HermiT supports only the OWL 2 datatype map, which has no xsd:date; the date properties
use xsd:date (as the graph does), so HermiT runs with ignore_unsupported_datatypes=True,
and a test makes sure xsd:date is the only datatype that option hides.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from conftest import ALL_LETTERS, ROOT, SHARED
from kg_build.map import record_quads, record_to_rdf
from kg_build.map.iris import IMR, VOCABULARY_GRAPH
from kg_build.pipeline import extract_file

ONTOLOGY = ROOT / "ontology" / "imr-kg.ttl"
SHARED_LETTERS = sorted((SHARED / "letters").rglob("*.txt"))
REAL_LETTER = sorted((SHARED / "letters" / "real").glob("*.txt"))[0]
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
I = Namespace(IMR)

DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}
# The OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps), as used in ranges here.
OWL2_DATATYPES = {XSD[t] for t in ("string", "boolean", "decimal", "integer", "nonNegativeInteger", "positiveInteger",
                                   "int", "long", "double", "float", "anyURI", "dateTime", "dateTimeStamp")} | {RDFS.Literal}

# Closed class -> (individuals, the mapping's table of them, the record-schema enum behind them).
CLOSED = {
    "Outcome": ({"Upheld", "Overturned", "PartiallyOverturned"}, "OUTCOMES", ("$defs", "item", "outcome")),
    "CriterionStatus": ({"Met", "NotMet", "NotDocumented", "NotAssessed"}, "STATUSES", ("$defs", "criterion", "status")),
    "CitingParty": ({"ClaimsAdministrator", "IMRO"}, "PARTIES", ("$defs", "guideline", "cited_by")),
    "Laterality": ({"Left", "Right", "Bilateral"}, "SIDES", ("$defs", "mention", "laterality")),
    "Sex": ({"Female", "Male"}, "SEXES", ("properties", "worker", "sex")),
    "Priority": ({"Standard", "Expedited"}, None, ("properties", "case", "priority")),
}
MAIN_CLASSES = {"DeterminationLetter", "IMRCase", "InjuredWorker", "Injury", "Diagnosis", "DisputedItem", "Decision",
                "GuidelineCitation", "CriterionAssessment", "ExpertReviewer", "QualityFlag"}


# --- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def letter_quads() -> dict[Path, list[ox.Quad]]:
    return {path: record_quads(extract_file(path)[0]) for path in SHARED_LETTERS}


def _declared(g: Graph, term: URIRef) -> set[URIRef]:
    return {t for t in g.objects(term, RDF.type) if t in DECLARATION_TYPES}


def _imr_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(IMR)}


def _labelled(g: Graph, term: URIRef) -> bool:
    labels = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and str(o).strip()]
    definitions = [o for o in g.objects(term, SKOS.definition) if isinstance(o, Literal) and str(o).strip()]
    return len(labels) == 1 and len(definitions) == 1


def _list(g: Graph, head) -> list:
    return list(Collection(g, head))


# --- the Turtle file ----------------------------------------------------------------------

def test_header(onto: Graph) -> None:
    ontology = URIRef("https://w3id.org/imr-kg/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in onto
    assert onto.value(ontology, OWL.versionIRI) == URIRef("https://w3id.org/imr-kg/ontology/0.1.0")
    assert onto.value(ontology, OWL.versionInfo)
    assert onto.value(ontology, DCTERMS.title) and onto.value(ontology, DCTERMS.description)
    assert onto.value(ontology, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(onto.value(ontology, DCTERMS.creator)) == "imr-kg developers"


def test_terms_used_by_the_shared_letters_are_declared(onto: Graph, letter_quads: dict) -> None:
    used: set[str] = set()
    for quads in letter_quads.values():
        for q in quads:
            for term in (q.subject, q.predicate, q.object, q.graph_name):
                if isinstance(term, ox.NamedNode) and term.value.startswith(IMR):
                    used.add(term.value)
                elif isinstance(term, ox.Literal) and term.datatype.value.startswith(IMR):
                    used.add(term.datatype.value)
    assert len(used) > 50
    undeclared = sorted(t for t in used if not _declared(onto, URIRef(t)))
    assert not undeclared, f"imr: terms in the graph but not in the ontology: {undeclared}"
    bare = sorted(t for t in used if not _labelled(onto, URIRef(t)))
    assert not bare, f"without one rdfs:label and one skos:definition: {bare}"


def _mapping_terms() -> set[str]:
    """imr: local names the mapping's source names: imr("X") calls, the classes passed to
    entity() and _mention(), (record field, property) pairs and ("GuidelineLevel", value) pairs."""
    tree = ast.parse(Path(record_to_rdf.__file__).read_text())
    names: set[str] = set()

    def const(node) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            args = [c for c in map(const, node.args) if c]
            if func == "imr":
                names.update(args)
            elif func in ("entity", "_mention"):
                names.update(a for a in args if a[:1].isupper())
        elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
            first, second = map(const, node.elts[:2])
            if len(node.elts) == 2 and first and second and "_" not in second:
                names.add(second)                    # ("date_of_injury", "dateOfInjury")
            elif first and first.startswith("Guideline"):
                names.add(first)                     # ("GuidelineDocument", written, canonical)
    return names


def test_terms_named_in_the_mapping_are_declared(onto: Graph, schema: dict) -> None:
    names = _mapping_terms()
    for table in ("OUTCOMES", "STATUSES", "PARTIES", "SIDES", "SEXES"):
        names |= {n.value.removeprefix(IMR) for n in getattr(record_to_rdf, table).values()}
    # imr(case["priority"].capitalize()): the schema's priorities
    names |= {p.capitalize() for p in schema["properties"]["case"]["properties"]["priority"]["enum"] if p}
    assert {"dateOfInjury", "frequency", "GuidelineTopic", "Diagnosis", "Expedited", "evidence"} <= names
    missing = sorted(n for n in names if not _declared(onto, I[n]))
    assert not missing, f"named in record_to_rdf.py but not declared: {missing}"


def test_every_imr_term_has_label_and_definition(onto: Graph) -> None:
    terms = _imr_terms(onto)
    assert not sorted(t for t in terms if not _declared(onto, t)), "imr: subjects typed with no OWL declaration"
    assert not sorted(t for t in terms if not _labelled(onto, t))
    # no imr: IRI is mentioned without being declared (typos)
    mentioned = {t for triple in onto for t in triple if isinstance(t, URIRef) and t.startswith(IMR)}
    assert mentioned == terms, sorted(mentioned - terms)


def test_every_property_has_domain_and_range(onto: Graph) -> None:
    for prop in _imr_terms(onto):
        kinds = _declared(onto, prop)
        if not kinds & PROPERTY_TYPES:
            continue
        domain, range_ = onto.value(prop, RDFS.domain), onto.value(prop, RDFS.range)
        assert domain is not None and range_ is not None, prop
        if OWL.DatatypeProperty in kinds:
            assert str(range_).startswith(str(XSD)), f"{prop}: datatype range {range_}"
        else:
            assert (range_, RDF.type, OWL.Class) in onto, f"{prop}: range {range_} is not a declared class"
    ranges = {p.removeprefix(IMR): onto.value(p, RDFS.range) for p in _imr_terms(onto)}
    assert ranges["dateOfInjury"] == ranges["injuryDate"] == XSD.date
    assert ranges["age"] == ranges["itemNumber"] == XSD.integer
    assert ranges["quantity"] == XSD.decimal
    assert ranges["medicallyNecessary"] == ranges["mtusBased"] == ranges["negated"] == XSD.boolean
    assert ranges["evidence"] == ranges["rationale"] == ranges["statusEvidence"] == URIRef("http://www.w3.org/ns/oa#SpecificResource")


def test_functional_properties(onto: Graph) -> None:
    functional = {p.removeprefix(IMR) for p in onto.subjects(RDF.type, OWL.FunctionalProperty)}
    assert {"outcome", "criterionStatus", "sha256", "aboutCase", "citedBy", "medicallyNecessary", "priority"} <= functional
    # many-valued by nature
    assert not {"hasDisputedItem", "hasDiagnosis", "bodyRegion", "specialty", "licensedIn", "guidelineTopic"} & functional


def test_only_xsd_date_is_outside_the_owl2_datatype_map(onto: Graph) -> None:
    """HermiT runs with ignore_unsupported_datatypes=True because of xsd:date: nothing else may hide there."""
    ranges = {o for p in _imr_terms(onto) if (p, RDF.type, OWL.DatatypeProperty) in onto for o in onto.objects(p, RDFS.range)}
    assert ranges - OWL2_DATATYPES == {XSD.date}


def test_external_terms_used_by_the_graph_are_declared(onto: Graph, letter_quads: dict) -> None:
    """OWL 2 DL needs every property and class to be declared; rdfs:label/comment are built in."""
    builtin = {RDF.type, RDFS.label, RDFS.comment}
    undeclared: set[str] = set()
    for quads in letter_quads.values():
        for q in quads:
            predicate = URIRef(q.predicate.value)
            if predicate not in builtin and not _declared(onto, predicate):
                undeclared.add(str(predicate))
            if predicate == RDF.type and not _declared(onto, URIRef(q.object.value)):
                undeclared.add(q.object.value)
    assert not undeclared, sorted(undeclared)


def test_no_punning(onto: Graph) -> None:
    for term in {s for s in onto.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        kinds = _declared(onto, term)
        assert len(kinds) <= 1, f"{term} declared as {sorted(kinds)}"


def test_main_classes_are_pairwise_disjoint(onto: Graph) -> None:
    groups = [{str(c).removeprefix(IMR) for c in _list(onto, onto.value(b, OWL.members))}
              for b in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert any(MAIN_CLASSES <= group for group in groups)
    assert any(set(CLOSED) <= group for group in groups)


def test_guideline_hierarchy_and_vocabulary_classes(onto: Graph) -> None:
    for cls in ("GuidelineSource", "GuidelineDocument", "GuidelineChapter", "GuidelineTopic"):
        assert (I[cls], RDFS.subClassOf, I.GuidelineConcept) in onto
    for cls in ("GuidelineConcept", "Criterion", "TreatmentConcept", "TreatmentCategory"):
        assert (I[cls], RDFS.subClassOf, SKOS.Concept) in onto
    assert (I.DeterminationLetter, RDFS.subClassOf, PROV.Entity) in onto
    assert (I.ExtractionActivity, RDFS.subClassOf, PROV.Activity) in onto


@pytest.mark.parametrize("cls", sorted(CLOSED))
def test_closed_classes_have_exactly_their_individuals(onto: Graph, schema: dict, cls: str) -> None:
    expected, table, enum_path = CLOSED[cls]
    expected_iris = {I[n] for n in expected}
    # owl:equivalentClass [ owl:oneOf ( ... ) ]
    enumerations = [set(_list(onto, onto.value(e, OWL.oneOf))) for e in onto.objects(I[cls], OWL.equivalentClass)
                    if isinstance(e, BNode) and onto.value(e, OWL.oneOf) is not None]
    assert enumerations == [expected_iris]
    # the individuals typed with the class are those and only those, all different
    assert set(onto.subjects(RDF.type, I[cls])) == expected_iris
    for iri in expected_iris:
        assert (iri, RDF.type, OWL.NamedIndividual) in onto
    distinct = [set(_list(onto, onto.value(b, OWL.distinctMembers))) for b in onto.subjects(RDF.type, OWL.AllDifferent)]
    assert expected_iris in distinct
    # the mapping's table and the record schema's enum say the same
    if table:
        assert {URIRef(n.value) for n in getattr(record_to_rdf, table).values()} == expected_iris
    kind, owner, field = enum_path
    enum = {v for v in schema[kind][owner]["properties"][field]["enum"] if v}
    assert {"".join(w.capitalize() for w in v.split("_")) if v != "imro" else "IMRO" for v in enum} == expected


# --- owlready2 and HermiT -----------------------------------------------------------------

try:
    import owlready2
except ImportError:  # a test extra: pip install -e .[test]
    owlready2 = None
needs_owlready2 = pytest.mark.skipif(owlready2 is None, reason="owlready2 is not installed")
needs_java = pytest.mark.skipif(owlready2 is None or shutil.which("java") is None,
                                reason="HermiT needs owlready2 and Java (java not on PATH)")


@pytest.fixture(scope="module")
def ontology_xml(tmp_path_factory, onto: Graph) -> Path:
    path = tmp_path_factory.mktemp("ontology") / "imr-kg.owl"
    onto.serialize(path, format="xml")
    return path


def _abox(quads: list[ox.Quad], path: Path, extra: str = "") -> Path:
    """The letter graphs and the vocabulary graph of quads as N-Triples (plus extra lines)."""
    triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) + extra.encode())
    return path


def _world(ontology_xml: Path, *aboxes: Path):
    world = owlready2.World()
    onto = world.get_ontology("file://" + str(ontology_xml)).load()
    for abox in aboxes:
        world.get_ontology("file://" + str(abox)).load(format="ntriples")
    return world, onto


def _reason(world) -> None:
    owlready2.sync_reasoner(world, infer_property_values=False, ignore_unsupported_datatypes=True, debug=0)


@needs_owlready2
def test_loads_in_owlready2(ontology_xml: Path) -> None:
    _, onto = _world(ontology_xml)
    assert onto.base_iri == IMR
    assert onto.Decision is not None and onto.outcome is not None and onto.Upheld is not None
    assert set(onto.Outcome.instances()) == {onto.Upheld, onto.Overturned, onto.PartiallyOverturned}
    assert onto.GuidelineTopic in onto.GuidelineConcept.descendants()


@needs_java
def test_consistent_under_hermit(ontology_xml: Path) -> None:
    world, onto = _world(ontology_xml)
    _reason(world)
    assert owlready2.Nothing not in onto.Decision.ancestors()
    assert not list(world.inconsistent_classes())


@needs_java
def test_real_letter_is_consistent_with_the_ontology(ontology_xml: Path, letter_quads: dict, tmp_path: Path) -> None:
    """The real letter's named graph and its share of the vocabulary graph contradict no axiom
    (functional properties, disjointness, ranges of closed classes, outcome vs necessity)."""
    quads = letter_quads[REAL_LETTER]
    graph = record_to_rdf.letter_graph(extract_file(REAL_LETTER)[0])
    assert {q.graph_name for q in quads} == {graph, VOCABULARY_GRAPH}
    world, onto = _world(ontology_xml, _abox(quads, tmp_path / "letter.nt"))
    _reason(world)
    # HermiT's inferences come back: the requested service is a treatment concept (range of
    # imr:requestedService), the case a provenance entity (imr:ExtractedEntity)
    services = [q.object.value for q in quads if q.predicate.value == IMR + "requestedService"]
    assert services and all(onto.TreatmentConcept in world[s].is_a for s in services)
    case = next(q.object.value for q in quads if q.predicate.value == IMR + "aboutCase")
    assert world[PROV.Entity] in world[case].INDIRECT_is_a


@needs_java
def test_all_letters_together_are_consistent_with_the_ontology(ontology_xml: Path, tmp_path: Path) -> None:
    """Every letter of the project (shared, tests/, examples/) in one world: no letter
    contradicts the axioms, and shared vocabulary concepts agree across letters."""
    quads = [q for path in ALL_LETTERS for q in record_quads(extract_file(path)[0])]
    world, _ = _world(ontology_xml, _abox(quads, tmp_path / "letters.nt"))
    _reason(world)


_PROFILE_JAVA = """
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.profiles.*;
public class Profile {
  public static void main(String[] args) throws Exception {
    var ontology = OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(new java.io.File(args[0]));
    for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(ontology).getViolations()) System.out.println("VIOLATION " + v);
    System.out.println("checked " + ontology.getAxiomCount() + " axioms");
  }
}
"""


@needs_java
@pytest.mark.skipif(shutil.which("javac") is None, reason="the profile check compiles a Java source file (needs a JDK)")
def test_owl2_dl_profile(letter_quads: dict, onto: Graph, tmp_path: Path) -> None:
    """The OWL API's OWL 2 DL profile checker (bundled in owlready2's HermiT.jar) finds no
    violation in the ontology together with the real letter's A-box."""
    graph = Graph()
    graph += onto
    graph.parse(_abox(letter_quads[REAL_LETTER], tmp_path / "letter.nt"), format="nt")
    graph.serialize(tmp_path / "all.owl", format="xml")
    (tmp_path / "Profile.java").write_text(_PROFILE_JAVA)
    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    run = subprocess.run(["java", "-cp", str(jar), str(tmp_path / "Profile.java"), str(tmp_path / "all.owl")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "checked" in run.stdout
    assert "VIOLATION" not in run.stdout, run.stdout


CONTRADICTIONS = {
    "two outcomes": "<{d}> <{imr}outcome> <{imr}Overturned> .\n",
    "upheld but necessary": "<{d}> <{imr}medicallyNecessary> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n",
    "decision is also a letter": "<{d}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{imr}DeterminationLetter> .\n",
    "unknown outcome": "<{imr}Upheld> <http://www.w3.org/2002/07/owl#differentFrom> <{imr}Maybe> .\n"
                       "<{imr}Overturned> <http://www.w3.org/2002/07/owl#differentFrom> <{imr}Maybe> .\n"
                       "<{imr}PartiallyOverturned> <http://www.w3.org/2002/07/owl#differentFrom> <{imr}Maybe> .\n"
                       "<{d}2> <{imr}outcome> <{imr}Maybe> .\n",
}


@needs_java
@pytest.mark.parametrize("case", sorted(CONTRADICTIONS))
def test_hermit_catches_contradictions(ontology_xml: Path, letter_quads: dict, tmp_path: Path, case: str) -> None:
    """The axioms have teeth: an upheld decision of the real letter given a contradiction."""
    quads = letter_quads[REAL_LETTER]
    decision = next(q.subject.value for q in quads
                    if q.predicate.value == IMR + "outcome" and q.object.value == IMR + "Upheld")
    extra = CONTRADICTIONS[case].format(d=decision, imr=IMR)
    world, _ = _world(ontology_xml, _abox(quads, tmp_path / "letter.nt", extra))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(world)
