"""Where the project's non-Python artefacts live: the ontology, the shapes and the queries.

They sit beside the package in the repository (see README: install with `pip install -e .`).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
SHAPES = ROOT / "shapes"
QUERIES = ROOT / "queries"
