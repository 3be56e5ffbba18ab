"""Read a letter file (.txt in any common encoding, or a PDF's text layer) into raw text.

Pages of a PDF are joined with form feeds so that normalisation can recognise page
headers and footers.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kg_build.errors import LetterError

MAX_BYTES = 20 * 1024 * 1024  # a letter is a few KB (a scanned PDF a few MB); anything this large is not one
LIMIT_VARIABLE = "IMR_KG_MAX_LETTER_BYTES"  # set by `--max-letter-bytes`; inherited by worker processes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters but tab, line feed, form feed and CR


@dataclass(frozen=True)
class RawLetter:
    text: str
    sha256: str
    media_type: str


def max_letter_bytes() -> int:
    """The size limit of a letter file: IMR_KG_MAX_LETTER_BYTES when set, else MAX_BYTES."""
    return int(os.environ.get(LIMIT_VARIABLE) or MAX_BYTES)


def read_letter(path: Path, max_bytes: int | None = None) -> RawLetter:
    """Read one file; raise LetterError with a one-line reason when it is not usable."""
    max_bytes = max_bytes or max_letter_bytes()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LetterError("ingest", f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a letter")
        data = path.read_bytes()
    except OSError as err:
        raise LetterError("ingest", f"cannot read file: {err.strerror or err}") from None
    if not data.strip():
        raise LetterError("ingest", "empty file")
    sha = hashlib.sha256(data).hexdigest()
    if data.lstrip()[:4] == b"%PDF":
        return RawLetter(pdf_text(data), sha, "application/pdf")
    if path.suffix.lower() == ".pdf" and b"\x00" in data[:4096]:
        raise LetterError("ingest", "not a PDF (no %PDF header) and not text")
    return RawLetter(decode_text(data), sha, "text/plain")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1; refuse binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _checked(data.decode("utf-16"))
    for encoding in ("utf-8", "cp1252"):
        try:
            return _checked(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return _checked(data.decode("latin-1"))


def _checked(text: str) -> str:
    sample = text[:4096]
    controls = len(_CONTROL.findall(sample))
    if "\x00" in sample or controls > len(sample) // 100:
        raise LetterError("ingest", "binary data, not text (is it a PDF or image with the wrong extension?)")
    return text


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, pages separated by form feeds.

    pypdf in layout mode: benchmarks/pdf_readers.py measured it as faithful as pdfplumber's
    layout mode and about 17 times faster.
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings are noise for a batch
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LetterError("ingest", "encrypted PDF: needs a password, decrypt it first")
        # layout mode keeps the empty lines between paragraphs that item headings rely on
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except LetterError:
        raise
    except FileNotDecryptedError:
        raise LetterError("ingest", "encrypted PDF: needs a password, decrypt it first") from None
    except Exception as err:  # noqa: BLE001 - pypdf raises many types on broken files
        raise LetterError("ingest", f"corrupt or unreadable PDF ({type(err).__name__}: {_first_line(err)})") from None
    if not pages:
        raise LetterError("ingest", "PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20:
        raise LetterError("ingest", "no text layer: OCR it first")
    return "\f".join(pages)


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [""])[0][:120]
