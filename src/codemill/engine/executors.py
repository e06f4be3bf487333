"""Executors: where shards run. One interface, two implementations, identical outputs.

Both call the same `execute_shard`, which writes the shard's parts itself, so the bytes on disk do not depend
on the executor. The local executor runs in-process for one worker (cheap, debuggable) and in a spawn-based
process pool otherwise; its workers die with the driver, so a killed run leaves no writer behind. The Ray
executor starts a local Ray instance or joins the cluster at RAY_ADDRESS (the run directory must then be on a
filesystem every node sees: docs/cluster.md), and runs a shard again when its node is lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any, Protocol


class Executor(Protocol):
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
                      lost: Callable[[Any, str], Any] | None = None) -> Iterator[Any]:
        """Apply `fn` to every task; yield results as they finish. A task whose worker process dies (a signal,
        the OOM killer) is retried alone; if it kills that worker too, `lost(task, why)` is yielded in its place
        (without `lost`, the death is raised). On Ray, a task whose node is lost runs again elsewhere, up to
        NODE_LOSSES times."""

    def close(self) -> None: ...


WORKER_DIED = "its worker process died twice (killed by a signal or out of memory): quarantined"
NODE_LOSSES = 3
NODE_LOST = f"the Ray node running it was lost {NODE_LOSSES} times (it died or left the cluster): quarantined"
_END = object()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Attempt:
    """A task in flight on Ray, with the failures it has had: worker deaths and node losses count apart."""

    task: Any
    crashes: int = 0
    losses: int = 0


def _die_with_parent(driver: int) -> None:
    """Worker initializer: on Linux, get SIGKILLed when the driver dies, so no orphan keeps writing (or holds
    the driver's output pipes open). A driver killed while this worker was still starting, before the signal
    was armed, is seen as a changed parent: the worker exits at once."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() != driver:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


def _alone(fn: Callable[[Any], Any], task: Any, lost: Callable[[Any, str], Any]) -> Any:
    """`fn(task)` in a worker of its own; `lost(task, WORKER_DIED)` when that worker dies too."""
    pool = _pool(1)
    try:
        return pool.submit(fn, task).result()
    except BrokenProcessPool:
        return lost(task, WORKER_DIED)
    finally:
        pool.shutdown(cancel_futures=True)


class LocalExecutor:
    def __init__(self, workers: int = 0):
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
                      lost: Callable[[Any, str], Any] | None = None) -> Iterator[Any]:
        tasks = list(tasks)
        if self.workers == 1 or len(tasks) <= 1:
            for t in tasks:
                yield fn(t)
            return
        # Bound what is in flight so memory follows the workers, not the number of shards.
        pending: dict[Future, Any] = {}
        it = iter(tasks)
        for t in it:
            pending[self._submit(fn, t)] = t
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            suspects = []
            for fut in done:
                task = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    if lost is None:
                        raise
                    suspects.append(task)
                    continue
                yield result
            if suspects:
                # A dead worker breaks the whole pool and fails everything in flight: each of those runs
                # again alone, so only the task that kills its worker is lost.
                suspects += list(pending.values())
                pending.clear()
                self.close()
                for task in suspects:
                    yield _alone(fn, task, lost)
            while len(pending) < 2 * self.workers and (nxt := next(it, None)) is not None:
                pending[self._submit(fn, nxt)] = nxt

    def _submit(self, fn: Callable[[Any], Any], task: Any) -> Future:
        if self._pool is None:
            self._pool = _pool(self.workers)
        return self._pool.submit(fn, task)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class RayExecutor:
    """Shards as Ray tasks, on a local instance or the cluster at RAY_ADDRESS.

    Ray's own `max_retries` is off: it cannot tell a shard that kills its worker (quarantined after its second
    death, as on the local executor) from a node that died or left the cluster under a shard, which says nothing
    about the shard and is retried up to NODE_LOSSES times. A retry rewrites the same part names with the same
    bytes, and the dead attempt's temporary files are removed with the stage's other orphans, so a shard run twice
    leaves one copy.
    """

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
            else:  # "local": a new instance, never a cluster some `ray start` recorded in /tmp/ray
                ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, **kwargs)
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))
        self._remote: dict[Callable, Any] = {}

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
                      lost: Callable[[Any, str], Any] | None = None) -> Iterator[Any]:
        ray = self._ray
        remote = self._remote.setdefault(fn, ray.remote(num_cpus=1, max_retries=0)(fn))
        died = (ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError)
        gone = (ray.exceptions.NodeDiedError, ray.exceptions.LocalRayletDiedError, ray.exceptions.ObjectLostError)
        it = iter(tasks)
        pending: dict[Any, _Attempt] = {}

        def submit(attempt: _Attempt) -> None:
            pending[remote.remote(attempt.task)] = attempt

        def top_up() -> None:  # bound what is in flight so memory follows the workers, not the shards
            while len(pending) < 2 * self.workers and (task := next(it, _END)) is not _END:
                submit(_Attempt(task))

        top_up()
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            attempt = pending.pop(done[0])
            try:
                result = ray.get(done[0])
            except died:
                if lost is None:
                    raise
                if attempt.crashes < 1:
                    submit(replace(attempt, crashes=attempt.crashes + 1))
                    continue
                result = lost(attempt.task, WORKER_DIED)
            except gone as exc:
                if attempt.losses + 1 < NODE_LOSSES:
                    log.warning("a shard's node was lost (%s): running the shard again", type(exc).__name__)
                    submit(replace(attempt, losses=attempt.losses + 1))
                    continue
                if lost is None:
                    raise
                result = lost(attempt.task, NODE_LOST)
            yield result
            top_up()

    def close(self) -> None:
        if self._ray.is_initialized() and not os.environ.get("RAY_ADDRESS"):
            self._ray.shutdown()


def make_executor(kind: str, workers: int) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
