"""Store: the embedded Oxigraph store on disk."""

from kg_build.store.oxigraph_store import LetterStore

__all__ = ["LetterStore"]
