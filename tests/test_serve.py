"""`imr-kg serve` and `imr-kg query --endpoint`: the SPARQL 1.1 Protocol endpoint over a small
store of the fictional letters in tests/letters, its limits (read-only, loopback, SERVICE,
time, result size), content negotiation, the offline page, and parameters bound by VALUES.

Two servers are started once for the module, as real `imr-kg serve` subprocesses on free
ports: the default one, and one with --allow-service.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import ROOT
from kg_build.cli import main
from kg_build.store import LetterStore
from kg_build.use.query import bound_text, load_query, run, shipped_queries, with_values
from kg_build.use.serve import Refused, check_query, negotiate, update_refusal

HOSTILE = 'x" } } DELETE WHERE { ?s ?p ?o } #'
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CLASSES = "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class LIMIT 5"
MAX_RESULTS = 500


@pytest.fixture(scope="module")
def store_dir(letters_store_dir) -> Path:
    return letters_store_dir


def _start(store_dir: Path, *options: str):
    """An `imr-kg serve` subprocess on a free port, and its base URL (read from its first line)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg_build.cli", "serve", "--store", str(store_dir), "--port", "0", "--quiet",
         "--timeout", "2", "--max-results", str(MAX_RESULTS), *options],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    line = process.stderr.readline()
    found = re.search(r"at (http://\S+/) ", line)
    if not found:
        process.kill()
        pytest.fail(f"imr-kg serve did not start: {line}{process.stderr.read()}")
    return process, found.group(1)


def _stop(process) -> None:
    process.terminate()
    assert process.wait(10) == 0


@pytest.fixture(scope="module")
def server(store_dir):
    process, url = _start(store_dir)
    yield url
    _stop(process)


@pytest.fixture(scope="module")
def service_server(store_dir):
    process, url = _start(store_dir, "--allow-service")
    yield url
    _stop(process)


def _post(url: str, data: dict | str, accept: str = "application/sparql-results+json",
          content_type: str = "application/x-www-form-urlencoded", path: str = "query") -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode(data) if isinstance(data, dict) else data
    request = urllib.request.Request(url + path, data=body.encode("utf-8"), method="POST",
                                     headers={"Accept": accept, "Content-Type": content_type})
    return _open(request)


def _get(url: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    return _open(urllib.request.Request(url, headers=headers or {}))


def _open(request) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def _cells(solutions) -> list[tuple]:
    columns = [v.value for v in solutions.variables]
    return [tuple(None if s[c] is None else s[c].value for c in columns) for s in solutions]


# --- the endpoint answers like the store ----------------------------------------------------

@pytest.mark.parametrize("name,params,rows", [("decisions", ["category=injections"], True), ("outcomes_by_category", [], True),
                                              ("overturn_rate_by_year", ["category=pharmaceuticals"], True),
                                              ("decisions", [f"outcome={HOSTILE}"], False)])
def test_query_through_the_endpoint_gives_the_store_result(server, store_dir, name, params, rows):
    runner = CliRunner()
    options = [o for p in params for o in ("--param", p)]
    local = runner.invoke(main, ["query", name, "--store", str(store_dir), "--format", "csv", *options])
    remote = runner.invoke(main, ["query", name, "--endpoint", server + "query", "--format", "csv", "--quiet", *options])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    assert (len(local.stdout.splitlines()) > 1) == rows


def test_every_table_format_through_the_endpoint(server, store_dir):
    runner = CliRunner()
    for fmt in ("json", "tsv", "table"):
        local = runner.invoke(main, ["query", "outcomes_by_category", "--store", str(store_dir), "--format", fmt])
        remote = runner.invoke(main, ["query", "outcomes_by_category", "--endpoint", server + "query", "--format", fmt, "--quiet"])
        assert remote.exit_code == 0 and remote.stdout == local.stdout, fmt


def test_a_hostile_value_matches_nothing_and_changes_nothing(server, store_dir):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = json.loads(_post(server, {"query": count})[2])
    result = CliRunner().invoke(main, ["query", "decisions", "--endpoint", server + "query", "--param", f"category={HOSTILE}",
                                       "--format", "csv", "--quiet"])
    assert result.exit_code == 0 and result.stdout.strip().count("\n") == 0  # the header alone
    assert json.loads(_post(server, {"query": count})[2]) == before


def test_endpoint_errors_are_one_line_with_exit_status_1(store_dir):
    runner = CliRunner()
    result = runner.invoke(main, ["query", "decisions", "--endpoint", f"http://127.0.0.1:{_closed_port()}/query", "--quiet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    both = runner.invoke(main, ["query", "decisions", "--endpoint", "http://127.0.0.1:1/query", "--store", str(store_dir)])
    neither = runner.invoke(main, ["query", "decisions"])
    assert both.exit_code == neither.exit_code == 2


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- binding parameters by VALUES -----------------------------------------------------------

def _parameter_cases(store: ox.Store):
    """(query, parameter, value) for every parameter of every shipped query: values that occur, and hostile ones."""
    for query in shipped_queries():
        for parameter in query.parameters:
            required = {p.name: _node(store) for p in query.parameters if not p.optional and p is not parameter}
            if parameter.optional:
                seen = sorted({s[parameter.name].value for s in run(store, query, required) if s[parameter.name] is not None})
            else:
                seen = [_node(store)]
            values = seen[:1] + (["https://example.org/nothing"] if parameter.type == "iri" else ["nothing", HOSTILE])
            for value in values:
                yield query, {**required, parameter.name: value}


def _node(store: ox.Store) -> str:
    return next(iter(store.query("SELECT ?d WHERE { ?d a <https://w3id.org/imr-kg/ontology#Decision> } ORDER BY ?d LIMIT 1",
                                 use_default_graph_as_union=True)))["d"].value


def test_values_binding_gives_the_rows_of_substitutions_for_every_parameter(store_dir):
    store = LetterStore(store_dir, read_only=True).store
    cases = list(_parameter_cases(store))
    assert len(cases) >= 25
    nonempty = 0
    for query, values in cases:
        expected = _cells(run(store, query, values))
        assert _cells(store.query(bound_text(query, values), use_default_graph_as_union=True)) == expected, (query.name, values)
        nonempty += bool(expected)
    assert nonempty >= 10


def test_values_lines_go_into_the_innermost_select_that_projects_the_parameter():
    text = with_values(load_query("overturn_rate_by_year").text, {"category": ox.Literal(HOSTILE)})
    outer, inner = text.index("SELECT ?year ?category ?letters"), text.index("SELECT ?year ?category (COUNT")
    values = text.index("VALUES ?category")
    assert inner < values and outer < inner and text.count("VALUES ?category") == 1
    # the hostile value is one escaped literal: the query's structure is that of a harmless value
    assert r'VALUES ?category { "x\" } } DELETE WHERE { ?s ?p ?o } #" }' in text
    harmless = with_values(load_query("overturn_rate_by_year").text, {"category": ox.Literal("x")})
    assert _rule_names(text) == _rule_names(harmless)


def _rule_names(text: str) -> set[str]:
    from rdflib.plugins.sparql.parser import parseQuery

    from kg_build.use.serve import _node_names

    return _node_names(parseQuery(text))


# --- read-only, SERVICE, loopback, limits ---------------------------------------------------

def test_updates_are_refused(server):
    update = "DELETE WHERE { ?s ?p ?o }"
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    before = _post(server, count)[2]
    assert _post(server, {"update": update}, path="update")[0] == 403
    assert _post(server, {"update": update})[0] == 403
    assert _post(server, {"query": update})[0] == 403
    status, _, body = _post(server, update, content_type="application/sparql-update")
    assert status == 403 and b"read-only" in body
    assert _post(server, "INSERT DATA { <http://a/s> <http://a/p> 1 }", content_type="application/sparql-query")[0] == 403
    assert _post(server, count)[2] == before and json.loads(before)["results"]["bindings"][0]["n"]["value"] != "0"


def test_service_clauses_are_refused_unless_allowed(server, service_server):
    remote = f"SELECT ?class WHERE {{ SERVICE <{server}query> {{ SELECT DISTINCT ?class WHERE {{ ?s a ?class }} ORDER BY ?class LIMIT 2 }} }}"
    status, _, body = _post(server, {"query": remote})
    assert status == 403 and b"SERVICE" in body
    nested = "SELECT * WHERE { FILTER EXISTS { service silent <http://example.org/sparql> { ?s ?p ?o } } }"
    assert _post(server, {"query": nested})[0] == 403
    status, _, body = _post(service_server, {"query": remote})
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == 2


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { service silent ?endpoint { ?s ?p ?o } } } }",
    "ASK { OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { BIND (EXISTS { SERVICE <http://example.org/> { ?s ?p ?o } } AS ?b) }",
])
def test_service_is_found_wherever_it_hides(text):
    for hidden in (text, text.replace("SERVICE", "SERV\\u0049CE").replace("service", "\\u0073ervice")):
        with pytest.raises(Refused) as refused:
            check_query(hidden, allow_service=False)
        assert refused.value.status == 403
        check_query(hidden, allow_service=True)


def test_words_that_only_look_like_service_or_updates_are_not():
    check_query("PREFIX service: <http://example.org/> SELECT ?service WHERE { ?service service:p ?o } # SERVICE", False)
    check_query('SELECT * WHERE { ?s ?p "SERVICE <http://example.org/> { }" }', False)
    assert update_refusal('SELECT * WHERE { ?s ?p "DELETE WHERE { ?s ?p ?o }" }') is None
    for update in ("INSERT DATA { <http://a/s> <http://a/p> 1 }", "DROP ALL", "LOAD <http://example.org/data.ttl>"):
        assert update_refusal(update).status == 403
    with pytest.raises(Refused) as refused:
        check_query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o }", False)  # unbalanced: not parsed
    assert refused.value.status == 400


def test_bound_to_loopback_by_default(server):
    assert server.startswith("http://127.0.0.1:")
    port = urllib.parse.urlsplit(server).port
    other = _non_loopback_address()
    if other:
        with pytest.raises(OSError):
            socket.create_connection((other, port), timeout=2).close()
    # a page whose name was rebound to 127.0.0.1 cannot read the endpoint
    assert _get(server, {"Host": f"attacker.example:{port}"})[0] == 403
    assert _get(server, {"Host": f"localhost:{port}"})[0] == 200


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP: no packet is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_a_query_past_the_time_limit_is_stopped(server):
    status, _, body = _post(server, {"query": SLOW})
    assert status == 503 and b"time limit of 2 s" in body
    assert _post(server, {"query": CLASSES})[0] == 200  # the server still answers


def test_results_larger_than_the_limit_are_refused(server):
    status, _, body = _post(server, {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert status == 413 and f"more than {MAX_RESULTS}".encode() in body
    status, _, body = _post(server, {"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == MAX_RESULTS
    status, _, _ = _post(server, {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, accept="application/n-triples")
    assert status == 413


# --- the protocol: GET and POST, content negotiation ------------------------------------------

@pytest.mark.parametrize("accept,media_type,fmt", [
    ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ("text/csv", "text/csv", None),
    ("text/html;q=0.9, text/csv;q=0.5, text/tab-separated-values;q=0.7", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_content_negotiation(server, store_dir, accept, media_type, fmt):
    expected = _cells(LetterStore(store_dir, read_only=True).store.query(CLASSES, use_default_graph_as_union=True))
    status, content_type, body = _post(server, {"query": CLASSES}, accept=accept)
    assert status == 200 and content_type.split(";")[0] == media_type
    if fmt is None:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert rows[0] == ["class", "n"] and [tuple(r) for r in rows[1:]] == expected
    else:
        assert _cells(ox.parse_query_results(body, fmt)) == expected


def test_get_post_and_unacceptable_types(server):
    by_get = _get(server + "query?" + urllib.parse.urlencode({"query": CLASSES}), {"Accept": "text/csv"})
    by_post = _post(server, CLASSES, accept="text/csv", content_type="application/sparql-query")
    assert by_get[0] == by_post[0] == 200 and by_get[2] == by_post[2]
    assert _post(server, {"query": CLASSES}, accept="image/png")[0] == 406
    assert _post(server, {"query": "SELECT WHERE"})[0] == 400
    assert _post(server, {"query": "ASK { ?s a ?c }"}, accept="text/csv")[2].strip() == b"true"
    status, content_type, body = _post(server, {"query": "DESCRIBE <https://w3id.org/imr-kg/ontology#Decision>"}, accept="text/turtle")
    assert status == 200 and content_type.startswith("text/turtle") and len(list(ox.parse(body, ox.RdfFormat.TURTLE))) > 1


def test_negotiate_honours_quality_values():
    assert negotiate("text/csv;q=0.2, application/sparql-results+xml", "solutions")[0] == "application/sparql-results+xml"
    assert negotiate(None, "solutions")[0] == "application/sparql-results+json"
    assert negotiate("*/*", "graph")[0] == "text/turtle"
    with pytest.raises(Refused):
        negotiate("text/csv;q=0, image/png", "solutions")


# --- the page ---------------------------------------------------------------------------------

def test_the_page_works_offline(server):
    status, content_type, html = _get(server)
    assert status == 200 and content_type.startswith("text/html")
    page = html.decode("utf-8")
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page)
    assert assets and not [a for a in assets if re.match(r"(https?:)?//", a)]
    for asset in assets:
        assert _get(server + asset)[0] == 200, asset
    script = _get(server + "app.js")[2].decode("utf-8")
    assert "http://" not in script and "https://" not in script and "innerHTML" not in script
    status, _, body = _get(server + "queries")
    listed = {q["name"]: q for q in json.loads(body)}
    assert set(listed) == {q.name for q in shipped_queries()}
    assert listed["decisions"]["header"].startswith("# Question: ") and listed["decisions"]["parameters"]
    assert {p["name"]: p["one_letter"] for p in listed["decisions"]["parameters"]}["letter"] is True


def test_the_page_binds_parameters_like_the_command_line(server):
    status, _, text = _get(server + "queries/decisions?" + urllib.parse.urlencode({"category": HOSTILE}))
    assert status == 200 and text.decode("utf-8") == bound_text(load_query("decisions"), {"category": HOSTILE})
    assert _get(server + "queries/no_such_query")[0] == 404
    assert _get(server + "queries/decisions?nonsense=1")[0] == 400


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, as in test_export.py (.ci/run installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing in CI: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} missing: apt-get install chromium to test the query page")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield chromium
        chromium.close()


def test_a_person_runs_a_shipped_query_on_the_page(server, store_dir, browser):
    page = browser.new_page()  # with the page's Content-Security-Policy in force
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server)
    page.wait_for_selector("#shipped option[value=decisions]", state="attached")
    page.select_option("#shipped", "decisions")
    assert page.inner_text("#header").startswith("# Question: What was decided")
    page.fill("#params input[data-name=category]", "injections")
    page.click("#run")
    page.wait_for_selector("#table tbody tr")
    expected = _cells(run(LetterStore(store_dir, read_only=True).store, load_query("decisions"), {"category": "injections"}))
    assert page.locator("#table tbody tr").count() == len(expected) > 0
    assert page.inner_text("#status") == f"{len(expected)} rows"
    assert problems == [] and all(url.startswith(server) for url in requests)
    page.select_option("#shipped", "")
    page.fill("#text", "DELETE WHERE { ?s ?p ?o }")
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert "read-only" in page.inner_text("#status")
