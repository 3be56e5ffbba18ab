"""Use: the shipped SPARQL queries, run with typed parameters."""
