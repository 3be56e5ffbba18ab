"""The `imr-kg` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import click

from kg_build import __version__
from kg_build.errors import LetterError
from kg_build.pipeline import extract_file

LETTER_SUFFIXES = (".txt", ".pdf")
EXIT_HELP = """
Exit status: 0 when every letter was read, 1 when at least one letter could not be read
(each such letter is reported on stderr as 'FILE: reason' and the others are still
processed), 2 for a usage error.
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
    files = list(_letter_files(paths))
    if not files:
        click.echo("no .txt or .pdf letters found in " + ", ".join(map(str, paths)), err=True)
        sys.exit(1)
    for path in files:
        try:
            record, text = extract_file(path)
        except LetterError as err:
            failed += 1
            click.echo(f"{path}: {err.reason}", err=True)
            continue
        if show_text:
            if len(files) > 1:
                click.echo(f"==> {path} <==")
            click.echo(text, nl=False)
        else:
            click.echo(json.dumps(record, indent=1 if pretty else None, ensure_ascii=False))
    sys.exit(1 if failed else 0)


def _letter_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in LETTER_SUFFIXES and p.is_file())
        else:
            yield path


if __name__ == "__main__":
    main()
