"""`imr-kg stats` and `imr-kg report` over a small store: the fictional letters of tests/letters,
whose numbers are known from their answer keys (tests/gold), and two unreadable files the
build skips (an empty file and binary noise, made here)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TEST_GOLD, TESTS
from kg_build.cli import main
from kg_build.pipeline import build
from kg_build.store import LetterStore
from kg_build.use.report import Part, Report, bar_chart, render
from kg_build.use.stats import sections

GOLD = [json.loads(p.read_text()) for p in TEST_GOLD]
ITEMS = [item for key in GOLD for item in key["items"]]
OUTCOMES = Counter(item["outcome"] for item in ITEMS)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    bad = tmp_path_factory.mktemp("bad")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "noise.txt").write_bytes(bytes(range(256)) * 8)
    directory = tmp_path_factory.mktemp("stats-store")
    store = LetterStore(directory)
    summary = build([TESTS / "letters", bad], store, validate=False)
    assert summary.letters == len(GOLD) and len(summary.skipped) == 2
    store.close()
    return directory


@pytest.fixture(scope="module")
def report_html(store_dir, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(main, ["report", "--store", str(store_dir), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


# --- stats ----------------------------------------------------------------------------------

def test_stats_sections_count_what_the_answer_keys_say(store_dir):
    found = {s.title.split(" (")[0]: s for s in sections(LetterStore(store_dir, read_only=True).store, store_dir, top=5)}
    classes = dict(found["Nodes by class"].rows)
    assert classes["imr:DeterminationLetter"] == len(GOLD)
    assert classes["imr:DisputedItem"] == classes["imr:Decision"] == len(ITEMS)
    (outcomes,) = found["Outcomes of the disputed items"].rows
    assert outcomes[:4] == [len(ITEMS), OUTCOMES["upheld"], OUTCOMES["overturned"], OUTCOMES["partially_overturned"]]
    assert outcomes[4] == round((OUTCOMES["overturned"] + OUTCOMES["partially_overturned"]) / len(ITEMS), 3)
    services = found["Top 5 requested services"].rows
    assert len(services) == 5 and services[0][0] == "physical therapy"
    assert [r[2] for r in services] == sorted((r[2] for r in services), reverse=True)
    assert len(found["Top 5 guidelines cited by the IMRO reviewer"].rows) == 5
    assert len(found["Top 5 criteria applied"].rows) == 5
    skipped = found["Letters skipped by the last build"]
    assert skipped.rows == [["ingest", 2]]
    assert "empty.txt: ingest: empty file" in skipped.note and "noise.txt: ingest:" in skipped.note


def test_stats_command_prints_the_tables(store_dir):
    result = CliRunner().invoke(main, ["stats", "--store", str(store_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    for title in ("Nodes by class", "Outcomes of the disputed items", "Top 10 requested services",
                  "Top 10 guidelines", "Top 10 criteria", "Letters skipped by the last build"):
        assert title in result.stdout
    assert re.search(r"imr:DeterminationLetter\s*│\s*%d\s" % len(GOLD), result.stdout)
    assert "empty.txt: ingest: empty file" in result.stdout


def test_stats_and_report_refuse_a_directory_that_is_not_a_store(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["stats", "--store", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["report", "--store", str(tmp_path), "-o", str(tmp_path / "r.html")]).exit_code == 2
    assert "Exit status" in runner.invoke(main, ["stats", "--help"]).output
    assert "Exit status" in runner.invoke(main, ["report", "--help"]).output


# --- report ---------------------------------------------------------------------------------

class _Assets(HTMLParser):
    """Every URL the page would load: script src, link href, img src, and any other src."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.tags: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            if name == "src" or (tag == "link" and name == "href"):
                self.loads.append(value or "")


def test_the_report_is_self_contained(report_html):
    parser = _Assets()
    parser.feed(report_html)
    assert parser.loads == []  # nothing to load at all, from the network or elsewhere
    assert parser.tags["script"] == 0 and parser.tags["svg"] >= 6
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", report_html)
    assert "@import" not in report_html and "url(" not in report_html


def test_the_report_has_its_charts_tables_and_queries(report_html):
    for name in ("outcomes_by_category", "outcomes_by_guideline_topic", "reviewer_specialty_outcomes",
                 "criterion_outcomes", "decisions_by_month"):
        assert f'<section id="{name}">' in report_html
        query = (Path(__file__).parent.parent / "queries" / f"{name}.rq").read_text()
        assert _escaped(query.splitlines()[-1]) in report_html  # the query's text, escaped
    for title in ("Treatment category", "Guideline topic", "Reviewer specialty", "Most decisive criteria", "Decisions over time"):
        assert f"<h2>{title}</h2>" in report_html
    overview = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", report_html))
    assert overview["letters"] == str(len(GOLD)) and overview["disputed items"] == str(len(ITEMS))
    assert overview["partially overturned"] == str(OUTCOMES["partially_overturned"])
    assert overview["letters skipped by the build"] == "2"
    # the table behind the category chart: injections, 2 items both overturned (the answer keys)
    injections = Counter(i["outcome"] for i in ITEMS if i.get("category") == "injections")
    row = re.search(r"<tr><td>injections</td>(.*?)</tr>", report_html).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[:4] == [str(sum(injections.values())), str(injections["upheld"]), str(injections["overturned"]),
                         str(injections["partially_overturned"])]
    # each chart is well-formed SVG
    for svg in re.findall(r"<svg .*?</svg>", report_html, re.DOTALL):
        ET.fromstring(svg)


def _escaped(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def test_text_from_letters_is_escaped():
    chart = bar_chart([HOSTILE], [("overturn rate", [0.5])], [HOSTILE], HOSTILE)
    part = Part(HOSTILE, "q", HOSTILE, HOSTILE, ["c"], [[HOSTILE]], [chart], HOSTILE)
    html = render(Report(HOSTILE, "now", "0", [(HOSTILE, HOSTILE)], [part], [HOSTILE]))
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    ET.fromstring(re.search(r"<svg .*?</svg>", html, re.DOTALL).group())


def test_report_write_errors_are_one_line_with_exit_status_1(store_dir, tmp_path):
    result = CliRunner().invoke(main, ["report", "--store", str(store_dir), "-o", str(tmp_path / "no" / "r.html"), "--quiet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().endswith("No such file or directory") and len(result.stderr.strip().splitlines()) == 1
