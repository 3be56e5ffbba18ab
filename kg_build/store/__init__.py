"""Store: the embedded Oxigraph store on disk, and gzip N-Quads shards for other stores."""

from kg_build.store.nquads import ShardWriter
from kg_build.store.oxigraph_store import LetterState, LetterStore

__all__ = ["LetterState", "LetterStore", "ShardWriter"]
