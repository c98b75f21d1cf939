"""The layout's rules, read from the source with ``ast`` (README "Layout", docs/ODD.md 7.k).

Every module in ``sim/`` has a docstring, at most 400 lines and no function with more than 12
parameters; nothing in ``sim/rules/`` imports Mesa, the file or output helpers or the command
line; strategies and the decisions that run them change the model's state only through the
documented seams (methods of ``model.supply`` and ``model.pop``), never by writing an array;
and the light commands (``--help``, ``params``, ``validate``) import only what they use.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
MODULES = sorted(SIM.rglob("*.py"))
MAX_LINES, MAX_PARAMS = 400, 12
# what a rule may not know: the agent framework, files and outputs, the command line
RULES_MAY_NOT_IMPORT = ("mesa", "sim.io", "sim.inputfiles", "sim.cli", "sim.record",
                        "sim.runs", "sim.app", "sim.workshop", "sim.book", "sim.market",
                        "pathlib", "argparse", "os", "io", "shutil", "pandas", "pyarrow")


def _rel(path: Path) -> str:
    return path.relative_to(SIM.parent).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_walk_sees_the_layers() -> None:
    folders = {p.parent.name for p in MODULES}
    assert {"market", "rules", "strategies", "runs", "app"} <= folders
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_module_is_small_and_says_what_it_owns(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_rel(path)} has {lines} lines (at most {MAX_LINES})"
    assert ast.get_docstring(_tree(path)), f"{_rel(path)} has no module docstring"


def _n_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    names = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    n = len(names) + (a.vararg is not None) + (a.kwarg is not None)
    return n - (1 if names and names[0].arg in ("self", "cls") else 0)


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_functions_take_few_parameters(path: Path) -> None:
    long = [f"{fn.name} ({_n_params(fn)})" for fn in ast.walk(_tree(path))
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            and _n_params(fn) > MAX_PARAMS]
    assert not long, f"{_rel(path)}: more than {MAX_PARAMS} parameters: {', '.join(long)}"


def _imports(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted((SIM / "rules").glob("*.py")), ids=_rel)
def test_rules_know_no_mesa_files_or_cli(path: Path) -> None:
    bad = sorted(m for m in _imports(_tree(path))
                 if any(m == b or m.startswith(b + ".") for b in RULES_MAY_NOT_IMPORT))
    assert not bad, f"{_rel(path)} imports {', '.join(bad)}"
    assert "open(" not in path.read_text(encoding="utf-8"), f"{_rel(path)} opens a file"


def _root(node: ast.expr) -> str | None:
    """The name an attribute/subscript chain starts from (``pop`` of ``pop.kam[:, s]``)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        if (isinstance(node, ast.Attribute) and node.attr == "model"
                and isinstance(node.value, ast.Name) and node.value.id == "self"):
            return "model"  # a Mesa agent's self.model
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _state_writes(fn: ast.FunctionDef) -> list[str]:
    """Lines of ``fn`` that write into the model's state: a store into an attribute or item
    reached from ``model`` (or from a name bound to a part of it, as ``pop = model.pop``)."""
    state = {"model", "m"}
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute | ast.Subscript
                                                       | ast.Tuple):
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if any(_root(v) in state for v in values):
                state |= {t.id for t in ast.walk(node.targets[0]) if isinstance(t, ast.Name)}
    for node in ast.walk(fn):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
        for t in targets:
            for sub in (t.elts if isinstance(t, ast.Tuple) else [t]):
                if isinstance(sub, ast.Attribute | ast.Subscript) and _root(sub) in state:
                    out.append(f"line {sub.lineno}: {ast.unparse(sub)}")
    return out


STRATEGY_MODULES = sorted((SIM / "strategies").glob("*.py"))


@pytest.mark.parametrize("path", [*STRATEGY_MODULES, SIM / "market" / "agents.py"], ids=_rel)
def test_strategies_change_state_only_through_seams(path: Path) -> None:
    writes = [f"{fn.name} {w}" for fn in ast.walk(_tree(path))
              if isinstance(fn, ast.FunctionDef) for w in _state_writes(fn)]
    assert not writes, f"{_rel(path)} writes the model's arrays: {'; '.join(writes)}"


def test_the_seam_check_finds_a_write() -> None:
    src = ("def setup(self, model, s):\n    pop = model.pop\n    sat = pop.satisfaction[:, s]\n"
           "    sat[0] = 1.0\n    model.supply.key_first[s] = True\n    self.added = 1\n"
           "    self.model.pop.kam[:, s] = False\n")
    fn = ast.parse(src).body[0]
    assert [w.split(":")[0] for w in _state_writes(fn)] == ["line 4", "line 5", "line 7"]


# what a command must not import: the model's framework, tables and figures it does not use
@pytest.mark.parametrize("argv, unused", [
    (["--help"], ("numpy", "pydantic", "mesa", "pandas", "matplotlib", "scipy")),
    (["params"], ("mesa", "pandas", "matplotlib", "scipy", "numba")),
    (["validate", "scenarios/baseline.toml", "scenarios/sweeps/switching_cost.toml"],
     ("mesa", "pandas", "matplotlib", "scipy", "numba", "pyarrow")),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_commands_import_only_what_they_use(argv: list[str], unused: tuple[str, ...]) -> None:
    code = ("import contextlib, io, sys\nfrom sim.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            f"    rc = main({argv!r})\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=SIM.parent, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = set(done.stdout.split())
    assert "sim" in loaded
    assert not loaded & set(unused), f"kamsim {' '.join(argv)} imports {loaded & set(unused)}"
