"""Validate: SHACL shapes (shapes/*.ttl) over letter graphs with the vocabulary they use.

Two validators give the same results: pyshacl (`validate_letters`, the reference, used by
`imr-kg validate`) and the shapes compiled into SPARQL queries run with Oxigraph
(`validate_letters_compiled`, about a hundred times faster, used by `imr-kg build`).
"""

from kg_build.validate.compiled import ShapesNotSupported
from kg_build.validate.compiled import validate_letters as validate_letters_compiled
from kg_build.validate.shacl import ValidationResult, letter_quads_with_vocabulary, validate_letters

__all__ = ["ShapesNotSupported", "ValidationResult", "letter_quads_with_vocabulary", "validate_letters",
           "validate_letters_compiled"]
