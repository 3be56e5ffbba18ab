"""The pipeline version: what must be unchanged for a built letter's graph to still be current.

It is the release (`kg_build.__version__`) plus a digest of everything that decides what a
letter's graph says: the domain data (kg_build/data), the ontology and criteria catalog,
the SHACL shapes, and the Python source of the stages. Each letter's graph records it (as
the extraction's imr:softwareVersion, e.g. "0.1.0+3f9a0c1d2e4b"), so an incremental build
rebuilds every letter after any such change, and only then. The command line and the
query side (kg_build/cli.py, kg_build/use/) cannot change a graph and are left out, so that
editing them does not force a rebuild.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from kg_build import __version__
from kg_build.paths import ONTOLOGY, ROOT, SHAPES

PACKAGE = ROOT / "kg_build"
_NOT_GRAPH_MAKING = (PACKAGE / "cli.py", PACKAGE / "use")


def _inputs() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*.py") if not any(p == q or q in p.parents for q in _NOT_GRAPH_MAKING)]
    files += [p for p in (PACKAGE / "data").rglob("*") if p.is_file()]
    files += list(ONTOLOGY.glob("*.ttl")) + list(SHAPES.glob("*.ttl"))
    return sorted(files)


def pipeline_version(refresh: bool = False) -> str:
    """'<release>+<12 hex digits>': the release and a digest of the files that shape the graph.

    Computed once per process (about 20 ms); refresh=True reads the files again, as a build
    does when it starts, so that a long-lived process sees an upgrade.
    """
    if refresh:
        _digest.cache_clear()
    return f"{__version__}+{_digest()}"


@cache
def _digest() -> str:
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
