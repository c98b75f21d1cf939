"""Running a sweep: run ids, seeds, the size check, the session that drives a backend, resume.

A sweep directory holds ``sweep.json`` (the spec as run, with its digest), ``design.parquet``
(one row per point), ``results/`` (a Parquet dataset, one row per run: the manifest columns
``run, run_id, point, replicate, seed, status, error, duration_s``, the factor values and the
final outcomes), ``series/`` (``run, run_id, outcome, step, value`` if the spec asks for series)
and ``status.json`` (counts and throughput of the last session).

Reproducible by construction: a run is a pure function of its point's values and its seed; run
``r`` of point ``p`` has id ``p{p:06d}-r{r:03d}`` and its seed from
:mod:`sim.seeds` (see :func:`run_seed`), so results do not depend on the
backend or the number of workers. Results are written in chunks (temporary file, fsync,
rename) as runs complete; a rerun with ``resume=True`` skips the runs already on disk. The
task and the backends are in ``sim/runs/sweep_backends.py``, the directory (lock, metadata,
results) in ``sim/runs/sweep_dir.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runs import chunks, sweepspec
from sim.runs.chunks import ChunkWriter
from sim.runs.pool import Progress
from sim.runs.sweep_backends import RunContext, RunTask, describe_error, make_backend
from sim.runs.sweep_dir import (  # noqa: F401  (read_results: part of this module's API)
    check_out,
    initialise,
    locked,
    read_results,
    results_schema,
    write_status,
)
from sim.runs.sweepspec import SweepSpec
from sim.scenario import InputError
from sim.seeds import replicate_seed

MAX_RUNS = 100_000  # more runs need --yes


@dataclass
class SweepReport:
    """What a session did, and the state of the whole sweep at its end."""

    out: Path
    total: int
    done_before: int
    ran: int = 0
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    backend: str = ""
    workers: int = 0
    complete: bool = False

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran / self.seconds if self.seconds > 0 else math.nan

    def line(self) -> str:
        """The final line of ``kamsim sweep``: runs done and failed, throughput, directory."""
        state = "done" if self.complete else "interrupted"
        session = (f"{self.ran} this session in {self.seconds:.1f} s ({self.runs_per_minute:.0f}"
                   f" runs/min, {self.backend})" if self.ran else "nothing left to run")
        return (f"sweep {state}: {self.ok + self.failed}/{self.total} runs, {self.failed} "
                f"failed; {session} -> {self.out}")


def run_id(point: int, replicate: int) -> str:
    """The stable id of replicate ``replicate`` of point ``point``."""
    return f"p{point:06d}-r{replicate:03d}"


def run_seed(root: int, point: int, replicate: int, common: bool = True) -> int:
    """The model seed of a run (:func:`sim.seeds.replicate_seed`).

    With common random numbers (the default) replicate ``r`` of every point uses the seed
    ``compare`` gives replication ``r``; otherwise each point has its own streams.
    """
    return replicate_seed(root, replicate, None if common else point)


def check_size(spec: SweepSpec, yes: bool = False) -> int:
    """The number of runs of ``spec``, counted without building the design; refuse (exit 2)
    a design whose table would not fit in memory, and one above ``MAX_RUNS`` runs without
    ``yes``."""
    points = sweepspec.design_size(spec)
    runs = points * spec.replications
    design_bytes = points * (2 * len(spec.factors) + 1) * 8
    if design_bytes > _memory_bytes() // 4:
        raise InputError([(spec.path, "design", f"{points:,} points: the design table alone "
                           f"needs about {design_bytes / 2**30:,.1f} GiB; make it smaller")])
    if runs > MAX_RUNS and not yes:
        raise InputError([(spec.path, "design", f"{runs:,} runs ({points:,} points x "
                           f"{spec.replications} replications), about "
                           f"{_duration(runs * run_seconds(spec))} of one core; add --yes "
                           f"to run more than {MAX_RUNS:,} runs")])
    return runs


def run_seconds(spec: SweepSpec) -> float:
    """Rough seconds of one run on one core: a fixed cost and a cost per week that grows
    with the customers of the base scenario (docs/PERFORMANCE.md)."""
    customers = float(spec.base.get("run", {}).get("customers", 1000))
    return 0.05 + spec.steps * (0.002 + 3.7e-6 * customers)


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8 * 2**30


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def _tasks(spec: SweepSpec, design: pd.DataFrame, done: set[int]) -> Iterator[RunTask]:
    """Tasks not yet done, created one at a time from the design's columns."""
    reps = spec.replications
    columns = {f.name: design[f.name].to_numpy() for f in spec.factors}
    for p in range(len(design)):
        values = {n: c[p].item() if isinstance(c[p], np.generic) else c[p]
                  for n, c in columns.items()}
        for r in range(reps):
            if p * reps + r not in done:
                yield RunTask(p * reps + r, run_id(p, r), p, r,
                              run_seed(spec.root_seed, p, r, spec.common_random_numbers),
                              values)


def _context(spec: SweepSpec) -> RunContext:
    return RunContext(spec.base, {f.name: f.keys for f in spec.factors}, spec.steps,
                      spec.final, spec.series, spec.stride)


def _row(task: RunTask, future) -> dict[str, Any]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        result = future.result()
    except BrokenProcessPool:
        raise RuntimeError("a worker process died (out of memory?); finished runs are "
                           "saved: rerun with --resume") from None
    except Exception as exc:  # lost worker, unpicklable result: record, go on
        result = {"status": "failed", "error": describe_error(exc), "duration_s": math.nan,
                  "_series": []}
    manifest = {"run": task.run, "run_id": task.run_id, "point": task.point,
                "replicate": task.replicate, "seed": task.seed}
    return {**manifest, **task.values, **result}


def _drive(backend, ctx: RunContext, tasks: Iterator[RunTask], writer: ChunkWriter,
           report: SweepReport, bar: Progress) -> None:
    """Keep at most ``backend.window`` runs in flight; hand each finished one to ``writer``."""
    inflight = {backend.submit(ctx, t): t for t in itertools.islice(tasks, backend.window)}
    while inflight:
        done, _ = backend.wait(inflight)
        for future in done:
            row = _row(inflight.pop(future), future)
            del future
            writer.add(row)
            report.ran += 1
            report.ok += row["status"] == "ok"
            report.failed += row["status"] != "ok"
            bar.update(1, failed=int(row["status"] != "ok"))
        for t in itertools.islice(tasks, backend.window - len(inflight)):
            inflight[backend.submit(ctx, t)] = t


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int | None = None,
              dask: str | None = None, resume: bool = False, yes: bool = False
              ) -> SweepReport:
    """Run (or, with ``resume``, finish) a sweep into ``out``; return what was done.

    Nothing is written before the size of the design is accepted (:func:`check_size`),
    ``out`` is known to be usable and the backend is reachable.
    """
    out = Path(out)
    check_size(spec, yes)
    started = check_out(spec, out, resume)
    design = sweepspec.design(spec)
    total = len(design) * spec.replications
    backend = make_backend(workers, dask)
    try:
        with locked(out):
            if not started and (out / "sweep.json").exists():
                raise InputError([(str(out), "--out", "another sweep started here meanwhile")])
            if not started:
                initialise(spec, out, design)
            done, session = chunks.recover(out)
            report = SweepReport(out, total, len(done), backend=backend.name,
                                 workers=backend.workers)
            report.ok, report.failed = chunks.count_status(out)
            if len(done) < total:
                left = total - len(done)
                print(f"sweep {spec.name}: {left:,} of {total:,} runs to do, about "
                      f"{_duration(left * run_seconds(spec) / backend.workers)} on "
                      f"{backend.name}", file=sys.stderr)
                _session(spec, out, design, done, session, report, backend)
            report.ok, report.failed = chunks.count_status(out)
            report.complete = report.ok + report.failed == total
            write_status(out, report)
    except BaseException:
        backend.close(cancel=True)
        raise
    backend.close(cancel=False)
    return report


def _session(spec: SweepSpec, out: Path, design: pd.DataFrame, done: set[int], session: int,
             report: SweepReport, backend) -> None:
    """Run the missing runs; on any interruption save the finished ones first."""
    writer = ChunkWriter(out, results_schema(spec), spec.chunk_size, bool(spec.series),
                         session)
    start = time.perf_counter()
    try:
        with Progress(report.total, spec.name, "runs", initial=len(done)) as bar:
            _drive(backend, _context(spec), _tasks(spec, design, done), writer, report, bar)
        writer.flush()
    except BaseException:
        with contextlib.suppress(Exception):  # keep every finished run: resume starts here
            writer.flush()
            report.seconds = time.perf_counter() - start
            report.ok, report.failed = chunks.count_status(out)
            write_status(out, report)
        print(f"sweep interrupted: {report.ok + report.failed}/{report.total} runs saved in "
              f"{out}; finish with --resume", file=sys.stderr)
        raise
    report.seconds = time.perf_counter() - start


