"""Where a sweep's runs execute: the task of one run and the backends that run tasks.

:class:`RunContext` is what every run of a sweep shares and :class:`RunTask` one run;
:func:`execute` runs one task in a worker and never raises (a failed run is data). The
backends, a local process pool (:class:`sim.runs.pool.WorkerPool`) or Dask (an existing
scheduler or a local cluster), submit tasks and wait for them; ``sim/runs/sweep.py`` drives them.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass
from typing import Any

from sim.runs import sweepspec
from sim.runs.pool import WorkerPool, limit_threads
from sim.scenario import InputError


@dataclass(frozen=True, eq=False)
class RunContext:
    """What every run of a sweep shares: base scenario data, factor keys and outcomes."""

    base: dict[str, Any]
    keys: dict[str, tuple[str, ...]]
    steps: int
    final: tuple[str, ...]
    series: tuple[str, ...]
    stride: int


@dataclass(frozen=True)
class RunTask:
    """One run: its index, stable id, point, replicate, seed and factor values."""

    run: int
    run_id: str
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]


def execute(ctx: RunContext, task: RunTask) -> dict[str, Any]:
    """Run one task in a worker; never raises: a failure is returned with its error."""
    from sim.runs import outcomes
    from sim.runs.run import simulate

    limit_threads()
    start = time.perf_counter()
    row: dict[str, Any] = {"status": "ok", "error": None}
    try:
        values = {k: v for name, v in task.values.items() for k in ctx.keys[name]}
        params = sweepspec.apply(ctx.base, values)
        model, tables = simulate(params, seed=task.seed, steps=ctx.steps)
        final, series = outcomes.compute(model, tables, ctx.final, ctx.series, ctx.stride)
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        final, series = dict.fromkeys(ctx.final, math.nan), []
        row.update(status="failed", error=describe_error(exc))
    row["duration_s"] = time.perf_counter() - start
    return {**row, **final, "_series": series}


def describe_error(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:2000]


class PoolBackend:
    """The local process pool of :class:`sim.runs.pool.WorkerPool`."""

    def __init__(self, workers: int):
        self.pool = WorkerPool(
            workers, preload=["sim.runs.sweep_backends", "sim.runs.run", "sim.runs.outcomes"])
        self.window, self.name, self.workers = 2 * workers, f"{workers} processes", workers

    def submit(self, ctx: RunContext, task: RunTask):
        return self.pool.submit(execute, ctx, task)

    def call(self, fn, *args):
        """``fn(*args)`` on a worker (``compare --robustness``); a future."""
        return self.pool.submit(fn, *args)

    def wait(self, futures):
        return self.pool.wait(futures), None

    def close(self, cancel: bool) -> None:
        self.pool.close(cancel=cancel)  # cancel: runs in progress are redone by --resume


class DaskBackend:
    """Dask distributed: an existing scheduler (``tcp://host:8786``) or a LocalCluster."""

    def __init__(self, address: str, workers: int | None):
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        if address == "local":
            self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                        threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout="15s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError([(address, "--dask", f"cannot reach the scheduler: {exc}")]
                                 ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.window, self.name = 2 * self.workers, f"dask {address}, {self.workers} threads"
        self._ctx = None

    def submit(self, ctx: RunContext, task: RunTask):
        if self._ctx is None:
            self._ctx = self.client.scatter(ctx, broadcast=True)
        return self.client.submit(execute, self._ctx, task, pure=False)

    def call(self, fn, *args):
        """``fn(*args)`` on a worker (``compare --robustness``); a future."""
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures):
        from distributed import wait

        return wait(list(futures), return_when="FIRST_COMPLETED")

    def close(self, cancel: bool) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def make_backend(workers: int | None, dask: str | None):
    """A Dask backend for ``dask`` ("local" or an address), else a local process pool."""
    if dask:
        return DaskBackend(dask, workers)
    return PoolBackend(workers or os.cpu_count() or 1)
