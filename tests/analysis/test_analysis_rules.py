"""Project rules for analysis/: never touches the model, documented, small modules."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "analysis"
MODULES = sorted(PKG.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_rules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
    assert len(path.read_text().splitlines()) <= 400, f"{path.name} is too long"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "sim" for a in node.names), path.name
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "sim", path.name
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{path.name}:{node.name} lacks a docstring"
            assert node.returns is not None, f"{path.name}:{node.name} lacks a return type"
