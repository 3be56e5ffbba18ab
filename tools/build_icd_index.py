"""Build kg_build/data/icd10cm_index.tsv.gz: the ICD-10-CM code set's descriptions and
inclusion terms in the linker's canonical form, each with its code per side.

    python3 tools/build_icd_index.py

The linker computes the same index when the file is missing or was built from another
data/icd10cm_synonyms.csv or simple-icd-10-cm release (its header names both), which takes
seconds in every process; reading the file takes about 0.2 s. Rebuild it after changing the
rewrites or the canonical form (kg_build/link/icd10cm.py): tests/test_icd10cm.py fails until
the shipped file equals the computed index.
"""

from __future__ import annotations

import gzip

from kg_build.link.icd10cm import INDEX_FILE, compute_code_set_index, write_code_set_index


def main() -> None:
    index = compute_code_set_index()
    # mtime=0: the same index gives the same bytes
    INDEX_FILE.write_bytes(gzip.compress(write_code_set_index(index).encode("utf-8"), mtime=0))
    print(f"{INDEX_FILE}: {len(index)} names, {INDEX_FILE.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
