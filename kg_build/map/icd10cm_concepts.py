"""ICD-10-CM codes as SKOS concepts of the vocabulary graph, with their ancestors.

A diagnosis links to its code's IRI in BioPortal's ICD10CM ontology,
http://purl.bioontology.org/ontology/ICD10CM/<code>, the IRI space BioPortal, the OBO
mappings (MONDO, DisMech) and the UMLS-derived RDF use: codes keep their dot (M54.16,
S39.012A), blocks and chapters are named by their code range (M50-M54, M00-M99). Each code a
letter uses is a skos:Concept with its description as skos:prefLabel, its code as
skos:notation and skos:broader to its parent, up through subcategories, the category and the
block to the chapter, a skos:topConceptOf the scheme; so `skos:broader*` rolls any code up
to the level a query asks for. Descriptions and the hierarchy come from the code set shipped
by simple-icd-10-cm.
"""

from __future__ import annotations

import re
from functools import cache

from pyoxigraph import Literal, NamedNode, Quad

from kg_build.map.iris import ICD10CM, RDF, SKOS, VOCABULARY_GRAPH, vocab

SCHEME = vocab("scheme", "icd10cm")
_RANGE = re.compile(r"\s*\(([A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2})\)$")  # "Other dorsopathies (M50-M54)"
_A, _CONCEPT = NamedNode(RDF + "type"), NamedNode(SKOS + "Concept")


def iri(code: str) -> NamedNode:
    """The BioPortal IRI of a code ('M54.16'), block ('M50-M54') or chapter ('M00-M99')."""
    return NamedNode(ICD10CM + code)


def match_property(match: str | None) -> NamedNode:
    """skos:exactMatch for an exact match; skos:closeMatch for a close or broad one."""
    return NamedNode(SKOS + ("exactMatch" if match == "exact" else "closeMatch"))


@cache
def concept_quads(code: str) -> tuple[Quad, ...]:
    """The vocabulary-graph quads of a code and of each of its ancestors."""
    import simple_icd_10_cm as cm

    if not cm.is_valid_item(code):
        return ()
    chain = [code, *cm.get_ancestors(code)]
    names = [_notation_and_label(cm, c) for c in chain]
    quads = [
        Quad(SCHEME, _A, NamedNode(SKOS + "ConceptScheme"), VOCABULARY_GRAPH),
        Quad(SCHEME, NamedNode(SKOS + "prefLabel"), Literal("icd10cm"), VOCABULARY_GRAPH),
    ]
    for (notation, label), parent in zip(names, [*names[1:], None]):
        node = iri(notation)
        quads += [
            Quad(node, _A, _CONCEPT, VOCABULARY_GRAPH),
            Quad(node, NamedNode(SKOS + "prefLabel"), Literal(label), VOCABULARY_GRAPH),
            Quad(node, NamedNode(SKOS + "notation"), Literal(notation), VOCABULARY_GRAPH),
            Quad(node, NamedNode(SKOS + "inScheme"), SCHEME, VOCABULARY_GRAPH),
        ]
        if parent is not None:
            quads.append(Quad(node, NamedNode(SKOS + "broader"), iri(parent[0]), VOCABULARY_GRAPH))
        else:
            quads += [Quad(node, NamedNode(SKOS + "topConceptOf"), SCHEME, VOCABULARY_GRAPH),
                      Quad(SCHEME, NamedNode(SKOS + "hasTopConcept"), node, VOCABULARY_GRAPH)]
    return tuple(quads)


def _notation_and_label(cm, code: str) -> tuple[str, str]:
    """A chapter ('13') or block is named by the code range its description ends with."""
    description = cm.get_description(code)
    if cm.is_chapter_or_block(code):
        found = _RANGE.search(description)
        if found:
            return found[1], description[:found.start()]
    return code, description
