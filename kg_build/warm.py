"""Imported (only) by the forkserver of a build's worker pool: builds and validates one
example letter, so that every lexicon, terminology index and the shapes graph are loaded
once there and shared by each worker it forks, rather than loaded again by every worker."""

from kg_build.paths import ROOT


def _warm_up() -> None:
    from kg_build.errors import LetterError
    from kg_build.link.icd10cm import load_code_set_index
    from kg_build.map import record_quads
    from kg_build.pipeline import extract_file
    from kg_build.validate import validate_letters_compiled

    load_code_set_index()
    for example in sorted((ROOT / "examples" / "letters").glob("*.txt"))[:1]:  # absent outside a checkout
        try:
            validate_letters_compiled(record_quads(extract_file(example)[0]))  # the validator a build runs
        except LetterError:
            pass


_warm_up()
