"""The shared vocabularies a letter's concepts join: treatments under the DWC treatment
categories, drugs under their drug classes, body regions matched to Uberon.

The tables are data files (data/categories.csv, services.csv, drugs.csv, drug_classes.csv,
body_regions.csv, each naming its sources); this module turns a concept the mapping has
minted into the vocabulary-graph triples that place it:

- treatment scheme (vocab/scheme/treatment): the DWC categories are its top concepts
  (skos:hasTopConcept / skos:topConceptOf), every service and prior treatment concept is
  skos:broader its category, so `skos:broader*` rolls a service up to its category;
- drug scheme (vocab/scheme/drug): the drug classes are its top concepts (skos:closeMatch to
  their MeSH pharmacological action), each drug (its generic name) is skos:broader its class
  and keeps the brand the letter wrote as an altLabel;
- body regions: skos:exactMatch or skos:closeMatch to the Uberon class
  (http://purl.obolibrary.org/obo/UBERON_nnnnnnn), with the Uberon label as rdfs:label.
"""

from __future__ import annotations

from functools import cache

from pyoxigraph import Literal, NamedNode, Quad

from kg_build.lexicon import lexicon, load_csv
from kg_build.map.iris import RDF, RDFS, SKOS, VOCABULARY_GRAPH, vocab
from kg_build.text import Doc, tokenize

OBO = "http://purl.obolibrary.org/obo/"
MESH = "http://id.nlm.nih.gov/mesh/"
TREATMENT_SCHEME = vocab("scheme", "treatment")
DRUG_SCHEME = vocab("scheme", "drug")
CATEGORY_SCHEME = vocab("scheme", "treatment-category")  # the categories alone, as record_to_rdf mints them
CLASS_SCHEME = vocab("scheme", "drug-class")
PHARMACEUTICALS = "pharmaceuticals"  # the category of every drug (data/drugs.csv)
# scheme -> its label, the one record_to_rdf gives it (scheme name, '-' as ' ')
_SCHEME_LABELS = {TREATMENT_SCHEME: "treatment", DRUG_SCHEME: "drug", CATEGORY_SCHEME: "treatment category",
                  CLASS_SCHEME: "drug class"}

_TYPE = NamedNode(RDF + "type")


def _skos(term: str) -> NamedNode:
    return NamedNode(SKOS + term)


def _quad(s: NamedNode, p: NamedNode, o: NamedNode | str) -> Quad:
    return Quad(s, p, o if isinstance(o, NamedNode) else Literal(o), VOCABULARY_GRAPH)


def category_concept(name: str) -> NamedNode:
    """The IRI of a DWC treatment category (the one record_to_rdf mints for item categories)."""
    return vocab("treatment-category", name)


def drug_class_concept(name: str) -> NamedNode:
    return vocab("drug-class", name)


def treatment_category(name: str) -> str | None:
    """The DWC category of a treatment name: its services.csv row's, pharmaceuticals for a drug."""
    if entry := lexicon("services").lookup(name):
        return entry.row["category"]
    return PHARMACEUTICALS if lexicon("drugs").lookup(name) else None


def treatment_quads(service: NamedNode, category: str | None) -> list[Quad]:
    """A service or prior-treatment concept placed under its category in the treatment scheme."""
    if not category or category not in _rows("categories.csv"):
        return []
    top = category_concept(category)
    return [*_top_concept(TREATMENT_SCHEME, top, category, _rows("categories.csv")[category]["definition"],
                          CATEGORY_SCHEME),
            _quad(service, _skos("inScheme"), TREATMENT_SCHEME),
            _quad(service, _skos("broader"), top)]


def drug_quads(drug: NamedNode, generic: str, drug_class: str | None, request: str) -> list[Quad]:
    """A drug concept under its class in the drug scheme, with the brand or form the request
    names (Norco for hydrocodone/acetaminophen) as an altLabel; the class matched to its MeSH
    pharmacological action."""
    quads = [_quad(drug, _skos("inScheme"), DRUG_SCHEME)]
    if drug_class and (row := _rows("drug_classes.csv").get(drug_class)):
        top = drug_class_concept(drug_class)
        quads += _top_concept(DRUG_SCHEME, top, drug_class, row["definition"], CLASS_SCHEME)
        quads.append(_quad(drug, _skos("broader"), top))
        if row["mesh"]:
            quads.append(_quad(top, _skos("closeMatch"), NamedNode(MESH + row["mesh"])))
    written = written_drug(request, generic)
    if written and tokenize(written) != tokenize(generic):
        quads.append(_quad(drug, _skos("altLabel"), written))
    return quads


def written_drug(request: str, generic: str) -> str | None:
    """How the request names the drug whose generic name is given ('Norco' in 'Norco 10/325mg')."""
    doc = Doc(request)
    return next((doc.text[m.start:m.end] for m in lexicon("drugs").find(doc) if m.entry.name == generic), None)


def body_region_quads(region: NamedNode, name: str) -> list[Quad]:
    """A body-region concept matched to its Uberon class, where body_regions.csv gives one."""
    entry = lexicon("body_regions").by_name.get(name)
    if entry is None or not entry.row.get("uberon"):
        return []
    uberon = uberon_iri(entry.row["uberon"])
    match = "exactMatch" if entry.row["match"] == "exact" else "closeMatch"
    return [_quad(region, _skos(match), uberon), _quad(uberon, NamedNode(RDFS + "label"), entry.row["uberon_label"])]


def uberon_iri(curie: str) -> NamedNode:
    """'UBERON:0001465' -> http://purl.obolibrary.org/obo/UBERON_0001465 (the OBO PURL)."""
    prefix, local = curie.split(":", 1)
    return NamedNode(f"{OBO}{prefix}_{local}")


@cache  # a few dozen categories and classes, placed by nearly every letter
def _top_concept(scheme: NamedNode, top: NamedNode, label: str, definition: str, own_scheme: NamedNode) -> tuple[Quad, ...]:
    """A top concept of a scheme, also kept in its own scheme (treatment-category, drug-class)."""
    declared = [q for s in (scheme, own_scheme)
                for q in (_quad(s, _TYPE, _skos("ConceptScheme")), _quad(s, _skos("prefLabel"), _SCHEME_LABELS[s]))]
    return (*declared, _quad(top, _TYPE, _skos("Concept")), _quad(top, _skos("prefLabel"), label),
            _quad(top, _skos("definition"), definition),
            _quad(top, _skos("inScheme"), own_scheme), _quad(top, _skos("inScheme"), scheme),
            _quad(top, _skos("topConceptOf"), scheme), _quad(scheme, _skos("hasTopConcept"), top))


@cache
def _rows(table: str) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in load_csv(table)}
