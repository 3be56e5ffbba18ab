"""An extraction record -> RDF quads.

Everything said about a letter goes into its own named graph; shared concepts (services,
categories, guideline topics, criteria, states, specialties, codes) go into the vocabulary
graph, where every letter that uses them points, so cross-case queries join on one IRI.
Every extracted entity is derived from the letter (prov:wasDerivedFrom) and points to the
text span it came from (imr:evidence -> oa:SpecificResource with position and quote
selectors on the letter's normalised text).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from kg_build import __version__
from kg_build.version import pipeline_version
from kg_build.lexicon import lexicon
from kg_build.map.iris import DCTERMS, GRAPH, ID, OA, PROV, RDF, RDFS, SKOS, VOCABULARY_GRAPH, XSD, imr, slug, vocab
from kg_build.map import icd10cm_concepts, vocabularies

_A = NamedNode(RDF + "type")
_LABEL = NamedNode(RDFS + "label")
_PREF = NamedNode(SKOS + "prefLabel")
_IN_SCHEME = NamedNode(SKOS + "inScheme")
_BROADER = NamedNode(SKOS + "broader")
_DERIVED = NamedNode(PROV + "wasDerivedFrom")
_EVIDENCE = imr("evidence")
_CONCEPT = NamedNode(SKOS + "Concept")
OUTCOMES = {"upheld": imr("Upheld"), "overturned": imr("Overturned"), "partially_overturned": imr("PartiallyOverturned")}
STATUSES = {"met": imr("Met"), "not_met": imr("NotMet"), "not_documented": imr("NotDocumented"), "not_assessed": imr("NotAssessed")}
PARTIES = {"claims_administrator": imr("ClaimsAdministrator"), "imro": imr("IMRO")}
SIDES = {"left": imr("Left"), "right": imr("Right"), "bilateral": imr("Bilateral")}
SEXES = {"female": imr("Female"), "male": imr("Male")}


DUPLICATE_CASE = "duplicate_case_number"  # the quality flag of a letter that shares another's case number


def letter_id(record: dict) -> str:
    """The letter's identifier: its case number, else 'sha256-' and its file hash's first 16
    digits. A letter flagged as reusing the case number of another letter with other content
    is '<case number>-sha256-<8 digits>', so that both are kept."""
    case, sha = record["case"]["case_number"], record["source"]["sha256"]
    if case and any(f["kind"] == DUPLICATE_CASE for f in record.get("quality_flags", [])):
        return f"{case}-sha256-{sha[:8]}"
    return case or "sha256-" + sha[:16]


def letter_graph(record: dict) -> NamedNode:
    return NamedNode(GRAPH + "letter/" + letter_id(record))


class _Builder:
    """Collects the quads of one letter, its own graph and its share of the vocabulary graph,
    as N-Quads lines: a build validates, loads and ships them as text, and writing a line from
    the terms costs about a third of making a pyoxigraph Quad of them (record_quads parses them)."""

    def __init__(self, record: dict) -> None:
        self.record = record
        self.graph = letter_graph(record)
        self.graph_term = str(self.graph)  # its N-Quads form, which ends nearly every line
        self.base = ID + "letter/" + letter_id(record)
        self.letter = NamedNode(self.base)
        self.lines: list[str] = []

    def node(self, *path: str | int) -> NamedNode:
        return NamedNode("/".join([self.base, *map(str, path)]))

    def add(self, s: NamedNode, p: NamedNode, o, graph: NamedNode | None = None) -> None:
        if o is not None:
            term = o if isinstance(o, (NamedNode, Literal)) else _literal(o)
            self.lines.append(f"{s} {p} {term} {graph or self.graph_term} .\n")  # a term's str() is its N-Quads form

    def extend(self, quads: Iterable[Quad]) -> None:
        """Quads made by kg_build.map.vocabularies and icd10cm_concepts."""
        self.lines += (f"{q} .\n" for q in quads)

    def entity(self, node: NamedNode, cls: str, span: list[int] | None = None, text: str | None = None) -> NamedNode:
        """A typed entity of this letter, derived from it and, where known, from a text span."""
        self.add(node, _A, imr(cls))
        self.add(node, _DERIVED, self.letter)
        if span is not None:
            self.add(node, _EVIDENCE, self.span(span, text))
        return node

    def span(self, span: list[int], text: str | None) -> NamedNode:
        start, end = span
        node = self.node("span", f"{start}-{end}")
        position, quote = self.node("span", f"{start}-{end}", "position"), self.node("span", f"{start}-{end}", "quote")
        self.add(node, _A, NamedNode(OA + "SpecificResource"))
        self.add(node, NamedNode(OA + "hasSource"), self.letter)
        self.add(node, NamedNode(OA + "hasSelector"), position)
        self.add(position, _A, NamedNode(OA + "TextPositionSelector"))
        # xsd:integer, as Oxigraph stores any integer type and a round trip would change it
        self.add(position, NamedNode(OA + "start"), _literal(start))
        self.add(position, NamedNode(OA + "end"), _literal(end))
        if text is not None:
            self.add(node, NamedNode(OA + "hasSelector"), quote)
            self.add(quote, _A, NamedNode(OA + "TextQuoteSelector"))
            self.add(quote, NamedNode(OA + "exact"), text)
        return node

    def concept(self, scheme: str, node: NamedNode, label: str, broader: NamedNode | None = None,
                written: str | None = None) -> NamedNode:
        """A shared SKOS concept in the vocabulary graph (see _concept_lines)."""
        self.lines += _concept_lines(scheme, node, label, broader, written)
        return node

    def named(self, scheme: str, written: str, known: str | None = None, canonical: str | None = None,
              parents: tuple[str, ...] = (), broader: NamedNode | None = None) -> NamedNode:
        """The concept a wording names (see _named_concept)."""
        node, lines = _named_concept(scheme, written, known, canonical, parents, broader)
        self.lines += lines
        return node


# Letters name the same concepts again and again, and minting their lines is a good part of
# the mapping's time: the two functions below are pure, so each worker keeps the recent ones.
_CONCEPT_CACHE = 20_000


@lru_cache(maxsize=_CONCEPT_CACHE)
def _concept_lines(scheme: str, node: NamedNode, label: str, broader: NamedNode | None,
                   written: str | None) -> tuple[str, ...]:
    """A shared SKOS concept in the vocabulary graph; a wording that differs from its label
    is kept as an altLabel."""
    scheme_node = vocab("scheme", scheme)
    quads = [(scheme_node, _A, NamedNode(SKOS + "ConceptScheme")), (scheme_node, _PREF, Literal(scheme.replace("-", " "))),
             (node, _A, _CONCEPT), (node, _PREF, Literal(label)), (node, _IN_SCHEME, scheme_node)]
    if broader is not None:
        quads.append((node, _BROADER, broader))
    if written and written != label:
        quads.append((node, NamedNode(SKOS + "altLabel"), Literal(written)))
    return tuple(f"{s} {p} {o} {VOCABULARY_GRAPH} .\n" for s, p, o in quads)


@lru_cache(maxsize=_CONCEPT_CACHE)
def _named_concept(scheme: str, written: str, known: str | None, canonical: str | None, parents: tuple[str, ...],
                   broader: NamedNode | None) -> tuple[NamedNode, tuple[str, ...]]:
    """The concept a wording names, and its lines: its canonical name (given, or the entry of
    data/KNOWN.csv that knows the wording), else the wording itself, labelled by its slug so
    that every wording that mints the same IRI gives it the same label."""
    entry = lexicon(known).lookup(written) if known and not canonical else None
    name = canonical or (entry.name if entry else None)
    label = name or slug(written, limit=10_000).replace("-", " ")
    node = vocab(scheme, *parents, name or written)
    return node, _concept_lines(scheme, node, label, broader, written)


def _literal(value, datatype: str | None = None) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + (datatype or "integer")))
    if isinstance(value, float):
        return Literal(format(value, "f").rstrip("0").rstrip(".") or "0", datatype=NamedNode(XSD + "decimal"))
    return Literal(value, datatype=NamedNode(XSD + datatype)) if datatype else Literal(value)


def _date(value: str | None) -> Literal | None:
    return Literal(value, datatype=NamedNode(XSD + "date")) if value else None


def record_quads(record: dict) -> list[Quad]:
    """All quads of one letter's record, in a deterministic order."""
    return list(parse("".join(record_nquads(record)), format=RdfFormat.N_QUADS))


def record_nquads(record: dict) -> list[str]:
    """The N-Quads lines of record_quads, each ending with a newline."""
    b = _Builder(record)
    _letter(b)
    case = _case(b)
    worker = _worker(b)
    _injury(b, worker)
    _reviewer(b)
    _mentions(b, worker)
    for item in record["items"]:
        _item(b, item, case)
    for k, flag in enumerate(record.get("quality_flags", []), start=1):
        node = b.entity(b.node("flag", k), "QualityFlag", flag.get("span"), flag.get("text"))
        b.add(b.letter, imr("hasQualityFlag"), node)
        b.add(node, imr("flagKind"), flag["kind"])
        b.add(node, NamedNode(RDFS + "comment"), flag["detail"])
    return list(dict.fromkeys(b.lines))


def _letter(b: _Builder) -> None:
    source = b.record["source"]
    activity = b.node("extraction")
    b.add(b.letter, _A, imr("DeterminationLetter"))
    b.add(b.letter, _A, NamedNode(PROV + "Entity"))
    b.add(b.letter, NamedNode(DCTERMS + "identifier"), letter_id(b.record))
    b.add(b.letter, imr("layout"), source["format"])
    b.add(b.letter, imr("sha256"), source["sha256"])
    b.add(b.letter, NamedNode(DCTERMS + "format"), source.get("media_type"))
    b.add(b.letter, imr("finalDetermination"), OUTCOMES.get(b.record.get("final_determination") or ""))
    b.add(b.graph, NamedNode(PROV + "wasGeneratedBy"), activity)
    b.add(activity, _A, NamedNode(PROV + "Activity"))
    b.add(activity, _A, imr("ExtractionActivity"))
    b.add(activity, NamedNode(PROV + "used"), b.letter)
    b.add(activity, imr("softwareVersion"), pipeline_version())  # an incremental build compares it
    b.add(activity, NamedNode(PROV + "wasAssociatedWith"), NamedNode(ID + "software/imr-kg/" + __version__))


def _evidence(part: dict) -> tuple[list[int] | None, str | None]:
    evidence = part.get("evidence") or {}
    return evidence.get("span"), evidence.get("text")


def _case(b: _Builder) -> NamedNode:
    case = b.record["case"]
    node = b.entity(b.node("case"), "IMRCase", *_evidence(case))
    b.add(b.letter, imr("aboutCase"), node)
    b.add(node, imr("caseNumber"), case.get("case_number"))
    for field, prop in (("date_of_injury", "dateOfInjury"), ("ur_denial_date", "urDenialDate"),
                        ("application_received", "applicationReceived"), ("date_assigned", "dateAssigned"),
                        ("decision_date", "decisionDate")):
        b.add(node, imr(prop), _date(case.get(field)))
    if case.get("priority"):
        b.add(node, imr("priority"), imr(case["priority"].capitalize()))
    return node


def _worker(b: _Builder) -> NamedNode:
    worker = b.record["worker"]
    node = b.entity(b.node("worker"), "InjuredWorker", *_evidence(worker))
    b.add(b.node("case"), imr("injuredWorker"), node)
    b.add(node, imr("age"), worker.get("age"))
    b.add(node, imr("sex"), SEXES.get(worker.get("sex") or ""))
    return node


def _injury(b: _Builder, worker: NamedNode) -> None:
    injury = b.record["injury"]
    node = b.entity(b.node("injury"), "Injury", *_evidence(injury))
    b.add(worker, imr("sustained"), node)
    b.add(node, imr("injuryDate"), _date(injury.get("date")))
    if injury.get("mechanism"):
        b.add(node, imr("mechanism"), b.named("mechanism", injury["mechanism"], "mechanisms"))
    for region in injury.get("body_regions", []):
        b.add(node, imr("bodyRegion"), _body_region(b, region))


def _reviewer(b: _Builder) -> None:
    reviewer = b.record["reviewer"]
    node = b.entity(b.node("reviewer"), "ExpertReviewer", *_evidence(reviewer))
    b.add(b.letter, imr("reviewedBy"), node)
    for state in reviewer["licensure"]:
        b.add(node, imr("licensedIn"), b.named("us-state", state))
    for specialty in reviewer["specialties"]:
        b.add(node, imr("specialty"), b.named("specialty", specialty, "specialties"))


def _mentions(b: _Builder, worker: NamedNode) -> None:
    for n, m in enumerate(b.record["diagnoses"], start=1):
        node = _mention(b, "diagnosis", n, "Diagnosis", m)
        b.add(worker, imr("hasDiagnosis"), node)
        for code in m.get("codes", []):
            if code.get("system") == "ICD-10-CM":
                b.add(node, icd10cm_concepts.match_property(code.get("match")), icd10cm_concepts.iri(code["code"]))
                b.extend(icd10cm_concepts.concept_quads(code["code"]))
    for n, m in enumerate(b.record["prior_treatments"], start=1):
        node = _mention(b, "treatment", n, "PriorTreatment", m)
        b.add(worker, imr("receivedTreatment"), node)
        name = m.get("concept") or m.get("normalized") or m["text"]
        concept = b.named("treatment", name)
        b.add(node, imr("treatmentConcept"), concept)
        b.extend(vocabularies.treatment_quads(concept, vocabularies.treatment_category(name)))
    for n, m in enumerate(b.record["findings"], start=1):
        node = _mention(b, "finding", n, "Finding", m)
        b.add(worker, imr("hasFinding"), node)
        b.add(node, imr("negated"), bool(m.get("negated")))
        b.add(node, imr("findingConcept"), b.named("finding", m.get("concept") or m.get("normalized") or m["text"], "findings"))


def _mention(b: _Builder, kind: str, n: int, cls: str, m: dict) -> NamedNode:
    node = b.entity(b.node(kind, n), cls, m["span"], m["text"])
    b.add(node, _LABEL, m["text"])
    b.add(node, imr("normalizedName"), m.get("normalized"))
    b.add(node, imr("laterality"), SIDES.get(m.get("laterality") or ""))
    return node


def _item(b: _Builder, item: dict, case: NamedNode) -> None:
    n = item["number"]
    node = b.entity(b.node("item", n), "DisputedItem", item.get("request_span"), item["request"])
    b.add(case, imr("hasDisputedItem"), node)
    b.add(node, imr("itemNumber"), n)
    b.add(node, imr("requestText"), item["request"])
    category = b.named("treatment-category", item["category"], "categories") if item.get("category") else None
    service = b.named("treatment", item["service"])
    b.add(service, imr("treatmentCategory"), category, VOCABULARY_GRAPH)
    b.add(node, imr("requestedService"), service)
    b.add(node, imr("treatmentCategory"), category)
    b.extend(vocabularies.treatment_quads(service, item.get("category")))
    if item.get("body_region"):
        b.add(node, imr("bodyRegion"), _body_region(b, item["body_region"]))
    b.add(node, imr("laterality"), SIDES.get(item.get("laterality") or ""))
    for field, prop in (("frequency", "frequency"), ("duration", "duration"), ("unit", "unit")):
        b.add(node, imr(prop), item.get(field))
    if item.get("quantity") is not None:
        b.add(node, imr("quantity"), _literal(float(item["quantity"])))
    if item.get("drug"):
        drug = item["drug"]
        concept = b.named("drug", drug["name"], "drugs")
        if drug.get("drug_class"):
            b.add(concept, imr("drugClass"), b.named("drug-class", drug["drug_class"], "drug_classes"), VOCABULARY_GRAPH)
        b.extend(vocabularies.drug_quads(concept, drug["name"], drug.get("drug_class"), item["request"]))
        b.add(node, imr("drug"), concept)
        b.add(node, imr("drugStrength"), drug.get("strength"))
    _decision(b, item, node)


def _body_region(b: _Builder, written: str) -> NamedNode:
    """A body-region concept, matched to its Uberon class (data/body_regions.csv)."""
    node = b.named("body-region", written, "body_regions")
    entry = lexicon("body_regions").lookup(written)
    b.extend(vocabularies.body_region_quads(node, entry.name) if entry else [])
    return node


def _decision(b: _Builder, item: dict, item_node: NamedNode) -> None:
    n = item["number"]
    rationale = item["rationale"]
    decision = b.entity(b.node("item", n, "decision"), "Decision", rationale["span"], rationale["text"])
    outcome = OUTCOMES[item["outcome"]]
    b.add(item_node, imr("hasDecision"), decision)
    b.add(decision, imr("outcome"), outcome)
    b.add(item_node, imr("itemOutcome"), outcome)  # the ontology's shortcut: counts by outcome skip the decision
    b.add(decision, imr("medicallyNecessary"), bool(item["medically_necessary"]))
    b.add(decision, imr("rationale"), b.span(rationale["span"], rationale["text"]))
    topic = None
    for k, citation in enumerate(item["guidelines"], start=1):
        node, guideline = _citation(b, citation, b.node("item", n, "citation", k))
        b.add(decision, imr("hasCitation"), node)
        if citation["cited_by"] == "imro" and topic is None:
            topic = guideline
    for k, criterion in enumerate(item["criteria"], start=1):
        node = b.entity(b.node("item", n, "criterion", k), "CriterionAssessment", criterion.get("span"), criterion["text"])
        b.add(decision, imr("hasAssessment"), node)
        b.add(node, imr("assessesCriterion"), _criterion_concept(b, criterion, topic))
        b.add(node, imr("criterionStatus"), STATUSES[criterion["status"]])
        if criterion.get("evidence_span"):
            b.add(node, imr("statusEvidence"), b.span(criterion["evidence_span"], criterion.get("evidence")))


def _citation(b: _Builder, citation: dict, node: NamedNode) -> tuple[NamedNode, NamedNode | None]:
    b.entity(node, "GuidelineCitation", citation.get("span"), citation["text"])
    b.add(node, imr("citedBy"), PARTIES[citation["cited_by"]])
    b.add(node, imr("mtusBased"), bool(citation["mtus"]))
    b.add(node, imr("pages"), citation.get("pages"))
    b.add(node, imr("citationText"), citation["text"])
    if citation["source"] == "none":  # the letter says no guideline was cited
        return node, None
    guideline = _guideline_concept(b, citation)
    b.add(node, imr("citesGuideline"), guideline)
    return node, guideline


def _guideline_concept(b: _Builder, citation: dict) -> NamedNode:
    """The most specific guideline concept cited: source > document > chapter > topic."""
    path = (citation["source"],)
    node = b.named("guideline", citation["source"], canonical=citation["source"])
    b.add(node, _A, imr("GuidelineSource"), VOCABULARY_GRAPH)
    levels = (("GuidelineDocument", citation.get("document"), citation.get("document")),
              ("GuidelineChapter", citation.get("chapter"), citation.get("chapter_normalized")),
              ("GuidelineTopic", citation.get("topic"), citation.get("topic_normalized")))
    for level, written, canonical in levels:
        if written:
            node = b.named("guideline", written, canonical=canonical, parents=path, broader=node)
            b.add(node, _A, imr(level), VOCABULARY_GRAPH)
            path += (canonical or written,)
    return node


def _criterion_concept(b: _Builder, criterion: dict, topic: NamedNode | None) -> NamedNode:
    """A shared criterion: a catalog criterion under its own label; an uncatalogued one labelled
    by its identifier, each wording kept as an altLabel."""
    key = criterion.get("criterion_id") or "uncatalogued"
    node = b.concept("criterion", vocab("criterion", key), criterion.get("criterion_label") or key,
                     written=" ".join(criterion["text"].split()))
    b.add(node, _A, imr("Criterion"), VOCABULARY_GRAPH)
    b.add(node, imr("guidelineTopic"), topic, VOCABULARY_GRAPH)
    return node
