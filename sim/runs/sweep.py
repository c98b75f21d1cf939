"""Running a sweep: run ids, seeds, the task, chunks on disk, resume, backends and progress.

A sweep directory holds ``sweep.json`` (the spec as run, with its digest), ``design.parquet``
(one row per point), ``results/`` (a Parquet dataset, one row per run: the manifest columns
``run, run_id, point, replicate, seed, status, error, duration_s``, the factor values and the
final outcomes), ``series/`` (``run, run_id, outcome, step, value`` if the spec asks for series)
and ``status.json`` (counts and throughput of the last session).

Reproducible by construction: a run is a pure function of its point's values and its seed; run
``r`` of point ``p`` has id ``p{p:06d}-r{r:03d}`` and its seed from
:mod:`sim.seeds` (see :func:`run_seed`), so results do not depend on the
backend or the number of workers. Results are written in chunks (temporary file, fsync,
rename) as runs complete; a rerun with ``resume=True`` skips the runs already on disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.io import MARKER, write_json, write_with
from sim.runs import chunks, sweepspec
from sim.runs.chunks import ChunkWriter
from sim.runs.pool import Progress, WorkerPool, limit_threads
from sim.runs.sweepspec import SweepSpec
from sim.scenario import InputError
from sim.seeds import replicate_seed

OWN_NAMES = {"sweep.json", "design.parquet", "status.json", "results", "series", ".lock",
             MARKER, chunks.MANIFEST, "corrupt", "analysis"}
MAX_RUNS = 100_000  # more runs need --yes
_ARROW = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "choice": pa.string()}


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
        row.update(status="failed", error=_describe(exc))
    row["duration_s"] = time.perf_counter() - start
    return {**row, **final, "_series": series}


def _describe(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:2000]


class PoolBackend:
    """The local process pool of :class:`sim.runs.pool.WorkerPool`."""

    def __init__(self, workers: int):
        self.pool = WorkerPool(
            workers, preload=["sim.runs.sweep", "sim.runs.run", "sim.runs.outcomes"])
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


def results_schema(spec: SweepSpec) -> pa.Schema:
    """Manifest columns, then one column per factor, then one per final outcome."""
    fields = [("run", pa.int64()), ("run_id", pa.string()), ("point", pa.int64()),
              ("replicate", pa.int32()), ("seed", pa.int64()), ("status", pa.string()),
              ("error", pa.string()), ("duration_s", pa.float64())]
    fields += [(f.name, _ARROW[f.kind]) for f in spec.factors]
    fields += [(name, pa.float64()) for name in spec.final]
    return pa.schema(fields)


def _sweep_meta(spec: SweepSpec, n_points: int) -> dict[str, Any]:
    from importlib.metadata import version

    return {"format": 1, "name": spec.name, "description": spec.description,
            "spec": spec.path, "scenario": spec.scenario, "digest": spec.digest(),
            "method": spec.method, "samples": spec.samples, "levels": spec.levels,
            "second_order": spec.second_order, "replications": spec.replications,
            "steps": spec.steps, "root_seed": spec.root_seed,
            "common_random_numbers": spec.common_random_numbers,
            "chunk_size": spec.chunk_size, "points": n_points,
            "runs": n_points * spec.replications,
            "factors": [asdict(f) for f in spec.factors],
            "problem": spec.problem() if spec.method != "factorial" else None,
            "outcomes": {"final": list(spec.final), "series": list(spec.series),
                         "stride": spec.stride},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "kamsim": version("kamsim"),
            "code": code_fingerprint()}


def code_fingerprint() -> str:
    """A hash of the model's source (``sim/**/*.py``): results depend on it too."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.relative_to(Path(__file__).parent).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that two sweeps never write the same directory."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fh = open(out / ".lock", "a+")
    except OSError as exc:
        raise InputError([(str(out), "--out", f"cannot write here: {exc.strerror}")]) from None
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError([(str(out), "--out", "another sweep is writing here")]) from None
        yield
    finally:
        fh.close()


def _check_out(spec: SweepSpec, out: Path, resume: bool) -> bool:
    """May the sweep write ``out``? True when it holds this sweep already (resume)."""
    meta = out / "sweep.json"
    if meta.exists():
        if not resume:
            raise InputError([(str(out), "--out", "already holds a sweep: add --resume to "
                               "finish it, or choose another --out")])
        try:
            old = json.loads(meta.read_text())
        except (OSError, ValueError):
            raise InputError([(str(meta), "", "unreadable; this sweep cannot be resumed, run "
                               "the spec into a new --out")]) from None
        if old.get("digest") != spec.digest():
            raise InputError([(spec.path, "", f"differs from the spec {out} was started "
                               "with; run it into a new --out")])
        if old.get("code") != code_fingerprint():
            print(f"kamsim: warning: the model code changed since {out} was started; its "
                  "results will mix two versions", file=sys.stderr)
        return True
    if out.exists() and not out.is_dir():
        raise InputError([(str(out), "--out", "is a file, not a directory")])
    if out.is_dir():
        strangers = sorted(p.name for p in out.iterdir() if p.name not in OWN_NAMES)
        if strangers or any((out / "results").glob("part-*")):
            raise InputError([(str(out), "--out", "exists and is not a sweep directory "
                               f"(holds {', '.join(strangers[:3]) or 'results'})")])
    return False


def _initialise(spec: SweepSpec, out: Path, design: pd.DataFrame) -> None:
    """Write the marker, the design, then ``sweep.json`` (which marks a started sweep)."""
    for sub in ("results", "series") if spec.series else ("results",):
        (out / sub).mkdir(exist_ok=True)
    write_json(out / MARKER, {"kind": "sweep", "name": spec.name})
    write_with(out / "design.parquet", lambda tmp: design.to_parquet(tmp, index=False))
    write_json(out / "sweep.json", _sweep_meta(spec, len(design)))


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
        result = {"status": "failed", "error": _describe(exc), "duration_s": math.nan,
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


def make_backend(workers: int | None, dask: str | None):
    """A Dask backend for ``dask`` ("local" or an address), else a local process pool."""
    if dask:
        return DaskBackend(dask, workers)
    return PoolBackend(workers or os.cpu_count() or 1)


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int | None = None,
              dask: str | None = None, resume: bool = False, yes: bool = False
              ) -> SweepReport:
    """Run (or, with ``resume``, finish) a sweep into ``out``; return what was done.

    Nothing is written before the size of the design is accepted (:func:`check_size`),
    ``out`` is known to be usable and the backend is reachable.
    """
    out = Path(out)
    check_size(spec, yes)
    started = _check_out(spec, out, resume)
    design = sweepspec.design(spec)
    total = len(design) * spec.replications
    backend = make_backend(workers, dask)
    try:
        with _locked(out):
            if not started and (out / "sweep.json").exists():
                raise InputError([(str(out), "--out", "another sweep started here meanwhile")])
            if not started:
                _initialise(spec, out, design)
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
            _write_status(out, report)
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
            _write_status(out, report)
        print(f"sweep interrupted: {report.ok + report.failed}/{report.total} runs saved in "
              f"{out}; finish with --resume", file=sys.stderr)
        raise
    report.seconds = time.perf_counter() - start


def _write_status(out: Path, report: SweepReport) -> None:
    data = {"complete": report.complete, "total": report.total, "ok": report.ok,
            "failed": report.failed, "session": {
                "ran": report.ran, "seconds": round(report.seconds, 3),
                "runs_per_minute": round(report.runs_per_minute, 2)
                if report.seconds > 0 else None,
                "backend": report.backend, "workers": report.workers}}
    write_json(out / "status.json", data)


def read_results(out: str | Path) -> pd.DataFrame:
    """The whole results dataset of a sweep directory, one row per run, in run order."""
    df = pd.read_parquet(Path(out) / "results")
    return df.sort_values("run", kind="stable").reset_index(drop=True)
