"""The property-graph projection of the RDF graph, for Gephi, Cytoscape, yEd and the browser.

What becomes what (README, "Property-graph exports", has the same table for readers):
- resources of the classes in NODE_TYPES, and the shared SKOS concepts (typed by their
  scheme), become nodes with a readable `label`, a `type` and their `class`;
- the IMR case is folded into its letter (one letter decides one case): its attributes
  and edges go on the letter node;
- object properties between two nodes become edges keyed and labelled by the property's
  local name (`property`);
- literals become node attributes named by the property's local name (several values
  joined by " | "); an ontology individual (an outcome, a status, a side) becomes an
  attribute holding its local name;
- an evidence span becomes an attribute holding the quoted text (a decision's `rationale`,
  an assessment's `evidence`): the spans, selectors and offsets themselves are left out, as
  are provenance plumbing (prov:wasDerivedFrom, the extraction activity), concept schemes
  and skos:inScheme.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import pyoxigraph as ox

from kg_build.map.iris import ICD10CM, ID, IMR, OA, PROV, RDF, SKOS, VOCAB
from kg_build.use.export.selection import Advance, Selection, quads
from kg_build.use.output import python_value

NODE_TYPES = {
    "DeterminationLetter": "letter", "InjuredWorker": "worker", "Injury": "injury", "ExpertReviewer": "reviewer",
    "Diagnosis": "diagnosis", "PriorTreatment": "prior_treatment", "Finding": "finding", "DisputedItem": "item",
    "Decision": "decision", "GuidelineCitation": "citation", "CriterionAssessment": "assessment",
    "QualityFlag": "quality_flag", "Criterion": "criterion", "GuidelineSource": "guideline",
    "GuidelineDocument": "guideline", "GuidelineChapter": "guideline", "GuidelineTopic": "guideline",
}
# shared concepts without an imr: class, typed by the scheme in their IRI (vocab/<scheme>/...)
SCHEME_TYPES = {
    "treatment": "service", "treatment-category": "category", "drug": "drug", "drug-class": "drug_class",
    "body-region": "body_region", "specialty": "specialty", "us-state": "state", "mechanism": "mechanism",
    "finding": "finding_concept", "criterion": "criterion", "guideline": "guideline",
}
# the attribute, in order of preference, that labels a node
LABELS = ("caseNumber", "identifier", "prefLabel", "label", "requestText", "outcome", "criterionStatus",
          "flagKind", "citationText")
SPAN_PROPERTIES = {"evidence", "rationale", "statusEvidence"}
LEFT_OUT = {PROV + "wasDerivedFrom", PROV + "wasGeneratedBy", PROV + "used", PROV + "wasAssociatedWith",
            SKOS + "inScheme", IMR + "aboutCase"}
_TYPE = RDF + "type"


@dataclass
class _Triples:
    """One pass over the selection's quads, sorted into what the projection needs."""

    classes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    literals: list[tuple[str, str, ox.Literal]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    selectors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    quotes: dict[str, str] = field(default_factory=dict)

    def add(self, quad: ox.Quad) -> None:
        s, p, o = quad.subject.value, quad.predicate.value, quad.object
        if p == _TYPE:
            self.classes[s].add(o.value)
        elif p == OA + "hasSelector":
            self.selectors[s].append(o.value)
        elif p == OA + "exact":
            self.quotes[s] = o.value
        elif isinstance(o, ox.Literal):
            self.literals.append((s, p, o))
        elif isinstance(o, ox.NamedNode):
            self.links.append((s, p, o.value))


def project(store: ox.Store, selection: Selection, advance: Advance) -> nx.MultiDiGraph:
    """The selection's letters and the concepts they use as a directed multigraph whose node
    keys are IRIs and whose edge keys are property names."""
    triples = _Triples()
    for quad in quads(store, selection, advance, letters_only=True):
        triples.add(quad)
    folded = {case: letter for letter, p, case in triples.links if p == IMR + "aboutCase"}
    kinds = {iri: kind for iri, classes in triples.classes.items() if (kind := _node_type(iri, classes))}
    graph = nx.MultiDiGraph()
    for iri in sorted(kinds):
        classes = sorted(_local(c) for c in triples.classes[iri] if c.startswith(IMR))
        graph.add_node(iri, type=kinds[iri], **({"class": " ".join(classes)} if classes else {}), **_owner(iri))
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s, p, literal in triples.literals:
        if p not in LEFT_OUT:
            values[folded.get(s, s)][_local(p)].append(python_value(literal))
    for s, p, o in triples.links:
        s = folded.get(s, s)
        if p in LEFT_OUT or s not in kinds:
            continue
        name = _local(p)
        if name in SPAN_PROPERTIES:
            values[s][name] += [triples.quotes[q] for q in triples.selectors.get(o, []) if q in triples.quotes]
        elif o in kinds:
            graph.add_edge(s, o, key=name, property=name, label=name)
        elif o.startswith(IMR):
            values[s][name].append(_local(o))
        else:
            values[s][name].append(o)
    for iri, attributes in values.items():
        if iri in kinds:
            graph.nodes[iri].update({k: _single(v) for k, v in attributes.items()})
            graph.nodes[iri]["label"] = _label(graph.nodes[iri], iri)
    return graph


def _node_type(iri: str, classes: set[str]) -> str | None:
    for cls in sorted(classes):
        if cls.startswith(IMR) and _local(cls) in NODE_TYPES:
            return NODE_TYPES[_local(cls)]
    if SKOS + "Concept" in classes:
        if iri.startswith(ICD10CM):
            return "icd10cm"
        if iri.startswith(VOCAB):
            return SCHEME_TYPES.get(iri[len(VOCAB):].split("/", 1)[0], "concept")
    return None


def _owner(iri: str) -> dict[str, str]:
    """The letter a letter's own node belongs to, as an attribute to filter on."""
    prefix = ID + "letter/"
    return {"letter": iri[len(prefix):].split("/", 1)[0]} if iri.startswith(prefix) else {}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]


def _single(values: list):
    if len(values) == 1:
        return values[0]
    return " | ".join(sorted(dict.fromkeys(map(str, values))))


def _label(attributes: dict, iri: str) -> str:
    if attributes["type"] == "item" and "itemNumber" in attributes:
        return f"item {attributes['itemNumber']}: {attributes.get('requestText', '')}".strip()
    for name in LABELS:
        if name in attributes:
            return str(attributes[name])
    return f"{attributes['type']} {_local(iri)}"

