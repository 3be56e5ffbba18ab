"""Extraction scores on a generated corpus (benchmarks/make_corpus.py), per field and overall.

    python3 benchmarks/score_corpus.py --corpus DIR [--sample N] [--examples K]

Extracts an evenly spaced sample of the corpus's letters with kg_build.pipeline.extract_file
(what `imr-kg extract` runs) and scores each record against its answer key with the shared
scorer (../shared/tools/score_extraction.py, imported by path). Prints, per field, the
checks passed and the accuracy, worst first, with K failing examples each (expected / got);
then the overall score (checks passed / checks), the mean per-letter score and the share of
letters that score 100%.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED  # noqa: E402

from kg_build.errors import LetterError  # noqa: E402
from kg_build.pipeline import extract_file  # noqa: E402

SCORER_PATH = SHARED / "tools" / "score_extraction.py"
_QUOTED = re.compile(r"""\s*(?:'[^']*'|"[^"]*")""")
_ITEM = re.compile(r"^item \d+")


def load_scorer():
    """The shared scorer as a module (it is a script, not an installed package)."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def field_of(check: str) -> str:
    """A check's field, without item numbers and quoted values: 'item 2 criterion 'adjunct'.status'
    -> 'item criterion.status'."""
    return _QUOTED.sub("", _ITEM.sub("item", check)).strip()


@dataclass
class Tally:
    passed: int = 0
    total: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class CorpusScore:
    fields: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    letters: list[tuple[str, int, int]] = field(default_factory=list)  # name, passed, total
    unread: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.fields.values())

    @property
    def total(self) -> int:
        return sum(t.total for t in self.fields.values())

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


def letter_for(gold: Path) -> Path | None:
    name = gold.name.removesuffix(".gold.json")
    for suffix in (".txt", ".pdf"):
        path = gold.parent.parent / "letters" / (name + suffix)
        if path.is_file():
            return path
    return None


def sample(corpus: Path, n: int) -> list[Path]:
    """n answer keys spread evenly over the corpus (deterministic)."""
    golds = sorted((corpus / "gold").glob("*.gold.json"))
    if n >= len(golds):
        return golds
    step = len(golds) / n
    return [golds[int(i * step)] for i in range(n)]


def score_corpus(golds: list[Path], examples: int = 3) -> CorpusScore:
    scorer = load_scorer()
    result = CorpusScore()

    class Recording(scorer.Score):
        def check(self, name, ok, expected=None, got=None):
            super().check(name, ok, expected, got)
            tally = result.fields[field_of(name)]
            tally.total += 1
            tally.passed += bool(ok)
            if not ok and len(tally.examples) < examples:
                tally.examples.append(f"{self.letter}: {name}: expected {expected!r}, got {got!r}")

    for gold_path in golds:
        letter = letter_for(gold_path)
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        s = Recording(quiet=True)
        s.letter = gold_path.name.removesuffix(".gold.json")
        try:
            record, _ = extract_file(letter) if letter else ({}, "")
        except LetterError as err:
            result.unread.append(f"{s.letter}: {err.stage}: {err.reason}")
            record = {}
        scorer.score(record, gold, s)
        result.letters.append((s.letter, s.passed, s.total))
    return result


def print_report(result: CorpusScore, show_examples: bool = True) -> None:
    print(f"{'field':<44} {'passed':>8} {'checks':>7} {'accuracy':>9}")
    print("-" * 71)
    for name, t in sorted(result.fields.items(), key=lambda kv: (kv[1].passed / kv[1].total, kv[0])):
        print(f"{name:<44} {t.passed:>8} {t.total:>7} {100 * t.passed / t.total:>8.1f}%")
        if show_examples and t.passed < t.total:
            for example in t.examples:
                print(f"      e.g. {example[:220]}")
    print("-" * 71)
    per_letter = [p / t for _, p, t in result.letters if t]
    perfect = sum(p == t for _, p, t in result.letters)
    print(f"letters scored: {len(result.letters)} (unreadable: {len(result.unread)})")
    for line in result.unread[:10]:
        print(f"  unreadable {line}")
    print(f"mean per-letter score: {100 * sum(per_letter) / max(1, len(per_letter)):.1f}%; "
          f"letters at 100%: {perfect} of {len(result.letters)}")
    print(f"overall score: {result.passed}/{result.total} checks ({100 * result.accuracy:.1f}%)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a folder written by make_corpus.py")
    parser.add_argument("--sample", type=int, default=200, help="letters to score, spread over the corpus (default 200)")
    parser.add_argument("--examples", type=int, default=3, help="failing examples shown per field (default 3; 0: none)")
    args = parser.parse_args()
    golds = sample(args.corpus, args.sample)
    if not golds:
        print(f"score_corpus.py: {args.corpus}/gold holds no answer keys (run make_corpus.py first)", file=sys.stderr)
        return 2
    result = score_corpus(golds, args.examples)
    print(f"{len(golds)} letters of {args.corpus}, scored with {SCORER_PATH}")
    print_report(result, args.examples > 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
