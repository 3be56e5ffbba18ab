"""The `imr-kg` command line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click

from kg_build import __version__
from kg_build.errors import LetterError
from kg_build.ingest.read import LIMIT_VARIABLE, MAX_BYTES
from kg_build.pipeline import BuildSummary
from kg_build.pipeline import build as build_letters
from kg_build.pipeline import extract_file, letter_files
from kg_build.store import LetterStore
from kg_build.use.export import FORMATS as EXPORT_FORMATS
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


def _set_letter_limit(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    if value is not None:  # the environment carries it to the worker processes
        os.environ[LIMIT_VARIABLE] = str(value)


letter_limit = click.option(
    "--max-letter-bytes", type=click.IntRange(min=1), envvar=LIMIT_VARIABLE, expose_value=False,
    callback=_set_letter_limit, show_envvar=True,
    help=f"Refuse letter files larger than this many bytes [default: {MAX_BYTES:,}].")


@main.command(epilog=EXIT_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@letter_limit
@click.option("--text", "show_text", is_flag=True, help="Print the normalised letter text that the record's spans point into, instead of the record.")
@click.option("--pretty", is_flag=True, help="Indent the JSON (one record per file, separated by blank lines).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def extract(paths: tuple[Path, ...], show_text: bool, pretty: bool, quiet: bool) -> None:
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
    with _progress("extracting", len(files), quiet or len(files) == 1) as advance:
        for path in files:
            advance()
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
build report imr-kg-build-report.jsonl of the store, or of the N-Quads directory without
a store), 2 for a usage error (also: dask not installed, or its scheduler unreachable), 1
when the build stopped because a worker process died (a rerun builds the rest).
"""


@main.command(epilog=BUILD_EXIT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of the embedded Oxigraph store (created if missing). Needed unless --nquads is given.")
@click.option("--nquads", "nquads_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also (or, without --store, only) write gzip N-Quads shards to this directory: one "
                   "imr-kg-letters-NNNNNN.nq.gz per batch of letters built in this run, and "
                   "imr-kg-ontology.nq.gz; shards of an earlier build there are replaced. Without --store "
                   "every letter is built: a complete export for QLever, Jena TDB2, Virtuoso or GraphDB.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU count",
              help="Worker processes for reading, mapping and validating letters; 1 runs everything in this process.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run the per-letter work on this dask.distributed scheduler (e.g. tcp://host:8786) instead of "
                   "local processes; its workers need imr-kg installed and the letter files at the same paths. "
                   "Needs the 'dask' extra.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(min=1),
              help="Letters per batch: the unit of a worker's task, of validation, of a store write and of a shard.")
@click.option("--force", is_flag=True, help="Rebuild every letter, even those whose file and pipeline are unchanged.")
@click.option("--prune", is_flag=True,
              help="Afterwards remove the store's letter graphs that no file under PATHS gave (deleted or moved "
                   "letters, letters that now fail), so that the store mirrors PATHS.")
@click.option("--no-validate", is_flag=True, help="Load letters without SHACL validation (faster; not recommended).")
@click.option("--bulk-load/--transactional", "bulk_load", default=True, show_default=True,
              help="How the store loads each batch: with Oxigraph's bulk loader (the default: about 3.5x "
                   "faster, and the parent's memory stays small), or in a transaction (--transactional: a "
                   "build killed mid-way leaves every letter whole or absent, for a store others query while "
                   "it is updated). A letter a killed bulk load left half written lacks its commit mark, and "
                   "the next build rebuilds it.")
@letter_limit
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build(paths: tuple[Path, ...], store_dir: Path | None, nquads_dir: Path | None, jobs: int, dask_address: str | None,
          batch_size: int, force: bool, prune: bool, no_validate: bool, bulk_load: bool, quiet: bool) -> None:
    """Build the knowledge graph of the IMR letters under PATHS into a store and/or N-Quads shards.

    Each letter (.txt or .pdf; directories are searched recursively) is extracted, mapped
    to RDF in its own named graph, validated against the SHACL shapes and loaded, in
    batches spread over worker processes (--jobs) or a Dask cluster (--dask).

    The build is incremental: a letter whose file (SHA-256) and pipeline version (imr-kg's
    version and its data, ontology and shapes) are those of its graph in the store is
    skipped; a changed letter replaces its graph. Letters that cannot be read or that
    violate a shape are skipped and reported; the rest of the build goes on. Two files with
    one case number but different content: both are loaded, the second in path order
    flagged duplicate_case_number under its case number and content hash. The summary
    counts letters new, changed, rebuilt, unchanged, skipped, duplicate and pruned.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if store_dir is None and nquads_dir is None:
        raise click.UsageError("give --store DIR, --nquads DIR, or both")
    if prune and store_dir is None:
        raise click.UsageError("--prune needs --store")
    if dask_address:
        _check_dask(dask_address)
    files = sum(1 for _ in letter_files(paths))  # a count for the progress bar: the paths are streamed
    store = LetterStore(store_dir, bulk=bulk_load) if store_dir is not None else None
    columns = [TextColumn("building"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} letters/s"), TimeElapsedColumn()]
    with Progress(*columns, disable=quiet or not sys.stderr.isatty(), transient=True, console=_stderr()) as bar:
        task = bar.add_task("build", total=files, rate="-")

        def advance(n: int) -> None:
            bar.advance(task, n)
            elapsed = bar.tasks[0].elapsed or 0
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:,.0f}" if elapsed else "-")

        try:
            batches = -(-files // batch_size)  # a pool's start-up is wasted on fewer batches than workers
            summary = build_letters(letter_files(paths), store, validate=not no_validate, jobs=min(jobs, batches),
                                    dask=dask_address, batch_size=batch_size, force=force, prune=prune,
                                    nquads=nquads_dir, progress=advance)
        except BrokenProcessPool:  # a worker killed from outside (out of memory, kill -9)
            click.echo("build stopped: a worker process died (out of memory, or killed); the letters loaded so "
                       "far are kept, and a rerun builds the rest", err=True)
            sys.exit(1)
        except OSError as err:  # a scheduler that goes away mid-build
            raise click.UsageError(f"--dask {dask_address}: {err}" if dask_address else str(err)) from None
    for line in summary.skipped + summary.duplicates:
        click.echo(line.line(), err=True)
    click.echo(_build_summary(summary), err=True)
    if store is not None:
        quads = len(store)
        store.close()
        click.echo(f"store {store_dir} holds {quads:,} quads", err=True)
    if nquads_dir is not None:
        click.echo(f"{len(summary.shards):,} N-Quads shard(s) in {nquads_dir}", err=True)
    sys.exit(3 if summary.skipped else 0)


def _build_summary(summary: BuildSummary) -> str:
    reasons = ", ".join(f"{n} at {stage}" for stage, n in sorted(summary.skipped_by_stage().items()))
    return (f"{summary.letters:,} letters loaded ({summary.items:,} disputed items, {summary.quads:,} quads): "
            f"{summary.new:,} new, {summary.changed:,} changed, {summary.rebuilt:,} rebuilt; "
            f"{summary.unchanged:,} unchanged; {len(summary.skipped):,} skipped{f' ({reasons})' if reasons else ''}; "
            f"{len(summary.duplicates):,} duplicate file(s); {summary.pruned:,} pruned; "
            f"{summary.warnings:,} SHACL warnings; {summary.uncoded:,} diagnosis mention(s) with no ICD-10-CM code")


def _check_dask(address: str) -> None:
    """A one-line usage error when dask is missing or its scheduler cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise click.UsageError("--dask needs dask.distributed: pip install 'imr-kg[dask]'") from None
    try:
        Client(address, timeout="10s").close()
    except (OSError, TimeoutError) as err:
        raise click.UsageError(f"--dask {address}: cannot reach the scheduler: {err}") from None


VALIDATE_EXIT = """
Exit status: 0 when there is no violation (warnings allowed), 1 when there is at least one
violation, 2 for a usage error.
"""


@main.command(epilog=VALIDATE_EXIT)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Validate every letter graph of this store.")
@click.option("--batch", "batch_size", default=200, show_default=True, help="Letters validated per pyshacl run.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def validate(file: Path | None, store_dir: Path | None, batch_size: int, quiet: bool) -> None:
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
        with _progress("validating", len(graphs), quiet) as advance:
            for i in range(0, len(graphs), batch_size):
                batch = [q for g in graphs[i:i + batch_size] for q in letter_quads_with_vocabulary(store.store, g)]
                results += validate_letters(batch)
                advance(len(graphs[i:i + batch_size]))
    violations = [r for r in results if r.severity == "Violation"]
    for r in results:
        click.echo(f"{r.letter or '-'}\t{r.severity}\t{r.focus}\t{r.path or '-'}\t{r.message}")
    click.echo(f"{len(violations)} violation(s), {len(results) - len(violations)} warning(s) or note(s)"
               + (f" in {letters} letter graph(s)" if store_dir else ""), err=True)
    sys.exit(1 if violations else 0)


QUERY_EXIT = """
Exit status: 0 when the query ran, 1 when the endpoint could not be reached or refused the
query, 2 for a usage error (unknown query, bad parameter, missing store).
"""


@main.command(epilog=QUERY_EXIT)
@click.argument("query_name", metavar="NAME|PATH.rq")
@click.option("--store", "store_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build`.")
@click.option("--endpoint", metavar="URL",
              help="Instead of a store, a SPARQL 1.1 endpoint (imr-kg serve, Fuseki, GraphDB, QLever...); "
                   "its default graph must be the union of the letter graphs.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A query parameter, bound as a typed RDF term (repeatable). See the query's header.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="table for people; csv, tsv and json (SPARQL 1.1 results formats) for programs.")
@click.option("--quiet", is_flag=True, help="No spinner while waiting for the endpoint.")
def query(query_name: str, store_dir: Path | None, endpoint: str | None, params: tuple[str, ...], fmt: str,
          quiet: bool) -> None:
    """Run a shipped query (NAME, a file in queries/) or your own .rq file on a store or an endpoint.

    Shipped queries: run `imr-kg queries` for the list, with each question, parameters and columns.
    With --endpoint the parameters are bound by VALUES lines of typed RDF terms.
    """
    from kg_build.use.output import write_results
    from kg_build.use.query import QueryError, bound_text, load_query, run

    if (store_dir is None) == (endpoint is None):
        raise click.UsageError("give either --store DIR or --endpoint URL")
    try:
        values = dict(_key_value(p) for p in params)
        q = load_query(query_name)
        if endpoint:
            from kg_build.use.endpoint import EndpointError, run_remote

            text = bound_text(q, values)
            try:
                with _stderr().status(f"querying {endpoint}") if not quiet else contextlib.nullcontext():
                    solutions = run_remote(endpoint, text)
            except EndpointError as err:
                click.echo(str(err), err=True)
                sys.exit(1)
        else:
            store = LetterStore(store_dir, read_only=True)
            solutions = run(store.store, q, values)
    except (QueryError, FileNotFoundError, OSError) as err:
        raise click.UsageError(str(err)) from None
    write_results(solutions, fmt, sys.stdout)


@main.command(epilog="Exit status: 0.")
def queries() -> None:
    """List the shipped queries: the question each answers, its parameters and columns."""
    from kg_build.use.query import shipped_queries

    for q in shipped_queries():
        click.echo(f"{q.name}\n  {q.question}")
        for p in q.parameters:
            flags = ", ".join(f for f, on in (("optional", p.optional), ("one letter: reads only its graphs", p.one_letter)) if on)
            click.echo(f"  --param {p.name}=<{p.type}>{f' ({flags})' if flags else ''}: {p.doc}")
        click.echo(f"  columns: {', '.join(q.columns)}")


SERVE_EXIT = """
Exit status: 0 when stopped with Ctrl-C or SIGTERM, 1 when the server cannot start (the
oxigraph server is missing, the port is taken), 2 for a usage error (no store at DIR).
"""


@main.command(epilog=SERVE_EXIT)
@click.option("--store", "store_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build` (opened read-only).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only; 0.0.0.0 opens it to the network.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1), help="Seconds a query may run.")
@click.option("--max-results", default=100_000, show_default=True, type=click.IntRange(1),
              help="Rows (solutions or triples) a result may have; larger results are refused.")
@click.option("--allow-service", is_flag=True, help="Let queries use SERVICE clauses, which make the server call other hosts.")
@click.option("--quiet", is_flag=True, help="No request log.")
def serve(store_dir: Path, host: str, port: int, timeout: int, max_results: int, allow_service: bool, quiet: bool) -> None:
    """Serve a store as a read-only SPARQL 1.1 endpoint, with a query page.

    The endpoint is /query (SPARQL 1.1 Protocol: GET or POST; JSON, XML, CSV or TSV results by
    the Accept header); its default graph is the union of all graphs. The page at / runs the
    shipped queries and your own, offline. Updates and SERVICE clauses are refused; see the
    README's threat model before opening it to a network.
    """
    from kg_build.use.serve import Limits, ServeError, serve as run_server

    def ready(url: str) -> None:
        click.echo(f"serving {store_dir} at {url} (SPARQL endpoint {url}query); Ctrl-C stops", err=True)

    try:
        LetterStore(store_dir, read_only=True)  # no store at DIR is a usage error, before any server starts
    except (FileNotFoundError, OSError) as err:
        raise click.UsageError(str(err)) from None
    try:
        run_server(store_dir, host, port, Limits(timeout, max_results, allow_service), quiet=quiet, ready=ready)
    except ServeError as err:
        click.echo(str(err), err=True)
        sys.exit(1)


STATS_EXIT = """
Exit status: 0 when the tables were printed, 2 for a usage error (no store at DIR).
"""


@main.command(epilog=STATS_EXIT)
@click.option("--store", "store_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build`.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1), help="Rows of the top-N tables.")
@click.option("--quiet", is_flag=True, help="No spinner while the queries run.")
def stats(store_dir: Path, top: int, quiet: bool) -> None:
    """Print what a store holds as tables: nodes by class, outcomes, top services, guidelines
    and criteria (from the shipped queries), and the letters the last build skipped."""
    from kg_build.use.stats import render, sections

    try:
        store = LetterStore(store_dir, read_only=True)
    except (FileNotFoundError, OSError) as err:
        raise click.UsageError(str(err)) from None
    with _stderr().status("counting") if not quiet else contextlib.nullcontext():
        found = sections(store.store, store_dir, top)
    from rich.console import Console

    render(found, Console(width=max(140, Console().width)))


REPORT_EXIT = """
Exit status: 0 when the report was written, 1 when it cannot be written, 2 for a usage error
(no store at DIR).
"""


@main.command(epilog=REPORT_EXIT)
@click.option("--store", "store_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build`.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def report(store_dir: Path, output: Path, quiet: bool) -> None:
    """Write an offline HTML report: overturn rates by treatment category, guideline topic and
    reviewer specialty, the most decisive criteria and decisions over time, as charts with the
    tables behind them and the shipped queries that produced them. The file is self-contained
    (no scripts, fonts or images from the network)."""
    from kg_build.use.report import PARTS, build_report, render

    try:
        store = LetterStore(store_dir, read_only=True)
    except (FileNotFoundError, OSError) as err:
        raise click.UsageError(str(err)) from None
    with _progress("report", len(PARTS) + 1, quiet) as advance:
        html = render(build_report(store.store, store_dir, lambda name: advance()))
    try:
        output.write_text(html, encoding="utf-8")
    except OSError as err:
        click.echo(f"{output}: cannot write: {err.strerror or err}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


EXPORT_EXIT = """
Exit status: 0 when written, 1 when the output cannot be written, 2 for a usage error (an
unknown format, no store at DIR, an unknown letter or case number).
"""


@main.command(epilog=EXPORT_EXIT)
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build` (opened read-only).")
@click.option("--format", "fmt", required=True, type=click.Choice(EXPORT_FORMATS),
              help="nq, trig: every graph (N-Quads, TriG); ttl: their union as triples; jsonld: compacted with "
                   "ontology/context.jsonld (copied beside the file); graphml (Gephi, Cytoscape, yEd), gexf (Gephi), "
                   "cytoscape (Cytoscape JSON): the property-graph projection (see README); csv: a directory of "
                   "tables (letters, items, diagnoses, citations, assessments, criteria) for pandas and R; html: one "
                   "offline page to explore the graph.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="File to write (for csv: the directory of tables).")
@click.option("--letter", "letters", multiple=True, metavar="ID",
              help="Only this letter (its graph name: case number or sha256-...), with the vocabulary it uses (repeatable).")
@click.option("--case", "cases", multiple=True, metavar="CASE",
              help="Only the letter of this IMR case number, e.g. CM15-0934127 (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
def export(store_dir: Path, fmt: str, output: Path, letters: tuple[str, ...], cases: tuple[str, ...], quiet: bool) -> None:
    """Export a store, or some of its letters, for other tools: RDF (nq, trig, ttl, jsonld),
    property graphs (graphml, gexf, cytoscape), tables (csv) or an interactive page (html).

    Without --letter or --case the whole store is exported (the RDF formats include the
    ontology and the criteria catalog graphs).
    """
    from kg_build.use.export import ExportError, export as write_export, select, steps

    try:
        store = LetterStore(store_dir, read_only=True)
        selection = select(store, letters, cases)
    except (FileNotFoundError, OSError, ExportError) as err:
        raise click.UsageError(str(err)) from None
    try:
        with _progress(f"exporting {fmt} (graphs)", steps(store.store, selection, fmt), quiet) as advance:
            written = write_export(store.store, selection, fmt, output, advance)
    except OSError as err:
        click.echo(f"{output}: cannot write: {err.strerror or err}", err=True)
        sys.exit(1)
    if not quiet:
        what = "the whole store" if selection.whole else f"{len(selection.letters)} letter(s)"
        click.echo(f"wrote {', '.join(map(str, written))} ({what}, {fmt})", err=True)


LINK_EXIT = """
Exit status: 0 when the links were written, 2 for a usage error (also: a store or
terminology file that cannot be read, reported as one line 'FILE: reason').
"""


@main.command(epilog=LINK_EXIT)
@click.option("--terminology", "terminology", required=True, type=click.Path(path_type=Path),
              help="An OBO file (.obo: MONDO, DOID, HPO, MAXO, NCIT), an OWL or SKOS file in RDF/XML (.owl, .rdf, "
                   ".xml) or Turtle (.ttl), or UMLS MRCONSO.RRF; any of them may be gzipped (.gz).")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory of a store made by `imr-kg build`.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def link(terminology: Path, store_dir: Path, quiet: bool) -> None:
    """Link the graph's diagnoses, treatments and drugs to a terminology you supply.

    A diagnosis mention, treatment or drug concept gets a skos:closeMatch to every term of
    the file that has one of its names (label or exact synonym; for MRCONSO, English
    unsuppressed strings, linking the CUI and its SNOMED CT, RxNorm and MeSH codes), compared
    ignoring case and punctuation. The links go into the named graph
    https://w3id.org/imr-kg/graph/terminology/<file name>; linking the same file again
    replaces them. Prints how many concepts of each kind were linked.
    """
    from kg_build.link.terminology import TerminologyError, link_terminology

    try:
        LetterStore(store_dir, read_only=True)  # raises FileNotFoundError unless DIR holds a store
        store = LetterStore(store_dir)
    except OSError as err:
        click.echo(f"{store_dir}: {err}" if str(store_dir) not in str(err) else str(err), err=True)
        sys.exit(2)
    failure = None
    try:
        with _stderr().status(f"linking {terminology.name}", spinner="dots") if not quiet else contextlib.nullcontext():
            report = link_terminology(store.store, terminology).line(terminology)
    except TerminologyError as err:
        failure = str(err)  # exit outside the handler: its traceback would keep the store open
    store.close()
    click.echo(failure or report, err=True)
    sys.exit(2 if failure else 0)


@main.group()
def criteria() -> None:
    """Guideline criteria: find the ones the catalog (ontology/criteria.ttl) does not know yet."""


DISCOVER_EXIT = """
Exit status: 0 (letters that cannot be read are listed on stderr as 'FILE: STAGE: reason'
and left out), 2 for a usage error.
"""


@criteria.command(epilog=DISCOVER_EXIT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--min-count", default=2, show_default=True, help="Show candidates stated at least this often.")
@click.option("--similarity", default=0.6, show_default=True, help="Jaccard similarity (0-1) above which wordings are grouped.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def discover(paths: tuple[Path, ...], min_count: int, similarity: float, fmt: str, quiet: bool) -> None:
    """List the criteria of the letters under PATHS that match no catalog criterion, grouped
    with their near duplicates and ordered by how often reviewers state them: the
    candidates to add to ontology/criteria.ttl."""
    from kg_build.use.discover import group_near_duplicates, uncatalogued

    records = []
    files = list(letter_files(paths))
    with _progress("reading", len(files), quiet) as advance:
        for path in files:
            advance()
            try:
                records.append(extract_file(path, candidates=True)[0])
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


@contextlib.contextmanager
def _progress(label: str, total: int | None, quiet: bool):
    """A progress bar on stderr, gone when done; none with --quiet or when stderr is not a
    terminal (a log file gets no bar). Yields advance(n=1)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, disable=quiet or not sys.stderr.isatty(), transient=True, console=_stderr()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


if __name__ == "__main__":
    main()
