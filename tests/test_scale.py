"""Building at scale: worker processes, incremental rebuilds, Dask, N-Quads shards.

The letters are the fictional ones of tests/letters, copied to tmp directories where a test
changes or removes them.
"""

from __future__ import annotations

import hashlib

import gzip
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import TESTS
from kg_build.cli import main
from kg_build.parallel import Ready, ordered
from kg_build.pipeline import REPORT_NAME, BatchOptions, build, build_batch
from kg_build.store import LetterStore
from kg_build.store.oxigraph_store import COMMIT_MARK
from kg_build.version import pipeline_version
from test_build import _canonical, _same_graph

LETTERS = TESTS / "letters"
NORCO = LETTERS / "f1-01-norco-one-item.txt"  # case CM15-0917342
GRAPH = "https://w3id.org/imr-kg/graph/letter/"


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> list[str]:
    """The canonical dataset of tests/letters built in this process, validated."""
    store = LetterStore(tmp_path_factory.mktemp("serial"))
    summary = build([LETTERS], store, batch_size=4)
    assert summary.new == 13 and not summary.skipped
    return _canonical(store)


def _copies(directory: Path, *names: str) -> Path:
    directory.mkdir()
    for name in names:
        shutil.copyfile(LETTERS / name, directory / name)
    return directory


def test_two_worker_processes_build_the_same_graph(tmp_path, serial):
    store = LetterStore(tmp_path / "s")
    summary = build([LETTERS], store, jobs=2, batch_size=4, validate=False)  # all 13 pass the shapes: same graph
    if any("the worker runs pipeline" in s.reason for s in summary.skipped):
        pytest.skip("the pipeline changed during the build")
    assert (summary.new, summary.letters) == (13, 13), [s.line() for s in summary.skipped]
    assert _same_graph(_canonical(store), serial)


def test_an_unchanged_rebuild_reads_no_letter_and_keeps_the_graph(tmp_path):
    store = LetterStore(tmp_path / "s")
    first = build([LETTERS], store, validate=False)
    before = _canonical(store)
    again = build([LETTERS], store, validate=False)
    assert (first.new, again.unchanged, again.letters, again.quads) == (13, 13, 0, 0)
    assert _canonical(store) == before


def test_changed_pruned_forced_and_new_letters_are_counted(tmp_path):
    letters = _copies(tmp_path / "letters", "f1-01-norco-one-item.txt", "f2-02-overturn-two-items.txt",
                      "f3-01-mbb-overturned.txt")
    store = LetterStore(tmp_path / "s")
    assert build([letters], store, validate=False).new == 3
    graphs = store.letter_graphs()
    (letters / "f1-01-norco-one-item.txt").write_text(NORCO.read_text().replace("Norco", "Percocet", 1))
    (letters / "f3-01-mbb-overturned.txt").unlink()
    changed = build([letters], store, validate=False)
    assert (changed.new, changed.changed, changed.unchanged, changed.pruned) == (0, 1, 1, 0)
    assert store.letter_graphs() == graphs  # without --prune the removed letter's graph stays
    pruned = build([letters], store, validate=False, prune=True)
    assert (pruned.unchanged, pruned.pruned, len(store.letter_graphs())) == (2, 1, 2)
    forced = build([letters], store, validate=False, force=True)
    assert (forced.rebuilt, forced.unchanged) == (2, 0)
    shutil.copyfile(LETTERS / "f3-01-mbb-overturned.txt", letters / "f3-01-mbb-overturned.txt")
    assert build([letters], store, validate=False).new == 1


def test_the_changed_letter_replaces_its_graph(tmp_path):
    letters = _copies(tmp_path / "letters", "f1-01-norco-one-item.txt")
    store = LetterStore(tmp_path / "s")
    build([letters], store, validate=False)
    (letters / NORCO.name).write_text(NORCO.read_text().replace("Norco", "Percocet"))
    build([letters], store, validate=False)
    graph = ox.NamedNode(GRAPH + "CM15-0917342")
    quotes = " ".join(q.object.value for q in store.graph_quads(graph) if q.predicate.value.endswith("#exact"))
    assert "Percocet" in quotes and "Norco" not in quotes


def test_two_files_with_one_case_number_are_both_kept_and_the_second_flagged(tmp_path):
    letters = _copies(tmp_path / "letters", "f1-01-norco-one-item.txt")
    (letters / "g-other.txt").write_text(NORCO.read_text().replace("Norco", "Percocet"))  # same case number
    shutil.copyfile(NORCO, letters / "h-same.txt")  # same content
    result = CliRunner().invoke(main, ["build", str(letters), "--store", str(tmp_path / "s"), "--quiet", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert f"{letters / 'h-same.txt'}: duplicate: same content as {letters / NORCO.name}" in result.stderr
    assert "2 letters loaded" in result.stderr and "0 skipped; 1 duplicate file(s)" in result.stderr
    store = LetterStore(tmp_path / "s", read_only=True)
    other = hashlib.sha256((letters / "g-other.txt").read_bytes()).hexdigest()[:8]
    assert [g.value for g in store.letter_graphs()] == [GRAPH + "CM15-0917342", GRAPH + f"CM15-0917342-sha256-{other}"]
    flags = list(store.store.query(
        "SELECT ?g ?kind WHERE { GRAPH ?g { ?f <https://w3id.org/imr-kg/ontology#flagKind> ?kind } }"))
    assert [(r["g"].value, r["kind"].value) for r in flags if r["kind"].value == "duplicate_case_number"] == [
        (GRAPH + f"CM15-0917342-sha256-{other}", "duplicate_case_number")]
    del store
    # rerun: both unchanged
    again = build([letters], LetterStore(tmp_path / "s"), validate=False)
    assert again.unchanged == 2 and not again.skipped and again.letters == 0


def test_a_dask_cluster_builds_the_same_graph(tmp_path, serial):
    distributed = pytest.importorskip("distributed")
    # worker processes, as on a cluster: the batches and their outcomes cross process boundaries
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        store = LetterStore(tmp_path / "s")
        summary = build([LETTERS], store, dask=cluster.scheduler_address, batch_size=4, validate=False)
    assert summary.new == 13 and not summary.skipped
    assert _same_graph(_canonical(store), serial)


def test_nquads_shards_load_into_oxigraph_with_every_quad(tmp_path):
    shards = tmp_path / "nq"
    result = CliRunner().invoke(main, ["build", str(LETTERS), "--store", str(tmp_path / "s"), "--nquads", str(shards),
                                       "--batch-size", "5", "--no-validate", "--quiet", "-j", "1"])
    assert result.exit_code == 0, result.output
    files = sorted(shards.glob("*.nq.gz"))
    assert [f.name for f in files] == ["imr-kg-letters-000001.nq.gz", "imr-kg-letters-000002.nq.gz",
                                       "imr-kg-letters-000003.nq.gz", "imr-kg-ontology.nq.gz"]
    assert not list(shards.glob("*.part"))
    assert gzip.decompress(files[0].read_bytes()).count(b"\n") > 1000  # every gzip member is read
    loaded = tmp_path / "loaded"
    subprocess.run(["oxigraph", "load", "--location", str(loaded), "--file", *map(str, files)],
                   check=True, capture_output=True)
    count = subprocess.run(["oxigraph", "query", "--location", str(loaded), "--results-format", "tsv", "--query",
                            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"],
                           check=True, capture_output=True, text=True).stdout.split()[1]
    assert int(count) == len(LetterStore(tmp_path / "s", read_only=True)) > 10_000


def test_shards_without_a_store_are_a_complete_export(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(NORCO), "--nquads", str(tmp_path / "nq"), "--quiet"]).exit_code == 0
    assert runner.invoke(main, ["build", str(NORCO), "--nquads", str(tmp_path / "nq"), "--quiet"]).exit_code == 0
    assert sorted(f.name for f in (tmp_path / "nq").iterdir()) == [
        REPORT_NAME, "imr-kg-letters-000001.nq.gz", "imr-kg-ontology.nq.gz"]


def test_build_usage_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(NORCO)]).exit_code == 2
    assert runner.invoke(main, ["build", str(NORCO), "--nquads", str(tmp_path), "--prune"]).exit_code == 2
    assert runner.invoke(main, ["build", str(NORCO), "--store", str(tmp_path), "--jobs", "0"]).exit_code == 2


def test_ordered_keeps_order_and_bounds_the_work_in_flight():
    started: list[int] = []

    class Slow:  # a batch that is never done before it is asked for
        def __init__(self, value: int) -> None:
            self.value = value

        def result(self) -> int:
            return self.value

        def done(self) -> bool:
            return False

    def items():
        for n in range(10):
            started.append(n)
            yield Ready(n) if n % 3 == 0 else Slow(n)

    seen = []
    for value in ordered(items(), in_flight=2):
        seen.append(value)
        assert len(started) - len(seen) <= 2 + 1  # two batches queued, and the ready one behind them
    assert seen == list(range(10))


def test_a_letter_without_its_commit_mark_is_rebuilt(tmp_path):
    """As after a build killed between bulk-loading a batch and committing it."""
    store = LetterStore(tmp_path / "s")
    build([NORCO], store, validate=False)
    before = _canonical(store)
    mark = next(store.store.quads_for_pattern(None, COMMIT_MARK, None, None))
    store.store.remove(mark)
    again = build([NORCO], store, validate=False)
    assert (again.rebuilt, again.unchanged) == (1, 0)
    assert _canonical(store) == before


def test_a_validator_failure_loses_only_the_letters_it_fails_on(monkeypatch):
    from kg_build import validate

    real = validate.validate_letters_compiled

    def fragile(quads):
        if any("CM15-0917342" in q.subject.value for q in quads):
            raise RecursionError("deep")
        return real(quads)

    monkeypatch.setattr(validate, "validate_letters_compiled", fragile)
    other = LETTERS / "f2-02-overturn-two-items.txt"
    outcomes = build_batch([str(NORCO), str(other)], BatchOptions(pipeline_version()))
    assert [(o.status, o.stage) for o in outcomes] == [("failed", "validate"), ("built", "")]
    assert outcomes[0].reason == "the validator failed: RecursionError: deep"
