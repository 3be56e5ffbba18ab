"""Map: an extraction record -> RDF quads in the letter's named graph and the vocabulary graph."""

from kg_build.map.record_to_rdf import letter_graph, letter_id, record_nquads, record_quads

__all__ = ["letter_graph", "letter_id", "record_nquads", "record_quads"]
