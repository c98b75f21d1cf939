"""The chunks of a sweep directory: Parquet parts of finished runs and their manifest.

Runs are written in chunks: ``results/part-sSSS-NNNNNN.parquet`` (and, if the spec asks for
series, ``series/`` parts of the same name). ``chunks.json`` (the manifest) lists every chunk
with its number of runs and the SHA-256 of each part. A chunk is committed in this order: its
manifest entry, then the series part, then the results part; so a results part on disk always
has an entry, and an entry without its part is the debris of an interrupted write.

:func:`verify` checks every part against the manifest (``kamsim analyze`` refuses a sweep with
a bad chunk); :func:`recover` (``kamsim sweep --resume``) moves bad chunks to ``corrupt/`` so
that their runs are run again, and says so. Reads and writes files only: no model import.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import file_sha256, write_bytes, write_json

__all__ = ["MANIFEST", "SERIES_SCHEMA", "ChunkWriter", "count_status", "recover", "verify"]

MANIFEST = "chunks.json"
SERIES_SCHEMA = pa.schema([("run", pa.int64()), ("run_id", pa.string()),
                          ("outcome", pa.string()), ("step", pa.int32()),
                          ("value", pa.float64())])


def read_manifest(out: Path) -> dict[str, dict[str, Any]] | None:
    """Chunk name -> {runs, results, series}; None for a sweep written without a manifest."""
    import json

    try:
        data = json.loads((out / MANIFEST).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    chunks = data.get("chunks") if isinstance(data, dict) else None
    return chunks if isinstance(chunks, dict) else {}


def _write_manifest(out: Path, chunks: dict[str, dict[str, Any]]) -> None:
    write_json(out / MANIFEST, {"format": 1, "chunks": dict(sorted(chunks.items()))})


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


class ChunkWriter:
    """Buffers finished runs and commits them as chunks of at most ``size`` runs."""

    def __init__(self, out: Path, schema: pa.Schema, size: int, series: bool, session: int):
        self.out, self.schema, self.size, self.series = out, schema, size, series
        self.session, self.count = session, 0
        self.chunks = read_manifest(out) or {}
        self.rows: list[dict[str, Any]] = []
        self.series_rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        series = row.pop("_series", [])
        self.series_rows += [{"run": row["run"], "run_id": row["run_id"], "outcome": o,
                              "step": s, "value": v} for o, s, v in series]
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Commit the buffer as one chunk: manifest entry, series part, results part."""
        if not self.rows:
            return
        name = f"part-s{self.session:03d}-{self.count:06d}.parquet"
        results = _parquet_bytes(pa.Table.from_pylist(self.rows, schema=self.schema))
        series = (_parquet_bytes(pa.Table.from_pylist(self.series_rows, schema=SERIES_SCHEMA))
                  if self.series else None)
        self.chunks[name] = {"runs": len(self.rows), "results": _sha(results),
                             "series": _sha(series) if series is not None else None}
        _write_manifest(self.out, self.chunks)
        if series is not None:
            write_bytes(self.out / "series" / name, series)
        write_bytes(self.out / "results" / name, results)
        self.rows, self.series_rows, self.count = [], [], self.count + 1


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def verify(out: Path) -> list[str]:
    """Problems of the chunks on disk, one line each (empty when every chunk is sound)."""
    return [f"{part}: {why}" for part, why in _bad_chunks(out).items()]


def _bad_chunks(out: Path) -> dict[str, str]:
    """``results/NAME`` or ``series/NAME`` -> what is wrong with it."""
    manifest = read_manifest(out)
    has_series = (out / "series").is_dir()
    bad: dict[str, str] = {}
    for part in sorted((out / "results").glob("part-*.parquet")):
        entry = (manifest or {}).get(part.name)
        if manifest is None:
            if not _readable(part):
                bad[f"results/{part.name}"] = "not a readable Parquet file"
            continue
        if entry is None:
            bad[f"results/{part.name}"] = f"not listed in {MANIFEST}"
        elif file_sha256(part) != entry.get("results"):
            bad[f"results/{part.name}"] = "checksum mismatch (the file was changed or damaged)"
        elif has_series and entry.get("series") is not None:
            spart = out / "series" / part.name
            if not spart.exists():
                bad[f"series/{part.name}"] = "missing"
            elif file_sha256(spart) != entry["series"]:
                bad[f"series/{part.name}"] = "checksum mismatch (the file was changed or damaged)"
    return bad


def _readable(part: Path) -> bool:
    try:
        pq.read_metadata(part)
    except Exception:  # pyarrow raises several kinds for a damaged file
        return False
    return True


def recover(out: Path) -> tuple[set[int], int]:
    """Before a resumed session: drop debris of a killed one, move bad chunks to
    ``corrupt/`` (their runs are run again, and a line on stderr says so), adopt the parts of
    a sweep written without a manifest. Returns the runs on disk and the next session number.
    """
    for sub in ("results", "series"):
        for tmp in (out / sub).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    manifest = read_manifest(out)
    for rel, why in _bad_chunks(out).items():
        name = Path(rel).name
        runs = (manifest or {}).get(name, {}).get("runs", "its")
        moved = _quarantine(out, name)
        print(f"kamsim: {out / rel}: {why}; its {runs} runs will be run again "
              f"(the chunk was moved to {moved})", file=sys.stderr)
        (manifest or {}).pop(name, None)
    parts = sorted((out / "results").glob("part-*.parquet"))
    committed = {p.name for p in parts}
    for orphan in (out / "series").glob("part-*.parquet"):
        if orphan.name not in committed:
            orphan.unlink()
    if manifest is None:
        manifest = {p.name: {"runs": pq.read_metadata(p).num_rows, "results": file_sha256(p),
                             "series": file_sha256(out / "series" / p.name)
                             if (out / "series" / p.name).exists() else None} for p in parts}
    manifest = {k: v for k, v in manifest.items() if k in committed}
    _write_manifest(out, manifest)
    done: set[int] = set()
    for p in parts:
        done.update(pq.read_table(p, columns=["run"]).column("run").to_pylist())
    sessions = [int(p.name.split("-")[1][1:]) for p in parts]
    return done, max(sessions, default=-1) + 1


def _quarantine(out: Path, name: str) -> Path:
    """Move both parts of chunk ``name`` to ``corrupt/<time>-<sub>-<name>``; the folder."""
    dest = out / "corrupt"
    dest.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for sub in ("results", "series"):
        part = out / sub / name
        if part.exists():
            part.replace(dest / f"{stamp}-{sub}-{name}")
    return dest


def count_status(out: Path) -> tuple[int, int]:
    """Runs on disk that succeeded and that failed."""
    ok = failed = 0
    for p in (out / "results").glob("part-*.parquet"):
        status = pq.read_table(p, columns=["status"]).column("status").to_pylist()
        failed += sum(s != "ok" for s in status)
        ok += sum(s == "ok" for s in status)
    return ok, failed
