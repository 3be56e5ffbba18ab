"""The `imr-kg` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg_build import __version__
from kg_build.errors import LetterError
from kg_build.pipeline import build as build_letters
from kg_build.pipeline import extract_file, letter_files
from kg_build.store import LetterStore
EXIT_HELP = """
Exit status: 0 when every letter was read, 3 when at least one letter could not be read
(each such letter is reported on stderr as 'FILE: STAGE: reason' and the others are still
processed), 2 for a usage error (including no letters found).
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="imr-kg")
def main() -> None:
    """Build a knowledge graph from California workers' compensation IMR letters.

    IMR (Independent Medical Review) final determination letters decide whether a
    disputed treatment is medically necessary. imr-kg reads them (text or PDF) into
    structured records and, from those, a queryable graph.
    """


@main.command(epilog=EXIT_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--text", "show_text", is_flag=True, help="Print the normalised letter text that the record's spans point into, instead of the record.")
@click.option("--pretty", is_flag=True, help="Indent the JSON (one record per file, separated by blank lines).")
def extract(paths: tuple[Path, ...], show_text: bool, pretty: bool) -> None:
    """Read IMR letters and print one extraction record per letter as JSON.

    PATHS are letter files (.txt in UTF-8, UTF-8 with BOM, Windows-1252 or Latin-1; or .pdf
    with a text layer) or directories, searched recursively for .txt and .pdf files. With
    several letters the output is JSON Lines, one record a line. The record follows
    letter-record.schema.json: case header, reviewer, worker, injury, diagnoses, prior
    treatments, findings, disputed items with outcome, guideline citations, rationale and
    criteria, and quality flags.
    """
    failed = 0
    files = list(letter_files(paths))
    if not files:
        click.echo("no .txt or .pdf letters found in " + ", ".join(map(str, paths)), err=True)
        sys.exit(2)
    for path in files:
        try:
            record, text = extract_file(path)
        except LetterError as err:
            failed += 1
            click.echo(f"{path}: {err.stage}: {err.reason}", err=True)
            continue
        if show_text:
            if len(files) > 1:
                click.echo(f"==> {path} <==")
            click.echo(text, nl=False)
        else:
            click.echo(json.dumps(record, indent=1 if pretty else None, ensure_ascii=False))
    sys.exit(3 if failed else 0)


BUILD_EXIT = """
Exit status: 0 when every letter was loaded, 3 when some letters were skipped (the others
are loaded; each skipped letter is listed as 'FILE: STAGE: reason' and recorded in the
store's imr-kg-build-report.jsonl), 2 for a usage error.
"""


@main.command(epilog=BUILD_EXIT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory of the embedded Oxigraph store (created if missing).")
@click.option("--no-validate", is_flag=True, help="Load letters without SHACL validation (faster; not recommended).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build(paths: tuple[Path, ...], store_dir: Path, no_validate: bool, quiet: bool) -> None:
    """Build the knowledge graph of the IMR letters under PATHS into a store.

    Each letter (.txt or .pdf; directories are searched recursively) is extracted, mapped
    to RDF in its own named graph, validated against the SHACL shapes and loaded. A letter
    built again replaces its graph. Letters that cannot be read or that violate a shape are
    skipped and reported; the rest of the build goes on.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    files = list(letter_files(paths))
    store = LetterStore(store_dir)
    columns = [TextColumn("building"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} letters/s"), TimeElapsedColumn()]
    with Progress(*columns, disable=quiet, transient=True, console=_stderr()) as bar:
        task = bar.add_task("build", total=len(files), rate="-")

        def advance(n: int) -> None:
            bar.advance(task, n)
            elapsed = bar.tasks[0].elapsed or 0
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:,.0f}" if elapsed else "-")

        summary = build_letters(files, store, validate=not no_validate, progress=advance)
    quads = len(store)
    store.close()
    for skipped in summary.skipped:
        click.echo(skipped.line(), err=True)
    reasons = ", ".join(f"{n} at {stage}" for stage, n in sorted(summary.skipped_by_stage().items()))
    click.echo(f"{summary.letters:,} letters loaded ({summary.items:,} disputed items, {summary.quads:,} quads); "
               f"{len(summary.skipped):,} skipped{f' ({reasons})' if reasons else ''}; "
               f"{summary.warnings:,} SHACL warnings; store {store_dir} holds {quads:,} quads", err=True)
    sys.exit(3 if summary.skipped else 0)


VALIDATE_EXIT = """
Exit status: 0 when there is no violation (warnings allowed), 1 when there is at least one
violation, 2 for a usage error.
"""


@main.command(epilog=VALIDATE_EXIT)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Validate every letter graph of this store.")
@click.option("--batch", "batch_size", default=200, show_default=True, help="Letters validated per pyshacl run.")
def validate(file: Path | None, store_dir: Path | None, batch_size: int) -> None:
    """Check a store (--store DIR) or an RDF file (.ttl, .trig, .nq) against the SHACL shapes.

    Each letter's graph is validated with the vocabulary concepts it uses. Prints a summary
    and every result: letter, severity, focus node, path and message.
    """
    import pyoxigraph as ox

    from kg_build.validate import letter_quads_with_vocabulary, validate_letters

    if (file is None) == (store_dir is None):
        raise click.UsageError("give either a FILE or --store DIR")
    if file is not None:
        formats = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS, ".nt": ox.RdfFormat.N_TRIPLES}
        if file.suffix not in formats:
            raise click.UsageError(f"{file}: not .ttl, .trig, .nq or .nt")
        try:
            results = validate_letters(list(ox.parse(path=str(file), format=formats[file.suffix])))
        except SyntaxError as err:
            raise click.UsageError(f"{file}: not valid RDF: {err}") from None
        letters = len({r.letter for r in results})
    else:
        store = LetterStore(store_dir, read_only=True)
        graphs = store.letter_graphs()
        letters, results = len(graphs), []
        for i in range(0, len(graphs), batch_size):
            batch = [q for g in graphs[i:i + batch_size] for q in letter_quads_with_vocabulary(store.store, g)]
            results += validate_letters(batch)
    violations = [r for r in results if r.severity == "Violation"]
    for r in results:
        click.echo(f"{r.letter or '-'}\t{r.severity}\t{r.focus}\t{r.path or '-'}\t{r.message}")
    click.echo(f"{len(violations)} violation(s), {len(results) - len(violations)} warning(s) or note(s)"
               + (f" in {letters} letter graph(s)" if store_dir else ""), err=True)
    sys.exit(1 if violations else 0)


@main.command()
@click.argument("query_name", metavar="NAME|PATH.rq")
@click.option("--store", "store_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build`.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A query parameter, bound as a typed RDF term (repeatable). See the query's header.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="table for people; csv, tsv and json (SPARQL 1.1 results formats) for programs.")
def query(query_name: str, store_dir: Path, params: tuple[str, ...], fmt: str) -> None:
    """Run a shipped query (NAME, a file in queries/) or your own .rq file on a store.

    Shipped queries: run `imr-kg queries` for the list, with each question, parameters and columns.
    """
    from kg_build.use.output import write_results
    from kg_build.use.query import QueryError, load_query, run

    try:
        values = dict(_key_value(p) for p in params)
        q = load_query(query_name)
        store = LetterStore(store_dir, read_only=True)
        solutions = run(store.store, q, values)
    except (QueryError, FileNotFoundError, OSError) as err:
        raise click.UsageError(str(err)) from None
    write_results(solutions, fmt, sys.stdout)


@main.command()
def queries() -> None:
    """List the shipped queries: the question each answers, its parameters and columns."""
    from kg_build.use.query import shipped_queries

    for q in shipped_queries():
        click.echo(f"{q.name}\n  {q.question}")
        for p in q.parameters:
            click.echo(f"  --param {p.name}=<{p.type}>{' (optional)' if p.optional else ''}: {p.doc}")
        click.echo(f"  columns: {', '.join(q.columns)}")


@main.group()
def criteria() -> None:
    """Guideline criteria: find the ones the catalog (ontology/criteria.ttl) does not know yet."""


@criteria.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--min-count", default=2, show_default=True, help="Show candidates stated at least this often.")
@click.option("--similarity", default=0.6, show_default=True, help="Jaccard similarity (0-1) above which wordings are grouped.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def discover(paths: tuple[Path, ...], min_count: int, similarity: float, fmt: str) -> None:
    """List the criteria of the letters under PATHS that match no catalog criterion, grouped
    with their near duplicates and ordered by how often reviewers state them: the
    candidates to add to ontology/criteria.ttl."""
    from kg_build.use.discover import group_near_duplicates, uncatalogued

    records = []
    for path in letter_files(paths):
        try:
            records.append(extract_file(path)[0])
        except LetterError as err:
            click.echo(f"{path}: {err.stage}: {err.reason}", err=True)
    groups = [g for g in group_near_duplicates(uncatalogued(records), similarity) if g.count >= min_count]
    rows = [{"count": g.count, "letters": len(g.letters), "criterion": g.wording,
             "topics": "; ".join(t for t, _ in g.topics.most_common(3)), "wordings": len(g.wordings),
             "ids": " ".join(g.ids)} for g in groups]
    _write_rows(rows, fmt)


def _write_rows(rows: list[dict], fmt: str) -> None:
    import csv

    if fmt == "json":
        click.echo(json.dumps(rows, indent=1))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["count"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        from rich.table import Table

        table = Table(*(rows[0] if rows else ["count"]))
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        _stdout().print(table)
        _stdout().print(f"{len(rows)} candidate(s)")


def _stdout():
    from rich.console import Console

    return Console()


def _key_value(text: str) -> tuple[str, str]:
    from kg_build.use.query import QueryError

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise QueryError(f"--param takes KEY=VALUE, not {text!r}")
    return key.strip(), value


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


if __name__ == "__main__":
    main()
