"""gzip N-Quads shards: the graph as files any server-class store can bulk-load.

A build writes one shard per batch of letters (each letter's graph and its share of the
vocabulary graph) and one for the ontology and criteria catalog graphs. A shard is a
concatenation of gzip members, one per letter, which gzip, zcat and RDF loaders read as
one stream; it is written under a temporary name and renamed, so a shard that exists is
whole.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pyoxigraph as ox

PREFIX = "imr-kg-"
SUFFIX = ".nq.gz"


class ShardWriter:
    def __init__(self, directory: Path) -> None:
        """Shards of an earlier build in directory are removed: the new ones replace them."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob(f"{PREFIX}*{SUFFIX}"):
            old.unlink()
        self.count = 0

    def write_letters(self, members: list[bytes]) -> Path | None:
        """A shard of letters, from their gzip members; None when there are none."""
        if not members:
            return None
        self.count += 1
        return self._write(f"{PREFIX}letters-{self.count:06d}{SUFFIX}", b"".join(members))

    def write_graphs(self, name: str, graphs: list[tuple[ox.NamedNode, Path]]) -> Path:
        """A shard of Turtle files, each loaded as the named graph it is paired with."""
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
                 for graph, path in graphs for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        return self._write(f"{PREFIX}{name}{SUFFIX}", gzip.compress(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)))

    def _write(self, name: str, data: bytes) -> Path:
        target = self.directory / name
        part = target.with_name(name + ".part")  # not *.nq.gz: a loader globbing shards skips it
        with open(part, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
        return target
