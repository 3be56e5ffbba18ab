"""imr-kg: a knowledge-graph builder for California workers' compensation IMR letters.

Data flows one way: ingest -> layout -> extract -> link -> (map -> validate -> store -> use).
"""

__version__ = "0.1.0"
