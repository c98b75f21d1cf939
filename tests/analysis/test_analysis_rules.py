"""Project rules for analysis/: never touches the model, documented, small modules.

It may use kamsim's file infrastructure, which imports no model module (checked below)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "analysis"
MODULES = sorted(PKG.glob("*.py"))
FILE_INFRASTRUCTURE = {"sim.io", "sim.chunks", "sim.errors"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_rules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
    assert len(path.read_text().splitlines()) <= 400, f"{path.name} is too long"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "sim" and a.name not in FILE_INFRASTRUCTURE
                           for a in node.names), path.name
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            assert module.split(".")[0] != "sim" or module in FILE_INFRASTRUCTURE, path.name
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{path.name}:{node.name} lacks a docstring"
            assert node.returns is not None, f"{path.name}:{node.name} lacks a return type"


def test_file_infrastructure_imports_no_model_module():
    import json
    import subprocess
    import sys

    code = ("import json, sys, " + ", ".join(sorted(FILE_INFRASTRUCTURE)) + "; print(json.dumps("
            "sorted(m for m in sys.modules if m == 'sim' or m.startswith('sim.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert json.loads(out) == sorted({"sim", *FILE_INFRASTRUCTURE})
