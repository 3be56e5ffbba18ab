"""Building a store: deterministic IRIs, replacement of rebuilt letters, bad letters skipped."""

from __future__ import annotations

import json
import re
import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import SHARED
from kg_build.cli import main
from kg_build.map import record_quads
from kg_build.pipeline import REPORT_NAME, build, extract_file
from kg_build.store import LetterStore

REAL = SHARED / "letters" / "real" / "000_dfff67da9d1ba237.txt"
FORMAT2 = SHARED / "letters" / "illustrative" / "illustrative-format2.txt"


def _canonical(store: LetterStore) -> list[str]:
    """The store's quads with blank nodes (the ontology's OWL axioms) canonically labelled."""
    dataset = ox.Dataset(store.store.quads_for_pattern(None, None, None, None))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in dataset)


def _same_graph(graph: list[str], other: list[str]) -> bool:
    """Whether two canonical datasets are equal. Only builds by one pipeline version can be
    compared: editing a data file of a checkout between two builds changes it."""
    versions = [{v for q in g for v in re.findall(r'#softwareVersion> "([^"]*)"', q)} for g in (graph, other)]
    if versions[0] != versions[1]:
        pytest.skip(f"the pipeline changed between the builds: {versions}")
    return graph == other


def test_mapping_is_deterministic():
    first = record_quads(extract_file(REAL)[0])
    second = record_quads(extract_file(REAL)[0])
    assert first == second and len(first) > 500


def test_a_letters_lines_are_its_quads_split_into_body_vocabulary_and_commit_mark():
    from kg_build.map import record_nquads
    from kg_build.map.iris import VOCABULARY_GRAPH
    from kg_build.pipeline import _serialise_apart
    from kg_build.store.oxigraph_store import COMMIT_MARK

    record = extract_file(FORMAT2)[0]
    lines = record_nquads(record)
    quads = record_quads(record)
    assert [f"{q} .\n" for q in quads] == lines  # the very text Oxigraph writes, one line a quad, each once
    body, vocabulary, mark = (list(ox.parse(part, format=ox.RdfFormat.N_QUADS)) for part in _serialise_apart(lines))
    assert sorted(map(str, body + vocabulary + mark)) == sorted(map(str, quads))
    assert [q.predicate for q in mark] == [COMMIT_MARK]
    assert vocabulary and all(q.graph_name == VOCABULARY_GRAPH for q in vocabulary)
    assert all(q.graph_name != VOCABULARY_GRAPH and q.predicate != COMMIT_MARK for q in body)


def test_building_twice_gives_the_identical_graph(tmp_path):
    a, b = LetterStore(tmp_path / "a"), LetterStore(tmp_path / "b")
    build([SHARED / "letters"], a, validate=False)
    build([SHARED / "letters"], b, validate=False)
    build([SHARED / "letters"], b, validate=False)
    assert _same_graph(_canonical(a), _canonical(b))


def test_a_changed_letter_replaces_its_graph(tmp_path):
    letter = tmp_path / "letter.txt"
    shutil.copyfile(FORMAT2, letter)
    store = LetterStore(tmp_path / "store")
    build([letter], store, validate=False)
    graph = ox.NamedNode("https://w3id.org/imr-kg/graph/letter/CM13-0031175")
    before = store.graph_quads(graph)
    letter.write_text(FORMAT2.read_text().replace("47-year-old", "57-year-old"))
    build([letter], store, validate=False)
    after = store.graph_quads(graph)
    ages = [q.object.value for q in after if q.predicate.value.endswith("#age")]
    assert ages == ["57"]  # the old age is gone, not kept beside the new one
    flags = [q.object.value for q in after if q.predicate.value.endswith("#flagKind")]
    assert flags == ["age_mismatch"] and len(after) > len(before)  # the rationale still says 47


def test_cli_build_skips_bad_letters_and_reports_them(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Grandma's pancakes: mix flour, eggs and milk.\n")
    result = CliRunner().invoke(main, ["build", str(REAL), str(bad), "--store", str(tmp_path / "s"), "--quiet"])
    assert result.exit_code == 3, result.output
    assert f"{bad}: layout: matches no IMR letter layout" in result.stderr
    assert "1 letters loaded (2 disputed items" in result.stderr
    report = [json.loads(line) for line in (tmp_path / "s" / REPORT_NAME).read_text().splitlines()]
    assert report == [{"path": str(bad), "stage": "layout", "reason": report[0]["reason"]}]


def test_cli_build_then_query(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(SHARED / "letters"), "--store", str(tmp_path / "s"), "--quiet"]).exit_code == 0
    result = runner.invoke(main, ["query", "decisions", "--store", str(tmp_path / "s"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 + 4  # header and the four items of the three letters


def test_cli_validate_file_and_store(tmp_path):
    quads = record_quads(extract_file(REAL)[0])
    good, bad = tmp_path / "good.nq", tmp_path / "bad.nq"
    good.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    outcome = "https://w3id.org/imr-kg/ontology#outcome"
    bad.write_bytes(ox.serialize([q for q in quads if q.predicate.value != outcome], format=ox.RdfFormat.N_QUADS))
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(good)]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "Violation" in result.stdout and "#outcome" in result.stdout and "violation(s)" in result.stderr
    assert runner.invoke(main, ["build", str(REAL), "--store", str(tmp_path / "s"), "--quiet"]).exit_code == 0
    result = runner.invoke(main, ["validate", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0 and "0 violation(s)" in result.stderr and "in 1 letter graph(s)" in result.stderr
    assert runner.invoke(main, ["validate"]).exit_code == 2


def test_a_criterion_is_one_iri_across_letters(tmp_path):
    """Two letters stating the same criteria, one in other words, point to the same concepts."""
    second = tmp_path / "second.txt"
    second.write_text(REAL.read_text().replace(
        "It should be an adjunct to other recommended treatments such as exercise.",
        "Massage should be used only as an adjunct to other recommended treatment, such as exercise."))
    concepts = []
    for path in (REAL, second):
        quads = record_quads(extract_file(path)[0])
        concepts.append({q.object.value for q in quads if q.predicate.value.endswith("#assessesCriterion")})
    assert concepts[0] == concepts[1]
    assert "https://w3id.org/imr-kg/vocab/criterion/massage-adjunct-to-exercise" in concepts[0]


# with the bulk loader, the letters' commit marks follow in a transaction of their own
@pytest.mark.parametrize("options, loads", [((), ["bulk_load", "load"]), (("--transactional",), ["load"])])
def test_the_cli_bulk_loads_unless_told_transactional(tmp_path, monkeypatch, options, loads):
    import kg_build.cli as cli

    calls: list[str] = []

    class Counting:  # a pyoxigraph Store, with its two loaders counted
        def __init__(self, store: ox.Store) -> None:
            self.store = store

        def __getattr__(self, name: str):
            return getattr(self.store, name)

        def __len__(self) -> int:
            return len(self.store)

        def bulk_load(self, *args, **kwargs) -> None:
            calls.append("bulk_load")
            self.store.bulk_load(*args, **kwargs)

        def load(self, *args, **kwargs) -> None:
            calls.append("load" if "to_graph" not in kwargs else "ontology")
            self.store.load(*args, **kwargs)

    class Spy(LetterStore):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.store = Counting(self.store)

    monkeypatch.setattr(cli, "LetterStore", Spy)
    result = CliRunner().invoke(main, ["build", str(FORMAT2), "--store", str(tmp_path / "s"), "--jobs", "1",
                                       "--quiet", *options])
    assert result.exit_code == 0, result.output
    assert [call for call in calls if call != "ontology"] == loads


def test_a_dead_worker_stops_the_build_with_one_line(tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    import kg_build.cli as cli

    def dying(*args, **kwargs):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(cli, "build_letters", dying)
    result = CliRunner().invoke(main, ["build", str(FORMAT2), "--store", str(tmp_path / "s"), "--quiet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("build stopped: a worker process died") and len(result.stderr.splitlines()) == 1


def test_a_closed_store_keeps_no_obsolete_write_ahead_log(tmp_path):
    store = LetterStore(tmp_path / "s")
    build([FORMAT2, REAL], store, validate=False)
    store.close()
    logs = [p for p in (tmp_path / "s").iterdir() if re.fullmatch(r"\d+\.log", p.name)]
    assert sum(p.stat().st_size for p in logs) < 64 * 1024, [(p.name, p.stat().st_size) for p in logs]
