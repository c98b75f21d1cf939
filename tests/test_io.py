"""sim.io: atomic files and directories, the JSON writer, where results may go; and the
plain progress lines of sim.runs.pool.Progress off a terminal."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from sim import io
from sim.runs.pool import Progress
from sim.scenario import InputError


def test_safe_name_never_leaves_the_output_root():
    for bad in ("../../victim/backup", "..", ".", "/etc/passwd", "a/../../b", "", "\x00x",
                ".hidden", "名前"):
        name = io.safe_name(bad)
        assert name and "/" not in name and not name.startswith(".")
        root = (io.OUTPUT_ROOT / "sweeps").resolve()
        assert (root / name).resolve().parent == root
    assert io.safe_name("reservoir-2.v1_x") == "reservoir-2.v1_x"


def test_write_bytes_keeps_the_old_file_and_no_temp_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "x.bin"
    io.write_bytes(target, b"old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io.os, "replace", boom)
    with pytest.raises(InputError, match="x.bin.*No space left"):
        io.write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.bin"]


def test_json_writer_converts_numpy_and_refuses_nan(tmp_path):
    path = tmp_path / "s.json"
    io.write_json(path, {"a": np.int64(3), "b": np.float32(0.5), "c": np.arange(2),
                         "d": [np.bool_(True)], "e": None})
    assert json.loads(path.read_text()) == {"a": 3, "b": 0.5, "c": [0, 1], "d": [True],
                                            "e": None}
    for bad, where in (({"x": {"y": [1.0, math.nan]}}, r"x\.y\[1\]"),
                       ({"share": np.float64("inf")}, "share")):
        with pytest.raises(io.NonFiniteError, match=where):
            io.write_json(path, bad)
    assert json.loads(path.read_text())["a"] == 3  # the earlier file is intact
    assert io.nan_to_none({"m": np.float64("nan"), "n": [math.inf, 1]}) == {
        "m": None, "n": [None, 1]}


def _result(out, kind="run", extra=()):
    with io.atomic_dir(out, kind) as tmp:
        (tmp / "summary.json").write_text("{}")
        for name in extra:
            (tmp / name).write_text(name)


def test_claim_out_rules(tmp_path):
    user = tmp_path / "thesis"
    (user / "sub").mkdir(parents=True)
    (user / "sub" / "thesis.tex").write_text("mine")
    # an explicit --out holding user files, a file, a result of another kind: refused
    for target in (user, user / "sub" / "thesis.tex"):
        for force in (False, True):
            with pytest.raises(InputError):
                io.claim_out(target, tmp_path / "unused", "run", force=force)
    sweep = tmp_path / "sw"
    _result(sweep, "sweep")
    with pytest.raises(InputError, match="not a kamsim analysis result"):
        io.claim_out(sweep, tmp_path / "unused", "analysis")
    # missing or empty: used as is
    (tmp_path / "empty").mkdir()
    assert io.claim_out(tmp_path / "empty", tmp_path / "x", "run") == io.OutDir(
        tmp_path / "empty")
    assert io.claim_out(None, tmp_path / "new", "run").path == tmp_path / "new"
    # an earlier result of the same kind: numbered unless --force
    _result(tmp_path / "r")
    got = io.claim_out(tmp_path / "r", tmp_path / "x", "run")
    assert got.path == tmp_path / "r-2" and not got.replace and "--force" in got.note
    assert io.claim_out(tmp_path / "r", tmp_path / "x", "run", force=True).replace
    # the default path taken by something else: numbered, with a note
    got = io.claim_out(None, user, "run")
    assert got.path == tmp_path / "thesis-2" and "not a kamsim run result" in got.note


def test_force_never_deletes_a_file_kamsim_did_not_write(tmp_path):
    out = tmp_path / "r"
    _result(out)
    (out / "notes.txt").write_text("the user's")
    with pytest.raises(InputError, match="notes.txt"):
        io.claim_out(out, tmp_path / "x", "run", force=True)
    assert (out / "notes.txt").read_text() == "the user's"


def test_atomic_dir_replaces_a_marked_result_whole(tmp_path):
    out = tmp_path / "r"
    _result(out, extra=["old.txt"])
    marker = io.read_marker(out)
    assert marker["kind"] == "run" and marker["files"] == ["old.txt", "summary.json"]
    _result(io.claim_out(out, out, "run", force=True), extra=["new.txt"])
    assert sorted(p.name for p in out.iterdir()) == [".kamsim.json", "new.txt", "summary.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temp or old dir left


def test_atomic_dir_leaves_nothing_on_error_and_refuses_an_unapproved_replace(tmp_path):
    out = tmp_path / "r"
    with pytest.raises(RuntimeError), io.atomic_dir(io.OutDir(out), "run") as tmp:
        (tmp / "half.parquet").write_text("x")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    user = tmp_path / "user"
    user.mkdir()
    (user / "keep.txt").write_text("x")
    with pytest.raises(InputError), io.atomic_dir(io.OutDir(user, replace=True), "run"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user"]
    assert (user / "keep.txt").exists()


def test_progress_prints_plain_lines_off_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("KAMSIM_PROGRESS_SECONDS", "0")
    with Progress(4, "compare", "runs") as bar:
        for _ in range(4):
            bar.update(1, failed=1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("compare: 4/4 runs (100 %)") and "4 failed" in lines[-1]
    monkeypatch.setenv("KAMSIM_PROGRESS_SECONDS", "3600")
    with Progress(4, "compare", "runs") as bar:
        bar.update(4)
    assert capsys.readouterr().err == ""


def test_a_plain_path_replaces_only_a_result_without_foreign_files(tmp_path):
    out = tmp_path / "r"
    _result(out)
    _result(out, extra=["b.txt"])  # a library caller's plain path replaces its own result
    assert (out / "b.txt").exists()
    (out / "mine.txt").write_text("the user's")
    with pytest.raises(InputError, match="mine.txt"):
        _result(out)
    assert (out / "mine.txt").read_text() == "the user's" and (out / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
