"""`imr-kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a store, and a page to query it.

Oxigraph's own server (`oxigraph serve-read-only`, the PyPI package `oxigraph`) answers the
queries, in a child process bound to a private loopback port. This thin front exists for what
that server's options cannot do:

- it serves the offline query page at `/` (Oxigraph's own page loads YASGUI from a CDN);
- it refuses SERVICE clauses unless --allow-service (Oxigraph follows them to any host): a
  query that mentions "service" at all is parsed with rdflib's SPARQL parser to find out;
- it answers updates with a clear 403 (Oxigraph, read-only, already rejects them as queries);
- it caps the rows of a result (Oxigraph has no such option): it asks Oxigraph for SPARQL JSON
  (or N-Triples for CONSTRUCT/DESCRIBE), counts while it reads, stops at --max-results, then
  writes the format the client negotiated (JSON, XML, CSV or TSV; Turtle, N-Triples, RDF/XML);
- it enforces the time limit itself: Oxigraph's --timeout-s cancels a query only when the
  evaluator next checks, sometimes many seconds late, and after the 200 status has gone out,
  so a cancelled query would reach the client as a truncated 200 body. Strict parsing of the
  upstream stream turns that into an error instead.
"""

from __future__ import annotations

import functools
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from kg_build.use.query import QueryError, bound_text, load_query, shipped_queries

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
         "/style.css": ("style.css", "text/css; charset=utf-8")}
MAX_BODY = 1_000_000  # bytes of a request body
MAX_QUERY_CHARS = 50_000  # rdflib's parser slows down on very long texts; shipped queries are under 8,000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READ_ONLY = "updates are refused: this endpoint is read-only"
# the page and its script may load nothing but themselves
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}
_SOLUTIONS_DEFAULT, _GRAPH_DEFAULT = "application/sparql-results+json", "text/turtle"
_UPSTREAM_SOLUTIONS = ox.QueryResultsFormat.JSON
_UPSTREAM_GRAPH = ox.RdfFormat.N_TRIPLES
# Oxigraph answers SELECT and ASK in the first, CONSTRUCT and DESCRIBE in the second
_UPSTREAM_ACCEPT = f"{_UPSTREAM_SOLUTIONS.media_type}, {_UPSTREAM_GRAPH.media_type}"


class ServeError(Exception):
    """The server cannot start (no oxigraph executable, port taken, store unreadable)."""


class Refused(Exception):
    """A request the endpoint answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    timeout: int  # seconds a query may run
    max_results: int  # rows (solutions or triples) a result may have
    allow_service: bool  # forward queries with SERVICE clauses (Oxigraph then calls other hosts)


# --- checking a query ---------------------------------------------------------------------

def check_query(text: str, allow_service: bool) -> None:
    """Refused for an over-long query, or one with a SERVICE clause unless allowed.

    The keyword can only be there if its letters are (SPARQL keywords ignore case and may be
    written with \\u escapes, which are expanded first), so only a query that mentions
    "service" at all, even as a variable or in a comment, is parsed with rdflib to find out.
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    if len(text) > MAX_QUERY_CHARS:
        raise Refused(413, f"query longer than {MAX_QUERY_CHARS:,} characters")
    if allow_service or "service" not in expandUnicodeEscapes(text).lower():
        return
    if "ServiceGraphPattern" in _rule_names(text):
        raise Refused(403, "SERVICE clauses are refused (the server was not started with --allow-service)")


@functools.lru_cache(maxsize=256)
def _rule_names(text: str) -> frozenset[str]:
    """The grammar rules of a query's parse tree (rdflib's SPARQL 1.1 parser; the page and
    scripts send the same texts again and again, and parsing takes a good fraction of a second)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return frozenset(_node_names(parseQuery(text)))
    except ParseException as err:
        raise update_refusal(text) or Refused(400, f"SPARQL syntax error: {err}") from None


def update_refusal(text: str) -> Refused | None:
    """A 403 when the text is a SPARQL update (Oxigraph rejects it as a syntax error)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except ParseException:
        return None
    return Refused(403, READ_ONLY)


def _node_names(node: object) -> set[str]:
    """The grammar rule names anywhere in rdflib's parse tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            found.add(item.name)
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            stack.extend(item)
    return found


# --- content negotiation ------------------------------------------------------------------

def negotiate(accept: str | None, form: str) -> tuple[str, ox.QueryResultsFormat | ox.RdfFormat]:
    """The media type and format to answer in, from the client's Accept header (q-values honoured)."""
    lookup = ox.RdfFormat.from_media_type if form == "graph" else ox.QueryResultsFormat.from_media_type
    default = _GRAPH_DEFAULT if form == "graph" else _SOLUTIONS_DEFAULT
    offers = []
    for position, part in enumerate((accept or "*/*").split(",")):
        media_type, *params = [p.strip() for p in part.split(";")]
        q = next((_float(p[2:]) for p in params if p.startswith("q=")), 1.0)
        offers.append((-q, position, media_type.lower()))
    for q, _, media_type in sorted(offers):
        if q == 0:
            continue
        if media_type in ("*/*", "application/*", "text/*"):
            return default, lookup(default)
        found = lookup(media_type)
        if found is not None:
            return found.media_type, found
    kinds = "SPARQL JSON, XML, CSV or TSV results" if form == "solutions" else "Turtle, N-Triples or RDF/XML"
    raise Refused(406, f"cannot answer in {accept}: ask for {kinds}")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


# --- forwarding to Oxigraph ---------------------------------------------------------------

class _Recorder:
    """A file-like view of the upstream response that keeps what was read and watches the clock."""

    def __init__(self, response, deadline: float) -> None:
        self.response = response
        self.deadline = deadline
        self.chunks: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise TimeoutError
        data = self.response.read1(size if size and size > 0 else 65536)
        self.chunks.append(data)
        return data

    def data(self) -> bytes:
        return b"".join(self.chunks)


def forward(upstream: str, text: str, params: dict[str, list[str]], limits: Limits) -> tuple[str, bytes]:
    """Run the query on Oxigraph within the limits: its form ('solutions' or 'graph') and the
    result as Oxigraph wrote it (SPARQL JSON, or N-Triples for CONSTRUCT and DESCRIBE)."""
    fields = [("query", text)] + [(k, v) for k in ("default-graph-uri", "named-graph-uri") for v in params.get(k, [])]
    request = urllib.request.Request(upstream, data=urllib.parse.urlencode(fields).encode("utf-8"), method="POST",
                                     headers={"Accept": _UPSTREAM_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
    deadline = time.monotonic() + limits.timeout
    stopped = Refused(503, f"query stopped: it ran longer than the server's time limit of {limits.timeout} s")
    try:
        with urllib.request.urlopen(request, timeout=limits.timeout) as response:
            form = "graph" if response.headers.get_content_type() == _UPSTREAM_GRAPH.media_type else "solutions"
            return form, _read_counted(_Recorder(response, deadline), form, limits.max_results)
    except urllib.error.HTTPError as err:
        message = err.read().decode("utf-8", "replace").strip()[:500]
        raise (update_refusal(text) if err.code == 400 else None) or Refused(
            err.code if 400 <= err.code < 500 else 502, message) from None
    except (TimeoutError, socket.timeout):
        raise stopped from None
    except (SyntaxError, OSError, ValueError) as err:
        # Oxigraph reports a query cancelled by its own timeout inside a 200 stream
        raise (stopped if "cancelled" in str(err) or time.monotonic() > deadline
               else Refused(502, f"the query failed: {err}")) from None


def convert(form: str, data: bytes, out_format: ox.QueryResultsFormat | ox.RdfFormat) -> bytes:
    """Oxigraph's answer in the format the client negotiated."""
    if form == "graph":
        return ox.serialize(ox.parse(data, _UPSTREAM_GRAPH), format=out_format)
    return ox.parse_query_results(data, _UPSTREAM_SOLUTIONS).serialize(format=out_format)


def _read_counted(reader: _Recorder, form: str, max_results: int) -> bytes:
    """Parse the upstream stream strictly, refusing it past max_results rows; the bytes read."""
    rows = ox.parse(reader, _UPSTREAM_GRAPH) if form == "graph" else ox.parse_query_results(reader, _UPSTREAM_SOLUTIONS)
    if not isinstance(rows, ox.QueryBoolean):
        for count, _ in enumerate(rows, 1):
            if count > max_results:
                raise Refused(413, f"the result has more than {max_results:,} rows (the server's --max-results): "
                                   "add a LIMIT, or page with LIMIT and OFFSET")
    while reader.read():
        pass
    return reader.data()


# --- the HTTP front -----------------------------------------------------------------------

def handler_class(upstream: str, limits: Limits, loopback_only: bool, quiet: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.upstream, Handler.limits, Handler.loopback_only, Handler.quiet = upstream, limits, loopback_only, quiet
    return Handler


class _Handler(BaseHTTPRequestHandler):
    server_version = "imr-kg"
    upstream: str
    limits: Limits
    loopback_only: bool
    quiet: bool

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch(self._route_get)

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch(self._route_post)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)

    def _dispatch(self, route: Callable[[], tuple[int, str, bytes]]) -> None:
        try:
            if self.loopback_only and self._host() not in LOOPBACK:
                # a page elsewhere that rebinds its own name to 127.0.0.1 must not read the endpoint
                raise Refused(403, "this server answers requests addressed to localhost only")
            status, media_type, body = route()
        except Refused as err:
            status, media_type, body = err.status, "text/plain; charset=utf-8", (err.message + "\n").encode("utf-8")
        except Exception as err:  # one failed request must not take the connection down without an answer
            self.log_error("internal error: %r", err)
            status, media_type, body = 500, "text/plain; charset=utf-8", f"internal error: {err}\n".encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _host(self) -> str:
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            return host[1:].split("]")[0]
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    def _route_get(self) -> tuple[int, str, bytes]:
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path in PAGES:
            name, media_type = PAGES[url.path]
            return 200, media_type, (STATIC / name).read_bytes()
        if url.path == "/queries":
            return 200, "application/json", json.dumps(_catalogue(), indent=1).encode("utf-8")
        if url.path.startswith("/queries/"):
            return 200, "application/sparql-query; charset=utf-8", _bound(url.path.removeprefix("/queries/"), params).encode("utf-8")
        if url.path == "/query":
            return self._query(_one(params, "query"), params)
        if url.path == "/update":
            raise Refused(403, READ_ONLY)
        if url.path == "/favicon.ico":  # browsers ask for it; there is none
            return 204, "image/x-icon", b""
        raise Refused(404, f"no page {url.path} (the SPARQL endpoint is /query)")

    def _route_post(self) -> tuple[int, str, bytes]:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/update":
            raise Refused(403, READ_ONLY)
        if url.path != "/query":
            raise Refused(404, f"no endpoint {url.path} (the SPARQL endpoint is /query)")
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            raise Refused(411, "a POST needs a Content-Length")
        length = int(length)
        if length > MAX_BODY:
            raise Refused(413, f"request body larger than {MAX_BODY:,} bytes")
        body = self.rfile.read(length).decode("utf-8", "replace")
        params = urllib.parse.parse_qs(url.query)
        content_type = self.headers.get_content_type()
        if content_type == "application/x-www-form-urlencoded":
            params |= urllib.parse.parse_qs(body)
            if "update" in params:
                raise Refused(403, READ_ONLY)
            return self._query(_one(params, "query"), params)
        if content_type == "application/sparql-query":
            return self._query(body, params)
        if content_type == "application/sparql-update":
            raise Refused(403, READ_ONLY)
        raise Refused(415, f"POST a query as application/x-www-form-urlencoded or application/sparql-query, not {content_type}")

    def _query(self, text: str, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
        check_query(text, self.limits.allow_service)
        form, data = forward(self.upstream, text, params, self.limits)
        media_type, out_format = negotiate(self.headers.get("Accept"), form)
        body = convert(form, data, out_format)
        charset = media_type.startswith("text/") and "charset" not in media_type
        return 200, media_type + ("; charset=utf-8" if charset else ""), body


def _one(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name, [])
    if len(values) != 1:
        raise Refused(400, f"give exactly one '{name}' parameter (SPARQL 1.1 Protocol)")
    return values[0]


def _catalogue() -> list[dict]:
    """The shipped queries as the page shows them: header comment, parameters and text."""
    return [{"name": q.name, "question": q.question,
             "header": "\n".join(line for line in q.text.splitlines() if line.startswith("#")),
             "parameters": [{"name": p.name, "type": p.type, "optional": p.optional, "one_letter": p.one_letter, "doc": p.doc}
                            for p in q.parameters],
             "text": q.text} for q in shipped_queries()]


def _bound(name: str, params: dict[str, list[str]]) -> str:
    """A shipped query's text with the given parameters bound by VALUES (as `query --endpoint` does)."""
    if "/" in name or name.endswith(".rq"):
        raise Refused(404, f"no shipped query {name}")
    try:
        return bound_text(load_query(name), {k: v[-1] for k, v in params.items() if v and v[-1] != ""})
    except QueryError as err:
        raise Refused(400 if "no query" not in str(err) else 404, str(err)) from None


# --- running ------------------------------------------------------------------------------

def oxigraph_executable() -> str:
    """The `oxigraph` CLI of this Python environment (installed with imr-kg), else one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the oxigraph server is not installed: pip install 'oxigraph>=0.5,<0.6'")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_oxigraph(store_dir: Path, timeout: int, wait: float = 30) -> tuple[subprocess.Popen, str]:
    """Oxigraph's read-only server over the store on a private loopback port, once it answers."""
    port = free_port()
    log = tempfile.TemporaryFile()
    child = subprocess.Popen(
        [oxigraph_executable(), "serve-read-only", "--location", str(store_dir), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph", "--timeout-s", str(timeout)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    until = time.monotonic() + wait
    while time.monotonic() < until:
        if child.poll() is not None:
            log.seek(0)
            first = (log.read().decode("utf-8", "replace").strip().splitlines() or ["exited"])[-1]
            raise ServeError(f"{store_dir}: the oxigraph server did not start: {first}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child, f"http://127.0.0.1:{port}/query"
        except OSError:
            time.sleep(0.05)
    _stop(child)
    raise ServeError(f"{store_dir}: the oxigraph server did not answer within {wait:.0f} s")


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def serve(store_dir: Path, host: str, port: int, limits: Limits, quiet: bool = False,
          ready: Callable[[str], None] = lambda url: None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); the Oxigraph child goes with the front."""
    child, upstream = start_oxigraph(store_dir, limits.timeout)
    try:
        try:
            server = ThreadingHTTPServer((host, port), handler_class(upstream, limits, host in LOOPBACK, quiet))
        except OSError as err:
            raise ServeError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
        server.daemon_threads = True
        signal.signal(signal.SIGTERM, _interrupt)
        shown = f"[{host}]" if ":" in host else host
        ready(f"http://{shown}:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        _stop(child)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the server the way Ctrl-C does, so the Oxigraph child is stopped too."""
    raise KeyboardInterrupt
