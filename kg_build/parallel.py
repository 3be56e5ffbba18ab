"""Run one function over batches in-process, in worker processes, or on a Dask cluster.

Every runner is the same two things: `submit(args)` starts a batch and returns something
with `.result()` and `.done()` (a concurrent.futures or dask.distributed future), and
`ordered` hands back the results in submission order while keeping at most a fixed number
of batches in flight, so memory stays bounded whatever the length of the input and the
results are deterministic whatever the scheduling.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T", covariant=True)
R = TypeVar("R")


class Pending(Protocol[T]):
    def result(self) -> T: ...

    def done(self) -> bool: ...


class Ready:
    """A result that needed no work (or was computed at submit time)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value

    def done(self) -> bool:
        return True


@contextmanager
def batch_runner(fn: Callable[..., R], jobs: int = 1, dask: str | None = None,
                 preload: tuple[str, ...] = ()) -> Iterator[tuple[Callable[..., Pending[R]], int]]:
    """(submit, in_flight): submit(*args) runs fn(*args) somewhere; in_flight is how many
    batches to keep queued so that every worker stays busy.

    dask: the address of a dask.distributed scheduler ('tcp://host:8786'); its workers must
    be able to import kg_build and read the letter files. Else jobs > 1 uses a process pool
    (forkserver, with `preload` modules imported once in the server), and jobs == 1 runs
    fn at submit time in this process.
    """
    if dask:
        from distributed import Client

        with Client(dask) as client:
            workers = max(1, sum(client.nthreads().values()))
            yield (lambda *args: client.submit(fn, *args, pure=False)), 2 * workers
    elif jobs > 1:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield (lambda *args: pool.submit(fn, *args)), 2 * jobs
    else:
        yield (lambda *args: Ready(fn(*args))), 1


def ordered(items: Iterable[Pending[T]], in_flight: int) -> Iterator[T]:
    """The results of items in their order, each as soon as it and all before it are done.
    The iterable is consumed only while fewer than in_flight items that are not Ready are
    pending, which bounds the memory the results in flight hold."""
    queue: deque[Pending[T]] = deque()
    busy = 0
    for item in items:
        queue.append(item)
        busy += not isinstance(item, Ready)
        while queue and (busy >= in_flight or queue[0].done()):
            head = queue.popleft()
            busy -= not isinstance(head, Ready)
            yield head.result()
    for head in queue:
        yield head.result()
