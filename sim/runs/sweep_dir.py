"""A sweep's directory on disk: what it may hold, its lock, its metadata and its results.

``sweep.json`` (the spec as run, with its digest and a fingerprint of the model's code),
``design.parquet``, ``results/`` (checksummed chunks, ``sim/runs/chunks.py``), ``series/`` and
``status.json``. A directory is written only when it is empty, holds this very sweep (resume),
or holds nothing kamsim did not write; one sweep at a time holds its lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from sim.io import MARKER, write_json, write_with
from sim.runs import chunks
from sim.runs.sweepspec import SweepSpec
from sim.scenario import InputError

if TYPE_CHECKING:
    from sim.runs.sweep import SweepReport

OWN_NAMES = {"sweep.json", "design.parquet", "status.json", "results", "series", ".lock",
             MARKER, chunks.MANIFEST, "corrupt", "analysis"}
_ARROW = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "choice": pa.string()}


def results_schema(spec: SweepSpec) -> pa.Schema:
    """Manifest columns, then one column per factor, then one per final outcome."""
    fields = [("run", pa.int64()), ("run_id", pa.string()), ("point", pa.int64()),
              ("replicate", pa.int32()), ("seed", pa.int64()), ("status", pa.string()),
              ("error", pa.string()), ("duration_s", pa.float64())]
    fields += [(f.name, _ARROW[f.kind]) for f in spec.factors]
    fields += [(name, pa.float64()) for name in spec.final]
    return pa.schema(fields)


def sweep_meta(spec: SweepSpec, n_points: int) -> dict[str, Any]:
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
    sim = Path(__file__).resolve().parents[1]
    for path in sorted(sim.rglob("*.py")):
        h.update(path.relative_to(sim).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
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


def check_out(spec: SweepSpec, out: Path, resume: bool) -> bool:
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


def initialise(spec: SweepSpec, out: Path, design: pd.DataFrame) -> None:
    """Write the marker, the design, then ``sweep.json`` (which marks a started sweep)."""
    for sub in ("results", "series") if spec.series else ("results",):
        (out / sub).mkdir(exist_ok=True)
    write_json(out / MARKER, {"kind": "sweep", "name": spec.name})
    write_with(out / "design.parquet", lambda tmp: design.to_parquet(tmp, index=False))
    write_json(out / "sweep.json", sweep_meta(spec, len(design)))


def write_status(out: Path, report: SweepReport) -> None:
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
