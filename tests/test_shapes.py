"""The SHACL shapes (shapes/imr-kg-shapes.ttl), rule by rule.

Every shape with a rule of its own is quiet on a shipped letter's graph, and fires, with
its severity, on the node that one small mutation of that graph breaks (CASES below: the
shape, its severity, the node it must report, the mutation). Node shapes that only group
property shapes are covered through their property shapes.

To keep this fast the mutated graphs are validated in one pyshacl run, together with all
the shipped letters: each mutation is applied to a copy of the letter whose letter IRIs
get a suffix (-m1, -m2, ...), several mutations per copy as long as they touch different
nodes, and every result is traced back to its copy by its focus node.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Callable, Union

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from conftest import ALL_LETTERS, TESTS
from kg_build.map import letter_id, record_quads
from kg_build.map.iris import ICD10CM, ID, PREFIXES, VOCAB
from kg_build.paths import SHAPES
from kg_build.pipeline import extract_file
from kg_build.validate import validate_letters

SHAPES_NS = "https://w3id.org/imr-kg/shapes#"
BASE_LETTER = TESTS / "letters" / "f1-01-norco-one-item.txt"  # one item, 3 citations, 5 criteria, all dates
V, W = "Violation", "Warning"

Triple = tuple  # (subject, predicate, object) as pyoxigraph terms


# --- a small language for mutations --------------------------------------------------

def T(term: str) -> ox.NamedNode:
    """'imr:outcome' -> the IRI."""
    prefix, local = term.split(":", 1)
    return ox.NamedNode(PREFIXES[prefix] + local)


def lit(value: str, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=T(datatype)) if datatype else ox.Literal(value)


def date(value: str) -> ox.Literal:
    return lit(value, "xsd:date")


def integer(value: int, datatype: str = "xsd:integer") -> ox.Literal:
    return lit(str(value), datatype)


@dataclass(frozen=True)
class Via:
    """The node reached from `path` by `predicate` (the only value), plus an IRI suffix."""
    path: str
    predicate: str
    suffix: str = ""


Ref = Union[str, Via, ox.NamedNode, ox.Literal]  # str: a node of the letter by its path ("" = the letter)


class Letter:
    """A letter's triples (base IRIs) and the way to name its nodes."""

    def __init__(self, iri: str, triples: set[Triple]) -> None:
        self.iri, self.triples = iri, triples

    def node(self, ref: Ref):
        if isinstance(ref, (ox.NamedNode, ox.Literal)):
            return ref
        if isinstance(ref, Via):
            start, predicate = self.node(ref.path), T(ref.predicate)
            (value,) = {o for s, p, o in self.triples if s == start and p == predicate}
            return ox.NamedNode(value.value + ref.suffix)
        return ox.NamedNode(self.iri + ("/" + ref if ref else ""))


Mutation = Callable[[Letter], None]


def drop(s: Ref, p: str, o: Ref | None = None) -> Mutation:
    def apply(g: Letter) -> None:
        subject, predicate, obj = g.node(s), T(p), None if o is None else g.node(o)
        g.triples -= {t for t in g.triples if t[0] == subject and t[1] == predicate and obj in (None, t[2])}
    return apply


def add(s: Ref, p: str, o: Ref) -> Mutation:
    return lambda g: g.triples.add((g.node(s), T(p), g.node(o)))


def put(s: Ref, p: str, o: Ref) -> Mutation:
    """Replace every value of s p by o."""
    return both(drop(s, p), add(s, p, o))


def both(*mutations: Mutation) -> Mutation:
    def apply(g: Letter) -> None:
        for m in mutations:
            m(g)
    return apply


def new_node(name: str, namespace: str = VOCAB + "test/") -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


def concept(name: str, *, typed: bool = True, labels: tuple[str, ...] = ("a test concept",),
            scheme: str | None = "vocab:scheme/treatment", notation: str | None = None,
            namespace: str = VOCAB + "test/") -> tuple[ox.NamedNode, Mutation]:
    """A new vocabulary node, well formed unless told otherwise, and the mutation adding it."""
    node = new_node(name, namespace)
    adds = [add(node, "rdf:type", T("skos:Concept"))] if typed else []
    adds += [add(node, "skos:prefLabel", lit(label)) for label in labels]
    adds += [add(node, "skos:inScheme", T(scheme))] if scheme else []
    adds += [add(node, "skos:notation", lit(notation))] if notation else []
    return node, both(*adds)


def points_to(s: str, p: str, name: str, **kwargs) -> Mutation:
    """s p becomes a new vocabulary node (see concept)."""
    node, create = concept(name, **kwargs)
    return both(create, put(s, p, node))


def icd_link(diagnosis: str, name: str, **kwargs) -> Mutation:
    """The diagnosis gets a skos:closeMatch to a new ICD-10-CM concept."""
    node, create = concept(name, namespace=ICD10CM + "TEST-", **kwargs)
    return both(create, add(diagnosis, "skos:closeMatch", node))


def flag(kind: str | None, detail: str | None) -> Mutation:
    """A quality flag flag/1 on the letter."""
    parts = [add("", "imr:hasQualityFlag", "flag/1"), add("flag/1", "rdf:type", T("imr:QualityFlag")),
             add("flag/1", "prov:wasDerivedFrom", "")]
    parts += [add("flag/1", "imr:flagKind", lit(kind))] if kind else []
    parts += [add("flag/1", "rdfs:comment", lit(detail))] if detail else []
    return both(*parts)


# --- the cases: one per shape with a rule of its own --------------------------------

@dataclass(frozen=True)
class Case:
    shape: str          # local name in https://w3id.org/imr-kg/shapes#
    severity: str
    focus: Ref          # the node the result must be reported on
    mutate: Mutation
    also: frozenset = frozenset()  # other shapes the same mutation rightly fires

    def __str__(self) -> str:
        return self.shape


def case(shape, severity, focus, mutate, also=()) -> Case:
    return Case(shape, severity, focus, mutate, frozenset(also))


DECISION, CITATION = "item/1/decision", "item/1/citation/"
NOT_A_CONCEPT = dict(typed=False)  # a node with a label and a scheme but no rdf:type skos:Concept

CASES = [
    # the letter and its provenance
    case("DeterminationLetter-identifier", V, "", put("", "dcterms:identifier", lit("CM15"))),
    case("DeterminationLetter-sha256", V, "", put("", "imr:sha256", lit("not-a-hash"))),
    case("DeterminationLetter-layout", V, "", put("", "imr:layout", lit("format9"))),
    case("DeterminationLetter-mediaType", V, "", put("", "dcterms:format", lit("plain text"))),
    case("DeterminationLetter-aboutCase", V, "", drop("", "imr:aboutCase"), also=["IMRCase-letter"]),
    case("DeterminationLetter-reviewedBy", V, "", drop("", "imr:reviewedBy")),
    case("DeterminationLetter-hasQualityFlag", V, "", add("", "imr:hasQualityFlag", "reviewer")),
    case("ExtractionActivity-used", V, "extraction", put("extraction", "prov:used", "case")),
    case("ExtractionActivity-softwareVersion", V, "extraction", put("extraction", "imr:softwareVersion", lit("dev"))),
    case("ExtractionActivity-wasAssociatedWith", V, "extraction", put("extraction", "prov:wasAssociatedWith", lit("imr-kg"))),
    # the case (dates: injury 2009-02-11, UR denial 2015-07-21, application 2015-07-29,
    # assigned 2015-08-03, decision 2015-09-14)
    case("IMRCase-caseNumber", V, "case", put("case", "imr:caseNumber", lit("15-0917342"))),
    case("IMRCase-caseNumberPresent", W, "case", drop("case", "imr:caseNumber")),
    case("IMRCase-dateOfInjury", V, "case", add("case", "imr:dateOfInjury", date("2009-02-12"))),
    case("IMRCase-urDenialDate", V, "case", add("case", "imr:urDenialDate", date("2015-07-22"))),
    case("IMRCase-applicationReceived", V, "case", add("case", "imr:applicationReceived", date("2015-07-30"))),
    case("IMRCase-dateAssigned", V, "case", add("case", "imr:dateAssigned", date("2015-08-04"))),
    case("IMRCase-decisionDate", V, "case", add("case", "imr:decisionDate", date("2015-09-15"))),
    case("IMRCase-decisionDatePresent", W, "case", drop("case", "imr:decisionDate")),
    case("IMRCase-injuryNotAfterLaterDates", V, "case", put("case", "imr:dateOfInjury", date("2015-07-22"))),
    case("IMRCase-denialNotAfterLaterDates", V, "case",
         both(put("case", "imr:urDenialDate", date("2015-08-04")), drop("case", "imr:applicationReceived"))),
    case("IMRCase-assignmentNotAfterDecision", V, "case", put("case", "imr:dateAssigned", date("2015-09-15"))),
    case("IMRCase-applicationNotBeforeDenial", W, "case", put("case", "imr:applicationReceived", date("2015-07-20"))),
    case("IMRCase-applicationNotAfterAssignment", W, "case", put("case", "imr:applicationReceived", date("2015-08-05"))),
    case("IMRCase-priority", V, "case", put("case", "imr:priority", T("imr:Urgent"))),
    case("IMRCase-injuredWorker", V, "case", drop("case", "imr:injuredWorker")),
    case("IMRCase-hasDisputedItem", V, "case", drop("case", "imr:hasDisputedItem"), also=["DisputedItem-case"]),
    case("IMRCase-letter", V, "case", add(new_node("second-letter"), "imr:aboutCase", "case")),
    # the worker, the injury, the clinical mentions
    case("InjuredWorker-age", V, "worker", put("worker", "imr:age", integer(130))),
    case("InjuredWorker-sex", V, "worker", put("worker", "imr:sex", T("imr:Unknown"))),
    case("InjuredWorker-sustained", V, "worker", drop("worker", "imr:sustained")),
    case("InjuredWorker-hasDiagnosis", V, "worker", add("worker", "imr:hasDiagnosis", "finding/1")),
    case("InjuredWorker-receivedTreatment", V, "worker", add("worker", "imr:receivedTreatment", "finding/2")),
    case("InjuredWorker-hasFinding", V, "worker", add("worker", "imr:hasFinding", "treatment/1")),
    case("Injury-injuryDate", V, "injury", put("injury", "imr:injuryDate", lit("2009-02-11"))),
    case("Injury-mechanism", V, "injury", add("injury", "imr:mechanism", Via("finding/3", "imr:findingConcept"))),
    case("Injury-bodyRegion", V, "injury", points_to("injury", "imr:bodyRegion", "Injury-bodyRegion", **NOT_A_CONCEPT),
         also={"Concept-type"}),
    case("ClinicalMention-label", V, "diagnosis/1", drop("diagnosis/1", "rdfs:label")),
    case("ClinicalMention-evidence", V, "treatment/1", drop("treatment/1", "imr:evidence")),
    case("ClinicalMention-normalizedName", V, "finding/1", add("finding/1", "imr:normalizedName", lit("pain"))),
    case("ClinicalMention-laterality", V, "diagnosis/2", put("diagnosis/2", "imr:laterality", T("imr:Up"))),
    case("Diagnosis-match", V, "diagnosis/1", add("diagnosis/1", "skos:closeMatch", lit("M54.16"))),
    case("Diagnosis-icd10cmPresent", W, "diagnosis/3", drop("diagnosis/3", "skos:exactMatch")),
    case("PriorTreatment-treatmentConcept", V, "treatment/2", drop("treatment/2", "imr:treatmentConcept")),
    case("Finding-findingConcept", V, "finding/2", drop("finding/2", "imr:findingConcept")),
    case("Finding-negated", V, "finding/3", put("finding/3", "imr:negated", lit("no"))),
    # the expert reviewer
    case("ExpertReviewer-licensedIn", V, "reviewer",
         points_to("reviewer", "imr:licensedIn", "ExpertReviewer-licensedIn", **NOT_A_CONCEPT), also={"Concept-type"}),
    case("ExpertReviewer-specialty", V, "reviewer",
         points_to("reviewer", "imr:specialty", "ExpertReviewer-specialty", **NOT_A_CONCEPT), also={"Concept-type"}),
    case("ExpertReviewer-licensedInPresent", W, "reviewer", drop("reviewer", "imr:licensedIn")),
    case("ExpertReviewer-specialtyPresent", W, "reviewer", drop("reviewer", "imr:specialty")),
    # the disputed item
    case("DisputedItem-itemNumber", V, "item/1", put("item/1", "imr:itemNumber", integer(0))),
    case("DisputedItem-requestText", V, "item/1", put("item/1", "imr:requestText", lit(""))),
    case("DisputedItem-requestedService", V, "item/1", drop("item/1", "imr:requestedService")),
    case("DisputedItem-hasDecision", V, "item/1", drop("item/1", "imr:hasDecision"),
         also=["DisputedItemOutcomeAgreesShape", "Decision-item"]),
    case("DisputedItem-itemOutcome", V, "item/1", put("item/1", "imr:itemOutcome", T("imr:Denied")),
         also=["DisputedItemOutcomeAgreesShape"]),
    case("DisputedItemOutcomeAgreesShape", V, "item/1", put("item/1", "imr:itemOutcome", T("imr:Overturned"))),
    case("DisputedItem-case", V, "item/1", add(new_node("second-case"), "imr:hasDisputedItem", "item/1")),
    case("DisputedItem-treatmentCategory", V, "item/1", add("item/1", "imr:treatmentCategory", Via("treatment/1", "imr:treatmentConcept"))),
    case("DisputedItem-treatmentCategoryPresent", W, "item/1", drop("item/1", "imr:treatmentCategory")),
    case("DisputedItem-bodyRegion", V, "item/1", both(add("item/1", "imr:bodyRegion", Via("finding/3", "imr:findingConcept")),
                                                      add("item/1", "imr:bodyRegion", Via("finding/2", "imr:findingConcept")))),
    case("DisputedItem-laterality", V, "item/1", put("item/1", "imr:laterality", T("imr:Up"))),
    case("DisputedItem-quantity", V, "item/1", put("item/1", "imr:quantity", lit("0", "xsd:decimal"))),
    case("DisputedItem-drug", V, "item/1", add("item/1", "imr:drug", Via("treatment/1", "imr:treatmentConcept"))),
    case("DisputedItem-drugStrength", V, "item/1", add("item/1", "imr:drugStrength", lit("5mg"))),
    case("DisputedItem-frequency", V, "item/1", put("item/1", "imr:frequency", integer(2))),
    case("DisputedItem-duration", V, "item/1", put("item/1", "imr:duration", integer(4))),
    case("DisputedItem-unit", V, "item/1", put("item/1", "imr:unit", integer(1))),
    # the decision (upheld, not medically necessary; citation 1 by the claims
    # administrator, 2 and 3 by the IMRO; criteria 1-4 met, met, not documented, not met)
    case("Decision-outcome", V, DECISION, both(put(DECISION, "imr:outcome", T("imr:Denied")),
                                               put("item/1", "imr:itemOutcome", T("imr:Denied"))),
         also=["DisputedItem-itemOutcome"]),
    case("Decision-item", V, DECISION, add(new_node("second-item"), "imr:hasDecision", DECISION)),
    case("Decision-medicallyNecessary", V, DECISION, put(DECISION, "imr:medicallyNecessary", lit("no"))),
    case("Decision-rationale", V, DECISION, drop(DECISION, "imr:rationale")),
    case("Decision-hasCitation", V, DECISION, add(DECISION, "imr:hasCitation", "item/1/criterion/1")),
    case("Decision-imroCitation", W, DECISION, both(put(CITATION + "2", "imr:citedBy", T("imr:ClaimsAdministrator")),
                                                    put(CITATION + "3", "imr:citedBy", T("imr:ClaimsAdministrator")))),
    case("Decision-hasAssessment", V, DECISION, add(DECISION, "imr:hasAssessment", CITATION + "1")),
    case("DecisionOutcomeConsistencyShape", V, DECISION,
         put(DECISION, "imr:medicallyNecessary", lit("true", "xsd:boolean"))),
    case("GuidelineCitation-citedBy", V, CITATION + "1", put(CITATION + "1", "imr:citedBy", T("imr:Worker"))),
    case("GuidelineCitation-mtusBased", V, CITATION + "1", drop(CITATION + "1", "imr:mtusBased")),
    case("GuidelineCitation-citesGuideline", V, CITATION + "1",
         add(CITATION + "1", "imr:citesGuideline", Via(CITATION + "3", "imr:citesGuideline"))),
    case("GuidelineCitation-citationText", V, CITATION + "3", drop(CITATION + "3", "imr:citationText")),
    case("GuidelineCitation-pages", V, CITATION + "1", put(CITATION + "1", "imr:pages", integer(76))),
    case("CriterionAssessment-assessesCriterion", V, "item/1/criterion/1", drop("item/1/criterion/1", "imr:assessesCriterion")),
    case("CriterionAssessment-criterionStatus", V, "item/1/criterion/2",
         put("item/1/criterion/2", "imr:criterionStatus", T("imr:Maybe"))),
    case("CriterionAssessment-evidence", V, "item/1/criterion/3", drop("item/1/criterion/3", "imr:evidence")),
    case("CriterionAssessment-statusEvidence", V, "item/1/criterion/5",
         add("item/1/criterion/5", "imr:statusEvidence", Via("item/1/criterion/5", "imr:evidence"))),
    case("CriterionStatusEvidenceShape", V, "item/1/criterion/5", drop("item/1/criterion/5", "imr:statusEvidence")),
    # quality flags (the letter has none)
    case("QualityFlag-flagKind", V, "flag/1", flag(None, "the summary and the rationale disagree")),
    case("QualityFlag-comment", V, "flag/1", flag("sex_mismatch", None), also={"QualityFlagRaisedShape"}),
    case("QualityFlagRaisedShape", W, "flag/1", flag("sex_mismatch", "the summary says female, the rationale 'he'")),
    # text spans
    case("TextSpan-hasSource", V, Via("diagnosis/1", "imr:evidence"), drop(Via("diagnosis/1", "imr:evidence"), "oa:hasSource")),
    case("TextSpan-positionSelector", V, Via("diagnosis/2", "imr:evidence"),
         drop(Via("diagnosis/2", "imr:evidence"), "oa:hasSelector", Via("diagnosis/2", "imr:evidence", "/position"))),
    case("TextPositionSelector-start", V, Via("diagnosis/3", "imr:evidence", "/position"),
         put(Via("diagnosis/3", "imr:evidence", "/position"), "oa:start", integer(-1, "xsd:integer"))),
    case("TextPositionSelector-end", V, Via("treatment/1", "imr:evidence", "/position"),
         drop(Via("treatment/1", "imr:evidence", "/position"), "oa:end")),
    case("TextPositionSelector-order", V, Via("treatment/2", "imr:evidence", "/position"),
         put(Via("treatment/2", "imr:evidence", "/position"), "oa:end", integer(0, "xsd:integer"))),
    case("TextQuoteSelector-exact", V, Via("treatment/3", "imr:evidence", "/quote"),
         drop(Via("treatment/3", "imr:evidence", "/quote"), "oa:exact")),
    # vocabulary concepts (new ones: the shared concepts stay as they are)
    case("Concept-type", V, new_node("Concept-type"),
         points_to("item/1", "imr:requestedService", "Concept-type", **NOT_A_CONCEPT), also={"DisputedItem-requestedService"}),
    case("Concept-prefLabel", V, new_node("Concept-prefLabel"),
         points_to("treatment/4", "imr:treatmentConcept", "Concept-prefLabel", labels=("Chapter 9", "Chapter 9,"))),
    case("Concept-inScheme", V, new_node("Concept-inScheme"),
         points_to("finding/4", "imr:findingConcept", "Concept-inScheme", scheme=None)),
    case("ConceptScheme-type", V, new_node("ConceptScheme-type", VOCAB + "scheme/TEST-"),
         both(points_to("finding/5", "imr:findingConcept", "ConceptScheme-type", scheme="vocab:scheme/TEST-ConceptScheme-type"),
              add(new_node("ConceptScheme-type", VOCAB + "scheme/TEST-"), "skos:prefLabel", lit("a test scheme")))),
    case("ConceptScheme-prefLabel", V, new_node("ConceptScheme-prefLabel", VOCAB + "scheme/TEST-"),
         both(points_to("finding/6", "imr:findingConcept", "ConceptScheme-prefLabel",
                        scheme="vocab:scheme/TEST-ConceptScheme-prefLabel"),
              add(new_node("ConceptScheme-prefLabel", VOCAB + "scheme/TEST-"), "rdf:type", T("skos:ConceptScheme")))),
    case("Icd10cmConcept-notation", V, new_node("Icd10cmConcept-notation", ICD10CM + "TEST-"),
         icd_link("diagnosis/1", "Icd10cmConcept-notation", scheme="vocab:scheme/icd10cm", notation="M5416")),
    case("Icd10cmConcept-inScheme", V, new_node("Icd10cmConcept-inScheme", ICD10CM + "TEST-"),
         icd_link("diagnosis/2", "Icd10cmConcept-inScheme", scheme="vocab:scheme/treatment", notation="M54.16")),
    case("Icd10cmConcept-prefLabel", V, new_node("Icd10cmConcept-prefLabel", ICD10CM + "TEST-"),
         icd_link("diagnosis/3", "Icd10cmConcept-prefLabel", labels=(), scheme="vocab:scheme/icd10cm", notation="M54.16")),
]


# --- building the mutated copies and validating everything at once ------------------

@cache
def base_letter() -> tuple[str, set[Triple]]:
    record, _ = extract_file(BASE_LETTER)
    return letter_id(record), {(q.subject, q.predicate, q.object) for q in record_quads(record)}


def letter_iri(lid: str) -> str:
    return ID + "letter/" + lid


@dataclass
class Mutated:
    case: Case
    removed: set
    added: set
    focus: ox.NamedNode
    touched: set  # nodes of the letter, or new test nodes, that the mutation or its result involves


def mutated(c: Case) -> Mutated:
    lid, triples = base_letter()
    g = Letter(letter_iri(lid), set(triples))
    c.mutate(g)
    removed, added = triples - g.triples, g.triples - triples
    mine = lambda t: isinstance(t, ox.NamedNode) and (t.value.startswith(letter_iri(lid)) or "TEST-" in t.value
                                                       or t.value.startswith(VOCAB + "test/"))
    touched = {t for s, _, o in removed | added for t in (s, o) if mine(t)}
    return Mutated(c, removed, added, g.node(c.focus), touched | {g.node(c.focus)})


def group(cases: list[Mutated]) -> list[list[Mutated]]:
    """Mutations sharing no node go into the same copy."""
    copies: list[tuple[set, list[Mutated]]] = []
    for m in cases:
        for nodes, members in copies:
            if not nodes & m.touched:
                nodes |= m.touched
                members.append(m)
                break
        else:
            copies.append((set(m.touched), [m]))
    return [members for _, members in copies]


def renamer(lid: str, copy: str):
    """Rename the letter's IRIs to those of a copy (letter id + suffix); others unchanged."""
    old, new = letter_iri(lid), letter_iri(lid + copy)

    def rename(term):
        if isinstance(term, ox.NamedNode) and (term.value == old or term.value.startswith(old + "/")):
            return ox.NamedNode(new + term.value[len(old):])
        return term
    return rename


@dataclass
class Report:
    shipped: dict          # letter id -> its results, for the shipped letters ("" for shared concepts)
    case_copy: dict        # case -> (copy's letter id, renamed Mutated focus, renamed touched nodes)
    copy_results: dict     # copy's letter id -> its results (including those on its new test nodes)


@pytest.fixture(scope="module")
def report() -> Report:
    lid, triples = base_letter()
    quads = [q for path in ALL_LETTERS for q in record_quads(extract_file(path)[0])]
    shipped_ids = {q.subject.value[len(ID + "letter/"):].split("/")[0] for q in quads
                   if q.subject.value.startswith(ID + "letter/")}
    case_copy, owner = {}, {}
    for k, members in enumerate(group([mutated(c) for c in CASES]), start=1):
        copy_id, rename = lid + f"-m{k}", renamer(lid, f"-m{k}")
        triples_k = set(triples)
        for m in members:
            triples_k = (triples_k - m.removed) | m.added
            touched = {rename(t) for t in m.touched}
            case_copy[m.case] = (copy_id, rename(m.focus), touched)
            owner.update({t.value: copy_id for t in touched if not t.value.startswith(letter_iri(copy_id))})
        quads += [ox.Quad(rename(s), p, rename(o)) for s, p, o in triples_k]
    shipped, copy_results = defaultdict(list), defaultdict(list)
    for r in validate_letters(quads):
        if r.letter in shipped_ids or not (r.letter or r.focus in owner):
            shipped[r.letter].append(r)  # a shipped letter's node, or a shared vocabulary concept ("")
        else:
            copy_results[r.letter or owner[r.focus]].append(r)
    return Report(shipped, case_copy, copy_results)


def shape(name: str) -> str:
    return SHAPES_NS + name


# --- the shapes file itself ----------------------------------------------------------

@cache
def shapes() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in SHAPES.glob("*.ttl"):
        g.parse(path, format="turtle")
    return g


def all_shapes(g: rdflib.Graph) -> set:
    """The node shapes and their property shapes: the shapes a result can name as its source.
    (Shapes nested in sh:qualifiedValueShape or sh:or only decide whether a value counts.)"""
    nodes = set(g.subjects(RDF.type, SH.NodeShape))
    return nodes | set(g.subjects(RDF.type, SH.PropertyShape)) | {p for n in nodes for p in g.objects(n, SH.property)}


_GROUPING = {RDF.type, RDFS.label, RDFS.comment, SH.message, SH.property, SH.severity, SH.targetClass,
             SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.path}


def rule_shapes(g: rdflib.Graph) -> set[str]:
    """Shapes with a rule of their own (not only sh:property links to other shapes)."""
    return {str(s) for s in all_shapes(g) if set(g.predicates(s, None)) - _GROUPING}


def test_every_shape_is_named_labelled_and_explained():
    g = shapes()
    for s in all_shapes(g):
        assert isinstance(s, rdflib.URIRef) and str(s).startswith(SHAPES_NS), f"shape without an IRI: {s}"
        assert g.value(s, RDFS.label), f"{s} has no rdfs:label"
        assert str(g.value(s, SH.message) or "").strip(), f"{s} has no sh:message"
        assert g.value(s, SH.severity, default=SH.Violation) in (SH.Violation, SH.Warning), s


def test_every_rule_has_a_case_and_every_node_shape_is_covered():
    g = shapes()
    assert rule_shapes(g) == {shape(c.shape) for c in CASES}
    assert len({c.shape for c in CASES}) == len(CASES), "one case per shape"
    for node_shape in g.subjects(RDF.type, SH.NodeShape):
        parts = {str(p) for p in g.objects(node_shape, SH.property)} | {str(node_shape)}
        assert parts & rule_shapes(g), f"{node_shape} checks nothing"


def test_each_case_declares_the_severity_of_its_shape():
    g = shapes()
    for c in CASES:
        declared = g.value(rdflib.URIRef(shape(c.shape)), SH.severity, default=SH.Violation)
        assert str(declared).rsplit("#", 1)[1] == c.severity, c.shape


# --- shipped letters -----------------------------------------------------------------

def test_shipped_letters_have_no_violation(report):
    violations = [f"{r.letter}: {r.shape} on {r.focus}: {r.message}"
                  for results in report.shipped.values() for r in results if r.severity == "Violation"]
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("c", CASES, ids=str)
def test_shape_is_quiet_on_the_unmutated_letter(report, c):
    lid, _ = base_letter()
    assert not [r for r in report.shipped[lid] if r.shape == shape(c.shape)]


# --- mutations -----------------------------------------------------------------------

@pytest.mark.parametrize("c", CASES, ids=str)
def test_shape_fires_on_its_mutation(report, c):
    copy_id, focus, touched = report.case_copy[c]
    results = report.copy_results[copy_id]
    fired = [r for r in results if r.shape == shape(c.shape) and r.focus == focus.value]
    assert fired, f"{c.shape} did not fire on {focus.value}; results there: " \
                  f"{[(r.shape, r.focus) for r in results if r.focus in {t.value for t in touched}]}"
    assert {r.severity for r in fired} == {c.severity}
    assert all(r.message and "{?" not in r.message for r in fired)
    nearby = {r.shape.removeprefix(SHAPES_NS) for r in results if r.focus in {t.value for t in touched}}
    assert nearby == {c.shape} | c.also, "the mutation fires other shapes than expected"


def test_every_result_on_a_mutated_copy_is_expected(report):
    """No result that no case explains (a mutation disturbing another in the same copy)."""
    expected = defaultdict(set)
    for c, (copy_id, _, touched) in report.case_copy.items():
        for t in touched:
            expected[copy_id, t.value] |= {shape(c.shape)} | {shape(a) for a in c.also}
    stray = [(copy_id, r.shape, r.focus) for copy_id, results in report.copy_results.items()
             for r in results if r.shape not in expected[copy_id, r.focus]]
    assert not stray
