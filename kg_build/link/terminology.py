"""Link the graph to a terminology the user brings: skos:closeMatch from the graph's diagnoses,
treatments and drugs to the terms of an OBO file (pronto), an OWL or SKOS file in RDF/XML or
Turtle (rdflib), or UMLS MRCONSO.RRF (CUIs, with their SNOMED CT, RxNorm and MeSH codes).

A concept links to a term when one of its names equals one of the term's names after
lower-casing and replacing punctuation by spaces; no fuzzy matching, so a link is never a
guess. Where a name matches several terms, the terms whose preferred label matches win over
those that only have it as a synonym. Which names count, and the IRIs of codes, are in
data/terminologies.yaml.

The links of one terminology file go into a named graph of their own,
https://w3id.org/imr-kg/graph/terminology/<file name>, replaced when the file is linked again.
"""

from __future__ import annotations

import csv
import gzip
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox

from kg_build.lexicon import load_yaml
from kg_build.map.iris import DCTERMS, GRAPH, IMR, RDFS, SKOS, VOCAB, slug

KINDS = ("diagnosis", "treatment", "drug")
# The graph's concepts by kind, with their names: diagnosis mentions by what the letter wrote
# and the normalised name; treatment and drug concepts (not the categories and classes at the
# top of their schemes) by their SKOS labels.
_CONCEPTS = f"""
PREFIX imr: <{IMR}>
PREFIX skos: <{SKOS}>
PREFIX rdfs: <{RDFS}>
SELECT DISTINCT ?kind ?concept ?name WHERE {{
  {{
    ?concept a imr:Diagnosis ; rdfs:label|imr:normalizedName ?name .
    BIND ("diagnosis" AS ?kind)
  }} UNION {{
    VALUES (?kind ?scheme) {{ ("treatment" <{VOCAB}scheme/treatment>) ("drug" <{VOCAB}scheme/drug>) }}
    ?concept skos:inScheme ?scheme ; skos:prefLabel|skos:altLabel ?name .
    FILTER NOT EXISTS {{ ?concept skos:topConceptOf ?scheme }}
  }}
}}
"""


class TerminologyError(Exception):
    """A terminology file that cannot be read; the message is one line naming what is wrong."""


@dataclass(frozen=True)
class Name:
    term: str  # the term's IRI
    label: str  # the term's preferred label
    text: str  # this name of the term
    preferred: bool  # whether this name is the preferred label


@dataclass
class LinkSummary:
    graph: str
    names_read: int = 0
    concepts: dict[str, int] = field(default_factory=dict)  # kind -> concepts in the graph
    linked: dict[str, int] = field(default_factory=dict)  # kind -> concepts linked
    links: int = 0

    def line(self, path: Path) -> str:
        kinds = ", ".join(f"{self.linked.get(k, 0):,} of {self.concepts.get(k, 0):,} {plural}"
                          for k, plural in zip(KINDS, ("diagnoses", "treatments", "drugs")))
        return (f"{path.name}: {self.names_read:,} term names read; linked {kinds} "
                f"({self.links:,} skos:closeMatch links) in graph {self.graph}")


def normalise(name: str) -> str:
    """'Carpal Tunnel Syndrome,' -> 'carpal tunnel syndrome': case and punctuation ignored."""
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


def terminology_graph(path: Path) -> ox.NamedNode:
    return ox.NamedNode(GRAPH + "terminology/" + slug(path.name))


def link_terminology(store: ox.Store, path: Path) -> LinkSummary:
    """Replace the terminology graph of `path` in the store by the closeMatch links it gives."""
    wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)  # normalised name -> (kind, concept)
    concepts: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_CONCEPTS, use_default_graph_as_union=True):
        kind, concept = row["kind"].value, row["concept"].value
        concepts[kind].add(concept)
        if key := normalise(row["name"].value):
            wanted[key].add((kind, concept))
    graph = terminology_graph(path)
    summary = LinkSummary(graph.value, concepts={k: len(v) for k, v in concepts.items()})
    best: dict[str, tuple[bool, set[Name]]] = {}  # normalised name -> (preferred?, matching names)
    for name in read_terminology(path):
        summary.names_read += 1
        key = normalise(name.text)
        if key in wanted:
            preferred, found = best.get(key, (False, set()))
            if name.preferred and not preferred:
                preferred, found = True, set()
            if name.preferred == preferred:
                found.add(name)
            best[key] = (preferred, found)
    matched = {name.term for _, names in best.values() for name in names}
    quads = _link_quads(graph, path, wanted, best, _further_terms(path, matched), summary)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.bulk_extend(quads)
    return summary


def _further_terms(path: Path, matched: set[str]) -> dict[str, tuple[str, list[Name]]]:
    """What a matched term brings besides itself: a UMLS CUI's preferred name and its codes."""
    return _mrconso_codes(path, matched) if _kind(path) == ".rrf" else {}


def _link_quads(graph: ox.NamedNode, path: Path, wanted: dict[str, set[tuple[str, str]]],
                best: dict[str, tuple[bool, set[Name]]], further: dict[str, tuple[str, list[Name]]],
                summary: LinkSummary) -> list[ox.Quad]:
    close, label = ox.NamedNode(SKOS + "closeMatch"), ox.NamedNode(RDFS + "label")
    quads = [ox.Quad(graph, ox.NamedNode(DCTERMS + "source"), ox.Literal(path.name), graph)]
    linked: dict[str, set[str]] = defaultdict(set)
    for key, (_, names) in sorted(best.items()):
        for kind, concept in sorted(wanted[key]):
            linked[kind].add(concept)
            for name in sorted(names, key=lambda n: n.term):
                preferred_label, codes = further.get(name.term, ("", []))
                for target in (replace(name, label=preferred_label or name.label), *codes):
                    quads.append(ox.Quad(ox.NamedNode(concept), close, ox.NamedNode(target.term), graph))
                    quads.append(ox.Quad(ox.NamedNode(target.term), label, ox.Literal(target.label), graph))
    quads = list(dict.fromkeys(quads))
    summary.linked = {k: len(v) for k, v in linked.items()}
    summary.links = sum(q.predicate == close for q in quads)
    return quads


def read_terminology(path: Path) -> Iterator[Name]:
    """Every name of every term of a terminology file, by the file's kind (its suffix, after .gz)."""
    if not path.is_file():
        raise TerminologyError(f"{path}: no such file")
    readers = {".obo": _obo, ".owl": _rdf, ".rdf": _rdf, ".xml": _rdf, ".ttl": _rdf, ".rrf": _mrconso}
    if _kind(path) not in readers:
        raise TerminologyError(f"{path}: unknown kind of terminology file (expected .obo, .owl, .rdf, .xml, .ttl "
                               "or MRCONSO.RRF, optionally .gz)")
    return readers[_kind(path)](path)


def _kind(path: Path) -> str:
    """The suffix that says a file's kind, under a .gz: '.obo' for mondo.obo.gz."""
    return Path(path.name.removesuffix(".gz")).suffix.lower()


def _config() -> dict:
    return load_yaml("terminologies.yaml")


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _obo(path: Path) -> Iterator[Name]:
    import pronto

    scopes = set(_config()["obo_synonym_scopes"])
    try:
        with warnings.catch_warnings():  # pronto warns about every header clause it does not model
            warnings.simplefilter("ignore")
            ontology = pronto.Ontology(str(path), threads=1)
    except Exception as err:  # pronto and fastobo raise many kinds, all meaning "not readable OBO"
        raise TerminologyError(f"{path}: not a readable OBO file: {_first_line(err)}") from None
    for term in ontology.terms():
        if term.obsolete or not term.name:
            continue
        iri = _obo_iri(term.id)
        yield Name(iri, term.name, term.name, True)
        for synonym in term.synonyms:
            if synonym.scope in scopes:
                yield Name(iri, term.name, synonym.description, False)


def _obo_iri(term_id: str) -> str:
    """MONDO:0005178 -> http://purl.obolibrary.org/obo/MONDO_0005178; an IRI stays as it is."""
    if "://" in term_id:
        return term_id
    return _config()["obo_purl"] + term_id.replace(":", "_", 1)


def _rdf(path: Path) -> Iterator[Name]:
    import rdflib
    from rdflib.namespace import OWL, RDF, SKOS as RSKOS

    config = _config()
    fmt = "turtle" if _kind(path) == ".ttl" else "xml"
    graph = rdflib.Graph()
    try:
        with _open(path) as source:
            graph.parse(source, format=fmt)
    except Exception as err:  # rdflib raises parser-specific errors (SAX, BadSyntax, ...)
        raise TerminologyError(f"{path}: not readable {'Turtle' if fmt == 'turtle' else 'RDF/XML'}: "
                               f"{_first_line(err)}") from None
    labels = [rdflib.URIRef(p) for p in config["owl_label_properties"]]
    synonyms = [rdflib.URIRef(p) for p in config["owl_synonym_properties"]]
    terms = {s for cls in (OWL.Class, RSKOS.Concept) for s in graph.subjects(RDF.type, cls)
             if isinstance(s, rdflib.URIRef)}
    for term in sorted(terms):
        if graph.value(term, OWL.deprecated) == rdflib.Literal(True):
            continue
        preferred = sorted(str(o) for p in labels for o in graph.objects(term, p) if isinstance(o, rdflib.Literal))
        if not preferred:
            continue
        for text in preferred:
            yield Name(str(term), preferred[0], text, True)
        for text in sorted(str(o) for p in synonyms for o in graph.objects(term, p) if isinstance(o, rdflib.Literal)):
            yield Name(str(term), preferred[0], text, False)


# MRCONSO.RRF columns (UMLS Reference Manual, 3.3.4); every line ends in a '|'.
_MRCONSO = ("CUI", "LAT", "TS", "LUI", "STT", "SUI", "ISPREF", "AUI", "SAUI", "SCUI", "SDUI", "SAB", "TTY", "CODE",
            "STR", "SRL", "SUPPRESS", "CVF")


def _mrconso(path: Path) -> Iterator[Name]:
    """The English, unsuppressed strings of MRCONSO, each a name of its CUI; preferred when it
    is the CUI's preferred string (TS P, STT PF, ISPREF Y)."""
    cui_base = _config()["umls_cui"]
    for row in _mrconso_rows(path):
        yield Name(cui_base + row["CUI"], row["STR"], row["STR"], _preferred(row))


def _mrconso_codes(path: Path, terms: set[str]) -> dict[str, tuple[str, list[Name]]]:
    """For each matched CUI: its preferred name, and its codes in the sources of
    data/terminologies.yaml (SNOMED CT, RxNorm, MeSH) named by their preferred term type."""
    config = _config()
    cui_base, sources, best_tty = config["umls_cui"], config["umls_sources"], config["umls_preferred_tty"]
    names: dict[str, str] = {}
    codes: dict[str, dict[str, tuple[bool, str]]] = defaultdict(dict)  # CUI IRI -> code IRI -> (preferred type?, name)
    for row in _mrconso_rows(path):
        cui = cui_base + row["CUI"]
        if cui not in terms:
            continue
        if _preferred(row):
            names.setdefault(cui, row["STR"])
        if row["SAB"] in sources and row["CODE"]:
            code, ranked = sources[row["SAB"]] + row["CODE"], row["TTY"] in best_tty
            if code not in codes[cui] or (ranked and not codes[cui][code][0]):
                codes[cui][code] = (ranked, row["STR"])
    return {cui: (names.get(cui, ""), [Name(code, name, name, True) for code, (_, name) in sorted(codes[cui].items())])
            for cui in terms}


def _preferred(row: dict[str, str]) -> bool:
    return (row["TS"], row["STT"], row["ISPREF"]) == ("P", "PF", "Y")


def _mrconso_rows(path: Path) -> Iterator[dict[str, str]]:
    try:
        with _open(path) as raw:
            lines = (line.decode("utf-8") for line in raw)
            for number, fields in enumerate(csv.reader(lines, delimiter="|", quoting=csv.QUOTE_NONE), start=1):
                if len(fields) < len(_MRCONSO):
                    raise TerminologyError(f"{path}: line {number} is not an MRCONSO.RRF row "
                                           f"({len(fields)} '|'-separated fields, expected {len(_MRCONSO) + 1})")
                row = dict(zip(_MRCONSO, fields))
                if row["LAT"] == "ENG" and row["SUPPRESS"] in ("N", ""):
                    yield row
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise TerminologyError(f"{path}: not a readable MRCONSO.RRF file: {_first_line(err)}") from None
