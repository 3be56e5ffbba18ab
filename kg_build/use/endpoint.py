"""Run a shipped query against any SPARQL 1.1 Protocol endpoint (`imr-kg query --endpoint`).

A remote endpoint has no Oxigraph substitutions, so parameters are bound by a `VALUES ?name
{ term }` line, the way queries/README.md tells people to do it by hand: it goes first in the
WHERE block of each innermost SELECT that projects the variable (the outer query's WHERE when
none does). The term is the typed RDF term of kg_build.use.query.bind, written by pyoxigraph
in N-Triples syntax (quotes, backslashes and newlines escaped; IRIs validated), so a value
cannot close the block or add clauses. The query text is read with a small SPARQL lexer that
skips comments, strings and IRIs, so braces and keywords inside them are never mistaken for
structure.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph as ox

from kg_build.use.query import Query, QueryError, bind

# One token at a time, in the order SPARQL's lexer prefers: comments, long and short strings,
# IRIs, prefixed names, variables, words, then any single character.
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<pname>[A-Za-z][\w.-]*:[^\s{}()\[\],;"'<>]*|:[^\s{}()\[\],;"'<>]*)
      | (?P<var>[?$]\w+)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<space>\s+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
# An endpoint may answer in either; both parse into the same solutions.
_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_RESULT_FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                   "application/json": ox.QueryResultsFormat.JSON,  # what some endpoints call it
                   "application/sparql-results+xml": ox.QueryResultsFormat.XML}


class EndpointError(Exception):
    """The endpoint could not be reached or refused the query; the message is for a person."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup or "other", m.group(), m.start(), m.end())
            for m in _TOKEN.finditer(text) if m.lastgroup not in ("comment", "space")]


@dataclass(frozen=True)
class _Select:
    projected: frozenset[str]  # variables projected as themselves (not `(expr AS ?v)`); '*' for SELECT *
    block_start: int  # character offset just after the WHERE block's `{`
    block_end: int  # character offset of its closing `}`


def _selects(text: str) -> list[_Select]:
    """Every SELECT of the query (outer and subqueries) with its projection and WHERE block."""
    tokens = _tokens(text)
    closing = _matching_braces(tokens)
    found = []
    for i, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "SELECT":
            continue
        projected, depth, j = set(), 0, i + 1
        while j < len(tokens) and not (tokens[j].text == "{" or (tokens[j].kind == "word" and tokens[j].text.upper() == "WHERE")):
            t = tokens[j]
            depth += t.text == "("
            depth -= t.text == ")"
            if depth == 0 and (t.kind == "var" or t.text == "*"):
                projected.add(t.text[1:] if t.kind == "var" else "*")
            j += 1
        while j < len(tokens) and tokens[j].text != "{":
            j += 1
        if j < len(tokens):
            found.append(_Select(frozenset(projected), tokens[j].end, tokens[closing[j]].start))
    return found


def _matching_braces(tokens: list[_Token]) -> dict[int, int]:
    stack: list[int] = []
    pairs = {}
    for i, token in enumerate(tokens):
        if token.text == "{":
            stack.append(i)
        elif token.text == "}":
            if not stack:
                raise QueryError("unbalanced braces in the query")
            pairs[stack.pop()] = i
    if stack:
        raise QueryError("unbalanced braces in the query")
    return pairs


def with_values(text: str, terms: dict[str, ox.Term]) -> str:
    """The query with each parameter bound by a VALUES line in the block(s) where it is projected."""
    selects = _selects(text)
    if not selects:
        raise QueryError("only SELECT queries take parameters")
    inserts: list[tuple[int, str]] = []
    for name, term in terms.items():
        projecting = [s for s in selects if name in s.projected or "*" in s.projected] or selects[:1]
        innermost = [s for s in projecting
                     if not any(o is not s and s.block_start <= o.block_start < s.block_end for o in projecting)]
        inserts += [(s.block_start, f"\n  VALUES ?{name} {{ {term} }}") for s in innermost]
    for at, line in sorted(inserts, reverse=True):
        text = text[:at] + line + text[at:]
    return text


def bound_text(query: Query, values: dict[str, str]) -> str:
    """The text of a shipped query with its parameters bound, ready for any SPARQL 1.1 endpoint."""
    terms = {v.value: t for v, t in bind(query, values).items()}
    return with_values(query.text, terms) if terms else query.text


def run_remote(url: str, text: str, timeout: float = 300) -> ox.QuerySolutions | ox.QueryBoolean:
    """POST the query (SPARQL 1.1 Protocol, form-encoded) and parse the results."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise EndpointError(f"{url}: not an http(s) URL")
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode({"query": text}).encode("utf-8"), method="POST",
        headers={"Accept": _ACCEPT, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            media_type = response.headers.get_content_type()
            body = response.read()
    except urllib.error.HTTPError as err:
        raise EndpointError(f"{url}: HTTP {err.code}: {_message(err.read())}") from None
    except (urllib.error.URLError, OSError) as err:
        raise EndpointError(f"{url}: {getattr(err, 'reason', err)}") from None
    if media_type not in _RESULT_FORMATS:
        raise EndpointError(f"{url}: answered {media_type}, not SPARQL JSON or XML results")
    try:
        return ox.parse_query_results(body, _RESULT_FORMATS[media_type])
    except SyntaxError as err:
        raise EndpointError(f"{url}: unreadable {media_type} results: {err}") from None


def _message(body: bytes) -> str:
    """The first line of an error body (plain text, or the 'error' of a JSON body)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        text = str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        pass
    return (text.splitlines() or ["(no message)"])[0][:300]
