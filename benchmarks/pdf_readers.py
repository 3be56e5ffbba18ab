"""Compare pypdf and pdfplumber on PDFs made from every available letter.

For each letter (.txt) a multi-page PDF is written with tests/pdfs.py (Helvetica, page
header line, "Page N of M" footer); both readers extract its text layer (pages joined by
form feeds, as kg_build.ingest.read.pdf_text does), each in its default and its layout
mode, and are compared on:

- time: median wall time of --runs extractions of the PDF's bytes, both readers in this process;
- fidelity: difflib.SequenceMatcher ratio between the word and line-break tokens of
  normalize(PDF text) and normalize(.txt), 1.0000 = identical normalised text;
- record agreement: the extraction record (normalise, layout, extract, link) of the PDF
  text against that of the .txt: items (service, outcome), diagnoses (name, laterality),
  and the whole record with spans and source left out.

Usage: python3 benchmarks/pdf_readers.py [--runs N]
"""

from __future__ import annotations

import argparse
import difflib
import io
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import diagnoses_key, items_key, letter_files, record_of, short  # noqa: E402

from kg_build.errors import LetterError  # noqa: E402
from kg_build.ingest import normalize  # noqa: E402
from kg_build.ingest.read import decode_text  # noqa: E402
from pdfs import letter_pdf  # noqa: E402  (tests/pdfs.py)


def pypdf_text(data: bytes, layout: bool = False) -> str:
    mode = {"extraction_mode": "layout"} if layout else {}
    return "\f".join(page.extract_text(**mode) or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdfplumber_text(data: bytes, layout: bool = False) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\f".join(page.extract_text(layout=layout) or "" for page in pdf.pages)


# name -> text of a PDF's bytes; "pypdf" is what kg_build.ingest.read.pdf_text does today
READERS = {
    "pypdf": pypdf_text,
    "pypdf-layout": lambda data: pypdf_text(data, layout=True),
    "pdfplumber": pdfplumber_text,
    "plumber-layout": lambda data: pdfplumber_text(data, layout=True),
}
_TOKEN = re.compile(r"\S+|\n+")


def fidelity(want: str, got: str) -> float:
    """SequenceMatcher ratio over tokens (words, and line/paragraph breaks) of two normalised texts."""
    return difflib.SequenceMatcher(None, _TOKEN.findall(want), _TOKEN.findall(got), autojunk=False).ratio()


def _strip(value):
    """A record without spans and source, for a whole-record comparison."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("span", "evidence_span", "source")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _record(raw: str):
    try:
        return record_of(raw)
    except LetterError as err:
        return err


def _timed(fn, data: bytes, runs: int) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        text = fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times), text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="extractions per PDF and reader; the median is reported (default 5)")
    args = parser.parse_args()
    for name in ("pypdf", "pdfminer", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    files = letter_files()
    if not files:
        print("no letters found", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            source_text = decode_text(path.read_bytes())
            pdf = letter_pdf(source_text, Path(tmp) / (path.stem + ".pdf"))
            data = pdf.read_bytes()
            pages = len(PdfReader(io.BytesIO(data)).pages)
            want_text = normalize(source_text)
            want = _record(source_text)
            row = {"letter": short(path), "pages": pages}
            for name, fn in READERS.items():
                fn(data)  # warm-up: imports, caches
                seconds, raw = _timed(fn, data, args.runs)
                got_text = normalize(raw)
                got = _record(raw)
                ok = not isinstance(got, Exception) and not isinstance(want, Exception)
                row[name] = {
                    "ms": seconds * 1000,
                    "fidelity": fidelity(want_text, got_text),
                    "items": ok and items_key(got) == items_key(want),
                    "dx": ok and diagnoses_key(got) == diagnoses_key(want),
                    "record": ok and _strip(got) == _strip(want),
                    "error": got.reason if isinstance(got, Exception) else "",
                }
            rows.append(row)

    names = list(READERS)
    n = len(rows)
    width = max(len(r["letter"]) for r in rows)
    col = 21
    print("per reader: median ms per PDF / fidelity / agreement with the .txt record "
          "(I items, D diagnoses, R whole record; '-' = differs, 'E' = no record)")
    head = f"{'letter':<{width}} pg " + "".join(f"{name:>{col}}" for name in names)
    print(head)
    print("-" * len(head))

    def marks(cell: dict) -> str:
        if cell["error"]:
            return "E  "
        return ("I" if cell["items"] else "-") + ("D" if cell["dx"] else "-") + ("R" if cell["record"] else "-")

    for r in rows:
        cells = "".join(f"{r[name]['ms']:>8.1f} {r[name]['fidelity']:.4f} {marks(r[name])}" for name in names)
        print(f"{r['letter']:<{width}} {r['pages']:>2} {cells}")
    print("-" * len(head))
    summary = {}
    for name in names:
        summary[name] = {
            "ms": statistics.median(r[name]["ms"] for r in rows),
            "ms_total": sum(r[name]["ms"] for r in rows),
            "fidelity": statistics.mean(r[name]["fidelity"] for r in rows),
            "fid_min": min(r[name]["fidelity"] for r in rows),
            "items": sum(r[name]["items"] for r in rows),
            "dx": sum(r[name]["dx"] for r in rows),
            "record": sum(r[name]["record"] for r in rows),
            "errors": sum(bool(r[name]["error"]) for r in rows),
        }
    print(f"{n} letters, {args.runs} timed runs per PDF and reader; fidelity = SequenceMatcher ratio over the "
          "word and line-break tokens of the normalised texts (1 = identical)")
    print(f"{'reader':<15} {'median ms':>9} {'total ms':>9} {'fid mean':>8} {'fid min':>8} "
          f"{'items ok':>8} {'dx ok':>6} {'record ok':>9} {'errors':>6}")
    for name, s_ in summary.items():
        print(f"{name:<15} {s_['ms']:>9.2f} {s_['ms_total']:>9.1f} {s_['fidelity']:>8.4f} {s_['fid_min']:>8.4f} "
              f"{s_['items']:>5}/{n:<2} {s_['dx']:>3}/{n:<2} {s_['record']:>6}/{n:<2} {s_['errors']:>6}")
    for name in names:
        for r in rows:
            if r[name]["error"]:
                print(f"  {name} on {r['letter']}: {r[name]['error']}")

    # best = most records agreeing, then highest fidelity, then fastest
    ranked = sorted(names, key=lambda k: (-summary[k]["record"], -summary[k]["items"], -summary[k]["dx"],
                                          -round(summary[k]["fidelity"], 3), summary[k]["ms"]))
    best, current = ranked[0], summary["pypdf"]
    b = summary[best]
    if best == "pypdf":
        verdict = "keep pypdf (default mode): no reader or mode gives records closer to the .txt, and it is the fastest"
    else:
        lib, _, mode = best.partition("-")
        how = f"{'pypdf' if lib == 'pypdf' else 'pdfplumber'}{' in layout mode' if mode else ''}"
        verdict = (f"use {how}: whole record matches the .txt for {b['record']}/{n} letters (items {b['items']}/{n}) "
                   f"against {current['record']}/{n} (items {current['items']}/{n}) for today's pypdf default mode, "
                   f"at {b['ms']:.1f} ms/PDF vs {current['ms']:.1f}")
        plumber = min(("pdfplumber", "plumber-layout"), key=lambda k: summary[k]["ms"])
        verdict += f"; pdfplumber is {summary[plumber]['ms'] / current['ms']:.0f}x slower than pypdf for no better record"
    print(f"Recommendation: {verdict}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
