"""Write PDFs for tests at test time (no binary fixtures are committed).

fpdf2 draws the pages, pypdf encrypts. Every function takes the output path, writes the
file and returns the path.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF

HEADER = "MAXIMUS Federal Services - Independent Medical Review Final Determination"

# characters the core fonts (latin-1) lack, mapped to what a PDF of the letter would show
_TO_LATIN1 = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2022": "-", "\u25cf": "-", "\u2026": "...", "\ufeff": "", "\u200b": "",
    "\u2007": " ", "\u2009": " ", "\u202f": " ", "\t": "    ",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
})


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw: known characters mapped, accents stripped, others '?'."""
    text = text.translate(_TO_LATIN1)
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


class _LetterPDF(FPDF):
    def __init__(self, header_text: str) -> None:
        super().__init__(format="letter")
        self._header_text = header_text
        self.alias_nb_pages()  # "{nb}" is replaced by the page count

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, self._header_text, align="C")
        self.ln(9)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def letter_pdf(text: str, path: Path | str, header: str = HEADER, font_size: float = 10) -> Path:
    """A multi-page PDF of a letter: its lines (re-wrapped to the page width as a word
    processor would), a header line at the top and "Page N of M" at the foot of every page."""
    path = Path(path)
    pdf = _LetterPDF(latin1(header))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=font_size)
    line_height = font_size * 0.5
    for line in latin1(text).replace("\r\n", "\n").replace("\f", "\n").split("\n"):
        line = line.rstrip()
        if line:
            pdf.multi_cell(0, line_height, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(line_height)
    pdf.output(str(path))
    return path


def image_only_pdf(path: Path | str, pages: int = 2) -> Path:
    """A PDF with no text layer, like a scan: only drawn rectangles and lines."""
    path = Path(path)
    pdf = FPDF(format="letter")
    for _ in range(pages):
        pdf.add_page()
        pdf.set_draw_color(40, 40, 40)
        pdf.set_fill_color(200, 200, 200)
        pdf.rect(20, 20, 170, 25, style="DF")
        for i in range(30):
            y = 60 + i * 7
            pdf.line(20, y, 20 + 60 + (i * 37) % 110, y)  # "lines of text" as strokes
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path | str, text: str = "Independent Medical Review letter text.\n" * 20,
                  password: str = "secret") -> Path:
    """A letter PDF encrypted with a user password (cannot be opened without it)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import DependencyError

    path = Path(path)
    plain = path.with_name(path.stem + ".plain.pdf")
    letter_pdf(text, plain)
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    try:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    except DependencyError:  # AES needs `cryptography`; RC4 does not
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)
    plain.unlink()
    return path


def corrupt_pdf(path: Path | str, text: str = "Independent Medical Review letter text.\n" * 40,
                how: str = "garbage") -> Path:
    """A real PDF broken on purpose: `how` = "garbage" overwrites its middle with noise
    (the header and trailer survive), "truncated" keeps only its first 40%."""
    import random

    path = Path(path)
    letter_pdf(text, path)
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) * 2 // 5]
    elif how == "garbage":
        rng = random.Random(1234)
        start, end = len(data) // 5, len(data) * 4 // 5
        data[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
    else:
        raise ValueError(f"unknown corruption {how!r}")
    path.write_bytes(bytes(data))
    return path
