"""Docs that are generated from the one parameter declaration stay in step with it."""

from pathlib import Path

from sim.schema import iter_params, parameter_table

ROOT = Path(__file__).resolve().parents[1]


def test_parameter_doc_is_generated_from_declaration():
    text = (ROOT / "docs" / "PARAMETERS.md").read_text()
    table = "\n".join(parameter_table(markdown=True)) + "\n"
    assert text == table, "docs/PARAMETERS.md is stale: regenerate with `make docs`"


def test_every_parameter_has_unit_and_source():
    missing = [p.key for p in iter_params() if not p.unit or not p.source]
    assert not missing, f"parameters without unit or source: {missing}"
