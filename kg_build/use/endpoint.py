"""Run a shipped query against any SPARQL 1.1 Protocol endpoint (`imr-kg query --endpoint`):
its text with parameters bound (kg_build.use.query.bound_text) is POSTed, and the results parsed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox

# An endpoint may answer in either; both parse into the same solutions.
_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_RESULT_FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                   "application/json": ox.QueryResultsFormat.JSON,  # what some endpoints call it
                   "application/sparql-results+xml": ox.QueryResultsFormat.XML}


class EndpointError(Exception):
    """The endpoint could not be reached or refused the query; the message is for a person."""


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
