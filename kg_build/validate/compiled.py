"""The SHACL shapes compiled once into SPARQL SELECT queries, run with Oxigraph.

pyshacl (kg_build.validate.shacl) re-validates nested shapes (sh:or, sh:not,
sh:qualifiedValueShape) in Python for every value node, about 240 ms a letter. Here each
property shape becomes one query that groups the values of every focus node and counts, in
a column per constraint component, the results that component has there (pyshacl's: one per
failing value node, one per focus node for a count); a node shape's own components, each
sh:lessThanOrEquals (a row per failing pair) and each SPARQL constraint (a row per
solution) get a query of their own; nested shapes become FILTER expressions. The queries
run over an in-memory Oxigraph store holding a batch of letters' quads in their graphs,
read as one union graph: every query is DISTINCT or counts DISTINCT values, so a triple in
two graphs counts once, as in pyshacl's rdflib graph. tests/test_validate_compiled.py checks
that both validators give the same results on every mutation case of tests/test_shapes.py,
on the shipped letters and on synthetic shapes.

The compiler covers the SHACL Core features the shapes use and raises ShapesNotSupported
for any other (sh:node among them, see _Compiler.check_predicates), so a new shape cannot be
silently ignored. It follows pyshacl as kg_build.validate.shacl runs it (inference "none",
no ontology graph, allow_warnings):
- sh:class and sh:targetClass follow the rdfs:subClassOf triples of the data only (the
  batch's letters have none, and then the queries use rdf:type alone, which is faster);
- a nested shape (in sh:not, sh:or, sh:qualifiedValueShape) whose severity is sh:Warning or
  sh:Info always conforms, as allow_warnings makes pyshacl treat it;
- sh:pattern is Python's re.search with the flags i and m only, `$` also matching before a
  final newline; a pattern Oxigraph's regex engine cannot run is refused;
- a SPARQL constraint's message fills {?var} / {$var} from the solution as pyshacl does.

Known differences, all on literals the mapper never writes: Oxigraph stores literals in
canonical form (an "+5"^^xsd:integer is read back as "5", "1.50"^^xsd:decimal as "1.5", an
xsd:nonNegativeInteger as an xsd:integer), so sh:pattern, sh:in and sh:hasValue see the
canonical form (rdflib canonicalises too, but not always alike; sh:datatype with an
integer-derived type is refused); literals of incomparable types (a date and a number) fail
sh:minInclusive and friends and sh:lessThanOrEquals here, where rdflib orders them by
datatype IRI; and the result path of a shape whose sh:path is not an IRI is written as a
SPARQL property path (pyshacl gives a blank node's id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import count
from typing import Iterator

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from kg_build.text import outside_classes
from kg_build.validate.shacl import ValidationResult, attribute_to_letters, shapes_graph


class ShapesNotSupported(ValueError):
    """The shapes use a SHACL feature the compiled validator does not implement."""


# The predicates a shape may carry: everything else in the sh: namespace is refused.
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_INERT = {SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.path,
          SH.property, *_TARGETS}
_VALUE_PARAMS = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.minLength, SH.maxLength,
                 SH["in"], SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
                 SH["or"], SH["not"]}
_OTHER_PARAMS = {SH.minCount, SH.maxCount, SH.hasValue, SH.lessThanOrEquals, SH.qualifiedValueShape,
                 SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.sparql}
_KNOWN = _INERT | _VALUE_PARAMS | _OTHER_PARAMS
_RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
# Datatypes sh:datatype can check: Oxigraph casts a well-formed literal of these to itself
# (pyshacl rejects ill-typed literals). Integer-derived types are left out: Oxigraph stores
# their literals as xsd:integer, so their datatype is lost.
_CASTABLE = {XSD.string, XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.boolean, XSD.date,
             XSD.dateTime, XSD.time}
_NODE_KINDS = {SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
               SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
               SH.IRIOrLiteral: "!isBlank({v})"}
_NESTED_COUNT_LIMIT = 4  # counts inside nested shapes are spelled out with one variable per value
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
_PREFIXES = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


@dataclass(frozen=True)
class Check:
    """A query of one shape whose rows are results of that shape."""
    shape: str
    severity: str  # Violation, Warning or Info
    message: str
    path: str | None
    query: str  # projects ?this (the focus node) and, for a SPARQL constraint, its variables
    counts: tuple[str, ...] = ()  # columns giving the number of results of a row; none: one result a row
    template: bool = False  # the message has {?var} placeholders to fill from each row


@dataclass(frozen=True)
class CompiledShapes:
    checks: tuple[Check, ...]  # for data without rdfs:subClassOf triples
    subclass_checks: tuple[Check, ...]  # the same, following rdfs:subClassOf (slower)

    def run(self, quads: list[ox.Quad] | ox.Store) -> list[ValidationResult]:
        """The results over the triples of the quads (or of an in-memory store of them, queried as
        it is), each attributed to the letter of its focus node only (see validate_letters for
        shared concepts)."""
        if isinstance(quads, ox.Store):
            store = quads
        else:
            store = ox.Store()
            store.extend(quads)  # in their graphs: the queries read the union, and count a triple in two graphs once
        checks = self.subclass_checks if next(store.quads_for_pattern(None, _SUBCLASS_OF, None), None) else self.checks
        return [result for check in checks for result in _run(store, check)]


def _run(store: ox.Store, check: Check) -> Iterator[ValidationResult]:
    solutions = store.query(check.query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    for row in solutions:
        focus, message, path = row["this"], check.message, check.path
        if check.template:
            bound = {name: row[name] for name in names if row[name] is not None}
            message = _fill(message, {**bound, "value": focus})  # ?value is refused: the focus node
            path = bound["path"].value if "path" in bound else path
        result = ValidationResult("", focus.value, path, message, check.severity, check.shape)
        for _ in range(sum(int(row[name].value) for name in check.counts) if check.counts else 1):
            yield result


def _fill(message: str, bound: dict[str, ox.Term]) -> str:
    """pyshacl's filling of a SPARQL-based result message: {?name} and {$name} by the value
    of each bound variable, with re.sub as pyshacl does."""
    for name, term in bound.items():
        message = re.sub("{{[?$]{}}}".format(name), term.value, message)
    return message


def validate_letters(quads: list[ox.Quad] | ox.Store) -> list[ValidationResult]:
    """What kg_build.validate.shacl.validate_letters returns, from the compiled queries; the
    quads may come as an in-memory store holding them (a build loads its N-Quads text into one)."""
    return attribute_to_letters(compiled_shapes().run(quads), quads)


@cache
def compiled_shapes() -> CompiledShapes:
    return compile_shapes(shapes_graph())


# --- the compiler ---------------------------------------------------------------------

def compile_shapes(graph: rdflib.Graph) -> CompiledShapes:
    """Every result-producing constraint of the shapes graph as a query; ShapesNotSupported
    names the shape and the feature when the graph uses one this module does not cover."""
    _refuse_global_features(graph)
    return CompiledShapes(_checks(graph, subclasses=False), _checks(graph, subclasses=True))


def _checks(graph: rdflib.Graph, subclasses: bool) -> tuple[Check, ...]:
    compiler = _Compiler(graph, subclasses)
    targeted = {s for target in _TARGETS for s in graph.subjects(target, None)}
    checks = [check for shape in sorted(targeted, key=str) for check in compiler.top_level(shape, compiler.targets(shape))]
    for check in checks:
        _parse(check.query, check.shape)
    return tuple(checks)


def _refuse_global_features(graph: rdflib.Graph) -> None:
    for feature in (SH.ConstraintComponent, SH.SPARQLTarget, SH.JSConstraint):
        if (None, RDF.type, feature) in graph:
            raise ShapesNotSupported(f"the shapes declare a {feature.n3(graph.namespace_manager)}")
    for predicate in (SH.target, SH.rule, SH.entailment):
        if (None, predicate, None) in graph:
            raise ShapesNotSupported(f"the shapes use {predicate.n3(graph.namespace_manager)}")
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape)):
        if (shape, RDF.type, RDFS.Class) in graph or (shape, RDF.type, rdflib.OWL.Class) in graph:
            raise ShapesNotSupported(f"{shape}: a shape that is also a class (implicit class target)")


def _parse(query: str, shape: str) -> None:
    try:
        ox.Store().query(query)
    except SyntaxError as err:  # a bug of this compiler or an unsupported SPARQL constraint
        raise ShapesNotSupported(f"{shape}: the compiled query does not parse: {err}\n{query}") from err


class _Compiler:
    def __init__(self, graph: rdflib.Graph, subclasses: bool) -> None:
        self.g = graph
        # SHACL instances of a class: through rdfs:subClassOf triples of the data, when it has any
        self.instance_of = "rdf:type/rdfs:subClassOf*" if subclasses else "rdf:type"
        self.names = count(1)
        self.stack: list = []  # shapes being compiled, to refuse recursion

    # -- shapes ---------------------------------------------------------------------

    def one(self, shape, predicate):
        values = list(self.g.objects(shape, predicate))
        if len(values) > 1:
            raise ShapesNotSupported(f"{shape}: more than one {predicate.n3(self.g.namespace_manager)}")
        return values[0] if values else None

    def severity(self, shape) -> rdflib.URIRef:
        return self.one(shape, SH.severity) or SH.Violation

    def active(self, shape) -> bool:
        deactivated = self.one(shape, SH.deactivated)
        return not (deactivated is not None and deactivated.toPython() is True)

    def check_predicates(self, shape) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _KNOWN:
                raise ShapesNotSupported(f"{shape}: {predicate.n3(self.g.namespace_manager)} is not supported")
        for predicate in (SH.minCount, SH.maxCount, SH.lessThanOrEquals, SH.qualifiedValueShape):
            if (shape, predicate, None) in self.g and (shape, SH.path, None) not in self.g:
                raise ShapesNotSupported(f"{shape}: {predicate.n3(self.g.namespace_manager)} on a node shape")
        if (shape, SH.path, None) in self.g and (shape, SH.property, None) in self.g:
            raise ShapesNotSupported(f"{shape}: sh:property on a property shape is not supported")
        if (shape, SH.node, None) in self.g:
            # pyshacl reports a failing sh:node with the nested shape's results as sh:detail, which
            # kg_build.validate.shacl reads as results of their own (with generated messages)
            raise ShapesNotSupported(f"{shape}: sh:node is not supported (use sh:property or sh:or)")
        if (shape, SH.qualifiedValueShapesDisjoint, None) in self.g:
            raise ShapesNotSupported(f"{shape}: sh:qualifiedValueShapesDisjoint is not supported")

    def message(self, shape) -> str:
        messages = list(self.g.objects(shape, SH.message))
        if len(messages) != 1:
            raise ShapesNotSupported(f"{shape}: a shape that reports results needs exactly one sh:message "
                                     f"(pyshacl's generated messages are not reproduced)")
        return str(messages[0])

    def path(self, shape) -> str:
        """The shape's sh:path as a SPARQL property path."""
        path = self.one(shape, SH.path)
        return self.sparql_path(shape, path)

    def sparql_path(self, shape, path) -> str:
        if isinstance(path, rdflib.URIRef):
            return f"<{path}>"
        alternatives = self.one(path, SH.alternativePath)
        inverse = self.one(path, SH.inversePath)
        if alternatives is not None:
            return "(" + "|".join(self.sparql_path(shape, p) for p in Collection(self.g, alternatives)) + ")"
        if inverse is not None:
            return "^" + self.sparql_path(shape, inverse)
        raise ShapesNotSupported(f"{shape}: only IRI paths, sh:alternativePath and sh:inversePath are supported")

    def result_path(self, shape) -> str | None:
        path = self.one(shape, SH.path)
        if path is None:
            return None
        return str(path) if isinstance(path, rdflib.URIRef) else self.path(shape)

    def targets(self, shape) -> str:
        """A pattern binding ?this to every focus node of the shape's own targets (maybe more
        than once: every query is DISTINCT or grouped by ?this)."""
        branches = [f"{{ ?this {self.instance_of} {_sparql(c)} }}" for c in self.g.objects(shape, SH.targetClass)]
        branches += [f"{{ ?this {_sparql(p)} [] }}" for p in self.g.objects(shape, SH.targetSubjectsOf)]
        branches += [f"{{ [] {_sparql(p)} ?this }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        branches += [f"{{ VALUES ?this {{ {_sparql(n)} }} }}" for n in self.g.objects(shape, SH.targetNode)]
        return " UNION ".join(branches)

    # -- top level: the queries whose rows are results ----------------------------------

    def top_level(self, shape, focus: str) -> list[Check]:
        """The checks of a shape validated on the focus nodes `focus` binds to ?this."""
        if not self.active(shape):
            return []
        self.check_predicates(shape)
        checks = []
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            checks += self.top_level(prop, focus)
        if (shape, SH.path, None) in self.g:
            queries = self.property_queries(shape, focus)
        else:  # a node shape's own components: each a filter on the focus node
            queries = [(f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} FILTER(!({cond})) }}", ())
                       for cond in self.value_conditions(shape, "?this")]
        if queries or (shape, SH.sparql, None) in self.g:
            severity = str(self.severity(shape)).rsplit("#", 1)[-1]
            message, path = self.message(shape), self.result_path(shape)
            checks += [Check(str(shape), severity, message, path, _PREFIXES + query, counts)
                       for query, counts in queries]
            checks += [self.sparql_check(shape, c, focus, severity, message) for c in self.g.objects(shape, SH.sparql)
                       if self.active(c)]
        return checks

    def property_queries(self, shape, focus: str) -> list[tuple[str, tuple[str, ...]]]:
        """A property shape's components at the top level: one query grouping the values of
        each focus node, with a column per component counting its results there, and one
        query per sh:lessThanOrEquals, a row per result."""
        v = self.var()
        components = self.components(shape, "?this", v)
        queries = [(f"SELECT DISTINCT ?this {rows} WHERE {{ {{ {focus} }} {pattern} }}", ())
                   for _, _, (rows, pattern) in (c for c in components if c[2])]
        counts = [count for _, count, _ in components if count]
        if counts:
            aggregates: dict[str, str] = {}  # an aggregate two components share is computed once
            names = tuple(f"k{i}" for i in range(len(counts)))
            binds = []
            for name, (aggregate, result) in zip(names, counts):
                alias = aggregates.setdefault(aggregate, f"?a{len(aggregates)}")
                binds.append(f"BIND({result.format(alias)} AS ?{name})")
            columns = " ".join(f"({aggregate} AS {alias})" for aggregate, alias in aggregates.items())
            grouped = (f"SELECT ?this {columns} WHERE {{ {{ {focus} }} OPTIONAL {{ ?this {self.path(shape)} {v} }} }} "
                       f"GROUP BY ?this")
            failing = " || ".join(f"?{name} > 0" for name in names)
            query = f"SELECT ?this {' '.join('?' + n for n in names)} WHERE {{ {{ {grouped} }} {' '.join(binds)} FILTER({failing}) }}"
            queries.insert(0, (query, names))
        return queries

    def components(self, shape, focus: str, v: str) -> list[tuple[str, tuple[str, str] | None, tuple[str, str] | None]]:
        """A property shape's components as (failed, count, rows): `failed` is an expression
        true when the component fails on `focus` (for a nested shape); at the top level,
        either `count` is (aggregate over the values `v` of `focus`, expression of it, as {},
        giving the component's number of results there) or `rows` is (variables, pattern)
        with one solution per result."""
        path, out = self.path(shape), []
        nothing = "?unbound"  # never bound: IF(..., v, ?unbound) leaves the value out of a count
        values = f"COUNT(DISTINCT {v})"

        def over_values(test: str) -> str:
            return f"COUNT(DISTINCT IF({test}, {v}, {nothing}))"

        for cond in self.value_conditions(shape, v):
            out.append((f"EXISTS {{ {focus} {path} {v} FILTER(!({cond})) }}", (over_values(f"!({cond})"), "{}"), None))
        out += self.count_bounds(focus, path, self.one(shape, SH.minCount), self.one(shape, SH.maxCount), values)
        for value in self.g.objects(shape, SH.hasValue):
            out.append((f"NOT EXISTS {{ {focus} {path} {_sparql(value)} }}",
                        (over_values(f"sameTerm({v}, {_sparql(value)})"), "IF({} = 0, 1, 0)"), None))
        for other in self.g.objects(shape, SH.lessThanOrEquals):
            w, c = self.var(), self.var()
            rows = f"{focus} {path} {w} . {focus} {_sparql(other)} {c} FILTER(!({_less_or_equal(w, c)}))"
            out.append((f"EXISTS {{ {rows} }}", None, (f"{w} {c}", rows)))
        qualified = self.one(shape, SH.qualifiedValueShape)
        if qualified is not None:
            conforms = lambda node: self.conforms(qualified, node)
            out += self.count_bounds(focus, path, self.one(shape, SH.qualifiedMinCount),
                                     self.one(shape, SH.qualifiedMaxCount), over_values(conforms(v)), conforms)
        return out

    def count_bounds(self, focus: str, path: str, low, high, column: str, condition=None) -> list:
        """The checks of a minimum and a maximum count of (conforming) values: an EXISTS test
        and the grouped column that counts them."""
        out = []
        if low is not None and low.toPython() > 0:
            out.append((f"NOT EXISTS {{ {self.distinct_values(focus, path, low.toPython(), condition)} }}",
                        (column, f"IF({{}} < {low.toPython()}, 1, 0)"), None))
        if high is not None:
            out.append((f"EXISTS {{ {self.distinct_values(focus, path, high.toPython() + 1, condition)} }}",
                        (column, f"IF({{}} > {high.toPython()}, 1, 0)"), None))
        return out

    def distinct_values(self, focus: str, path: str, n: int, condition=None) -> str:
        """A pattern with a solution when `focus` has at least n distinct values (meeting
        condition) by path, spelled with n variables."""
        if n > _NESTED_COUNT_LIMIT:
            raise ShapesNotSupported(f"a count above {_NESTED_COUNT_LIMIT - 1} is not supported")
        names = [self.var() for _ in range(n)]
        parts = [f"{focus} {path} {v} ." for v in names]
        tests = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:]]
        tests += [condition(v) for v in names] if condition else []
        return " ".join(parts) + (f" FILTER({' && '.join(tests)})" if tests else "")

    def sparql_check(self, shape, constraint, focus: str, severity: str, message: str) -> Check:
        """A SPARQL constraint run once for all focus nodes: $this must start the first triple
        pattern, so that joining the query with the targets is what pre-binding $this gives."""
        if (shape, SH.path, None) in self.g:
            raise ShapesNotSupported(f"{shape}: sh:sparql on a property shape is not supported")
        own = list(self.g.objects(constraint, SH.message))
        if own:
            raise ShapesNotSupported(f"{shape}: a message on the SPARQL constraint itself is not supported")
        select = str(self.one(constraint, SH.select) or "")
        if not re.match(r"\s*SELECT\s+(DISTINCT\s+)?(\*|[^{]*[?$]this\b)[^{]*WHERE\s*\{\s*\$this\s", select, re.I) \
                or re.search(r"\b(PREFIX|BASE|VALUES|MINUS|SERVICE)\b|[?$](failure|value)\b", select, re.I):
            raise ShapesNotSupported(f"{shape}: the SPARQL constraint must be a SELECT projecting $this, whose "
                                     "first triple pattern starts with $this, without PREFIX, BASE, VALUES, "
                                     "MINUS, SERVICE, ?failure or ?value")
        prefixes = "".join(f"PREFIX {p}: <{n}>\n" for p, n in self.declared_prefixes(constraint))
        query = f"{_PREFIXES}{prefixes}SELECT DISTINCT * WHERE {{ {{ {focus} }} {{ {select} }} }}"
        return Check(str(shape), severity, message, self.result_path(shape), query, template=True)

    def declared_prefixes(self, constraint) -> list[tuple[str, str]]:
        return sorted((str(self.g.value(d, SH.prefix)), str(self.g.value(d, SH.namespace)))
                      for source in self.g.objects(constraint, SH.prefixes) for d in self.g.objects(source, SH.declare))

    # -- nested shapes: conformance as a FILTER expression ------------------------------

    def conforms(self, shape, node: str) -> str:
        """A SPARQL expression true when `node` conforms to the shape (nested semantics)."""
        if not self.active(shape) or self.severity(shape) in (SH.Warning, SH.Info):
            return "true"  # pyshacl with allow_warnings: such a shape never fails its parent
        if shape in self.stack:
            raise ShapesNotSupported(f"{shape}: recursive shapes are not supported")
        self.stack.append(shape)
        self.check_predicates(shape)
        if (shape, SH.sparql, None) in self.g:
            raise ShapesNotSupported(f"{shape}: sh:sparql in a nested shape is not supported")
        if (shape, SH.path, None) in self.g:
            tests = [f"!({failed})" for failed, _, _ in self.components(shape, node, self.var())]
        else:
            tests = self.value_conditions(shape, node) + [self.conforms(p, node) for p in self.g.objects(shape, SH.property)]
        self.stack.pop()
        tests = [t for t in tests if t != "true"]
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def value_conditions(self, shape, v: str) -> list[str]:
        """One expression per value-based component of the shape: true when value v passes."""
        out: list[str] = []
        g = self.g
        for cls in g.objects(shape, SH["class"]):
            out.append(f"EXISTS {{ {v} {self.instance_of} {_sparql(cls)} }}")
        datatype = self.one(shape, SH.datatype)
        if datatype is not None:
            out.append(_datatype_condition(shape, datatype, v))
        kind = self.one(shape, SH.nodeKind)
        if kind is not None:
            if kind not in _NODE_KINDS:
                raise ShapesNotSupported(f"{shape}: unknown sh:nodeKind {kind}")
            out.append(_NODE_KINDS[kind].format(v=v))
        pattern = self.one(shape, SH.pattern)
        if pattern is not None:
            out.append(_pattern_condition(shape, str(pattern), str(self.one(shape, SH.flags) or ""), v))
        for predicate, op in (SH.minLength, ">="), (SH.maxLength, "<="):
            length = self.one(shape, predicate)
            if length is not None and not (predicate == SH.minLength and length.toPython() == 0):
                out.append(f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(length)})")
        members = self.one(shape, SH["in"])
        if members is not None:
            out.append("(" + (" || ".join(f"sameTerm({v}, {_sparql(m)})" for m in Collection(g, members)) or "false") + ")")
        for predicate, op in _RANGES.items():
            for bound in g.objects(shape, predicate):
                out.append(_range_condition(bound, op, v))
        for other in g.objects(shape, SH["not"]):
            out.append(f"!{self.conforms(other, v)}")
        for members in g.objects(shape, SH["or"]):
            out.append("(" + " || ".join(self.conforms(m, v) for m in Collection(g, members)) + ")")
        if (shape, SH.path, None) not in g:
            out += [f"sameTerm({v}, {_sparql(h)})" for h in g.objects(shape, SH.hasValue)]
        return out

    def var(self) -> str:
        return f"?v{next(self.names)}"


def _sparql(term) -> str:
    """An rdflib term of the shapes graph in SPARQL syntax (via Oxigraph's N-Triples form)."""
    if isinstance(term, rdflib.URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string))))
    raise ShapesNotSupported(f"a blank node {term} where an IRI or literal is expected")


def _string_like(v: str) -> str:
    """pyshacl compares as strings the literals whose Python value is a str."""
    return f"(isLiteral({v}) && (datatype({v}) = <{XSD.string}> || lang({v}) != \"\"))"


def _datatype_condition(shape, datatype, v: str) -> str:
    if datatype == RDF.langString:
        return f"(isLiteral({v}) && lang({v}) != \"\")"
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    if datatype not in _CASTABLE:
        raise ShapesNotSupported(f"{shape}: sh:datatype {datatype} is not supported")
    return f"(isLiteral({v}) && datatype({v}) = <{datatype}> && COALESCE(sameTerm(<{datatype}>({v}), {v}), false))"


def _range_condition(bound, op: str, v: str) -> str:
    """pyshacl compares a string bound with strings only and another bound with non-strings
    only; SPARQL's comparison of a number, date or boolean with a string or an IRI is an
    error, which fails the value as pyshacl does."""
    if not isinstance(bound, rdflib.Literal):
        raise ShapesNotSupported(f"a range bound that is not a literal: {bound}")
    if isinstance(bound.value, str):  # a language-tagged value too, by its text
        return f"({_string_like(v)} && STR({v}) {op} {_sparql(rdflib.Literal(str(bound)))})"
    return f"COALESCE({v} {op} {_sparql(bound)}, false)"


def _less_or_equal(v: str, c: str) -> str:
    """pyshacl's sh:lessThanOrEquals: IRIs and strings compare as strings, other literals by
    value; a string against a non-string fails (SPARQL's comparison is then an error)."""
    as_strings = f"(isIRI({v}) || {_string_like(v)}) && (isIRI({c}) || {_string_like(c)}) && STR({v}) <= STR({c})"
    return f"COALESCE({v} <= {c}, {as_strings})"


def _pattern_condition(shape, pattern: str, flags: str, v: str) -> str:
    """sh:pattern as pyshacl applies it (Python's re.search with flags i and m only), in
    Oxigraph's regex syntax: Python's `$` also matches before a final newline."""
    flags = "".join(f for f in "im" if f in flags.lower())
    # Python's $ also matches before a final newline
    translated = pattern if "m" in flags else outside_classes(pattern, "$", "(?:\\n?$)")
    literal = str(ox.Literal(translated))
    probe = f'SELECT (COALESCE(REGEX("", {literal}, "{flags}"), "bad") AS ?ok) {{}}'
    if next(iter(ox.Store().query(probe)))["ok"].value == "bad":
        raise ShapesNotSupported(f"{shape}: sh:pattern {pattern!r} is not valid for Oxigraph's regex engine")
    return f"(!isBlank({v}) && REGEX(STR({v}), {literal}, \"{flags}\"))"
