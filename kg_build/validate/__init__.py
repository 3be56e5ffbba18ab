"""Validate: SHACL shapes (shapes/*.ttl) over letter graphs with the vocabulary they use."""

from kg_build.validate.shacl import ValidationResult, letter_quads_with_vocabulary, validate_letters

__all__ = ["ValidationResult", "letter_quads_with_vocabulary", "validate_letters"]
