"""Project rules for analysis/: never touches the model, documented, small modules.

From ``sim`` it may import only model-free modules: those that define figures and colours
(``sim.metrics``, ``sim.palette``) and kamsim's file infrastructure (``sim.io``,
``sim.runs.chunks``, ``sim.errors``), which imports no model module (checked below)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "analysis"
MODULES = sorted(PKG.glob("*.py"))
MODEL_FREE = {"sim.metrics", "sim.palette", "sim.io", "sim.runs.chunks", "sim.errors"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_rules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
    assert len(path.read_text().splitlines()) <= 400, f"{path.name} is too long"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] != "sim" or a.name in MODEL_FREE
                       for a in node.names), path.name
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            names = {f"{mod}.{a.name}" for a in node.names} if mod == "sim" else {mod}
            assert mod.split(".")[0] != "sim" or names <= MODEL_FREE, path.name
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{path.name}:{node.name} lacks a docstring"
            assert node.returns is not None, f"{path.name}:{node.name} lacks a return type"


def test_model_free_modules_import_no_model_module():
    import json
    import subprocess
    import sys

    code = ("import json, sys, " + ", ".join(sorted(MODEL_FREE)) + "; print(json.dumps("
            "sorted(m for m in sys.modules if m == 'sim' or m.startswith('sim.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    # sim.runs is the package of sim.runs.chunks; its __init__ is a docstring only
    assert set(json.loads(out)) <= {"sim", "sim.runs", *MODEL_FREE, "sim.tolerance"}
