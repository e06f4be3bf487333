"""Executors: where shards run. One interface, two implementations, identical outputs.

Both call the same `execute_shard`, which writes the shard's parts itself, so the bytes on disk do not depend
on the executor. The local executor runs in-process for one worker (cheap, debuggable) and in a spawn-based
process pool otherwise; its workers die with the driver, so a killed run leaves no writer behind. The Ray
executor starts a local Ray instance or joins the cluster at RAY_ADDRESS (the run directory must then be on a
filesystem every node sees).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol


class Executor(Protocol):
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Apply `fn` to every task; yield results as they finish."""

    def close(self) -> None: ...


def _die_with_parent() -> None:
    """Worker initializer: on Linux, get SIGKILLed when the driver dies, so no orphan keeps writing."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C


class LocalExecutor:
    def __init__(self, workers: int = 0):
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        tasks = list(tasks)
        if self.workers == 1 or len(tasks) <= 1:
            for t in tasks:
                yield fn(t)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
            )
        # Bound what is in flight so memory follows the workers, not the number of shards.
        pending: set[Future] = set()
        it = iter(tasks)
        for t in it:
            pending.add(self._pool.submit(fn, t))
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self._pool.submit(fn, nxt))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class RayExecutor:
    def __init__(self, workers: int = 0):
        try:
            import ray
        except ImportError:
            raise RuntimeError("the Ray executor needs the extra: pip install 'codemill[ray]'") from None
        self._ray = ray
        address = os.environ.get("RAY_ADDRESS")
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))
        self._remote: dict[Callable, Any] = {}

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        ray = self._ray
        remote = self._remote.setdefault(fn, ray.remote(num_cpus=1, max_retries=0)(fn))
        it = iter(tasks)
        pending = []
        for t in it:
            pending.append(remote.remote(t))
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(remote.remote(nxt))

    def close(self) -> None:
        if self._ray.is_initialized() and not os.environ.get("RAY_ADDRESS"):
            self._ray.shutdown()


def make_executor(kind: str, workers: int) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
