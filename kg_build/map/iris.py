"""Namespaces and the deterministic IRIs of graph nodes.

Instances live under https://w3id.org/imr-kg/id/, shared concepts under
https://w3id.org/imr-kg/vocab/, ontology terms under https://w3id.org/imr-kg/ontology#.
The same letter always mints the same IRIs: from its case number, else its file's sha256.
"""

from __future__ import annotations

import hashlib
import re

from pyoxigraph import NamedNode

BASE = "https://w3id.org/imr-kg/"
IMR = BASE + "ontology#"
ID = BASE + "id/"
VOCAB = BASE + "vocab/"
GRAPH = BASE + "graph/"
VOCABULARY_GRAPH = NamedNode(GRAPH + "vocabulary")
ONTOLOGY_GRAPH = NamedNode(GRAPH + "ontology")
CRITERIA_GRAPH = NamedNode(GRAPH + "criteria")
ICD10CM = "http://purl.bioontology.org/ontology/ICD10CM/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"

PREFIXES = {"imr": IMR, "id": ID, "vocab": VOCAB, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS,
            "prov": PROV, "oa": OA, "dcterms": DCTERMS, "icd10cm": ICD10CM}

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 60) -> str:
    """'Neck and Upper Back (Acute & Chronic)' -> 'neck-and-upper-back-acute-chronic'; long texts
    keep a hash so that two different texts never share a slug."""
    s = _NOT_SLUG.sub("-", text.lower().replace("&", " and ")).strip("-") or "x"
    if len(s) > limit:
        s = s[:limit].rstrip("-") + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return s


def imr(term: str) -> NamedNode:
    return NamedNode(IMR + term)


def vocab(scheme: str, *path: str) -> NamedNode:
    """A shared concept: vocab/<scheme>/<slug>/<slug>..."""
    return NamedNode(VOCAB + "/".join([scheme, *(slug(p) for p in path)]))
