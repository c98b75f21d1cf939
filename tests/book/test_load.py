"""Importing a book: header mappings, units, features, and every kind of bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.book import features, load, schema
from sim.cli import main
from sim.scenario import InputError

from .conftest import tiny_tables, write_book


def test_example_book_imports_with_salesforce_and_sap_mappings(example_book):
    book = load.load(example_book)
    truth = json.loads((example_book / "truth.json").read_text())
    assert len(book.accounts) == truth["accounts"]
    systems = {m.table: m.systems for m in book.mappings}
    assert systems == {"accounts": ("salesforce",), "invoice_lines": ("sap",),
                       "opportunities": ("salesforce",)}
    sap = next(m for m in book.mappings if m.table == "invoice_lines")
    assert sap.columns["KUNAG"] == "account_id" and sap.columns["FKIMG"] == "quantity"
    assert sap.columns["POSNR"] == "line" and not sap.ignored
    assert set(book.lines["material_class"]) == {"steel", "hdg_ahss", "aluminium"}
    assert book.currency == "CNY"
    segments, column = features.segments(book.accounts)
    assert column == "industry"  # the generator's industry texts name its segments
    assert segments.value_counts().to_dict() == truth["segment_counts"]


def test_units_convert_to_tonnes_and_cancelled_lines_are_dropped(tiny_book):
    book = load.load(tiny_book)
    c = book.lines[book.lines["account_id"] == "C"]
    assert np.allclose(c["tonnes"], 2.0)  # 2000 kg
    feats = features.account_features(book).set_index("account_id")
    # C bought every second week of the second year, one line cancelled: 25 x 2 t
    assert feats.loc["C", "tonnes_12m_hdg_ahss"] == pytest.approx(50.0)
    assert feats.loc["A", "tonnes_12m_steel"] == pytest.approx(520.0)
    assert feats.loc["A", "margin"] == pytest.approx(0.1)
    assert feats.loc["A", "share_of_wallet"] == pytest.approx(0.5)
    assert feats.loc["C", "share_of_wallet"] == pytest.approx(0.25)
    assert bool(feats.loc["A", "active"]) and not bool(feats.loc["B", "active"])
    assert feats.loc["A", "rhythm_weeks"] == pytest.approx(1.0)
    assert feats.loc["B", "rhythm_weeks"] == pytest.approx(4.0)
    assert feats.loc["A", "trend"] == pytest.approx(0.0)
    assert feats.loc["A", "trend_se"] == pytest.approx(0.0)  # the same tonnes every week
    assert np.isnan(feats.loc["C", "trend_se"])  # no purchase in the year before
    assert feats.loc["A", "tenure_weeks"] > 52 * 4  # from the created date, not the invoices
    assert list(feats["segment"]) == ["tier1", "ice_oem", "tier2"]
    assert feats.loc["A", "win_rate"] == 1.0 and np.isnan(feats.loc["C", "win_rate"])
    assert feats.loc["C", "pipeline_open"] == 2000.0 and np.isnan(feats.loc["B", "win_rate"])


def test_pounds_and_sap_headers(tmp_path):
    t = tiny_tables()
    lines = t["invoice_lines"].rename(columns={
        "invoice_id": "VBELN", "account_id": "KUNAG", "date": "FKDAT", "material": "ARKTX",
        "quantity": "FKIMG", "unit": "VRKME", "net_value": "NETWR", "cost": "WAVWR",
        "cancelled": "FKSTO", "currency": "WAERK"})
    lines["FKDAT"] = pd.to_datetime(lines["FKDAT"]).dt.strftime("%Y%m%d")
    lines.loc[0, ["FKIMG", "VRKME"]] = ["2204.62262", "LB"]
    t["invoice_lines"] = lines
    book = load.load(write_book(tmp_path / "b", t))
    assert book.lines["tonnes"].iloc[0] == pytest.approx(1.0)
    assert next(m for m in book.mappings if m.table == "invoice_lines").systems == ("sap",)


def _broken(tmp_path: Path, table: str, edit) -> Path:
    t = tiny_tables()
    t[table] = edit(t[table].copy())
    return write_book(tmp_path / "bad", t)


def _set(col: str, value: str, row: int = 3):
    def edit(df):
        df.loc[row, col] = value
        return df
    return edit


BAD = {
    "negative quantity": ("invoice_lines", _set("quantity", "-5"), "row 5, quantity",
                          "must not be negative"),
    "SAP negative": ("invoice_lines", _set("quantity", "5-"), "row 5, quantity",
                     "must not be negative"),
    "NaN quantity": ("invoice_lines", _set("quantity", "NaN"), "row 5, quantity",
                     "not a number"),
    "text value": ("invoice_lines", _set("net_value", "lots"), "row 5, net_value",
                   "not a number"),
    "bad date": ("invoice_lines", _set("date", "2024-13-45"), "row 5, date", "not a date"),
    "unit": ("invoice_lines", _set("unit", "m3"), "row 5, unit", "unknown unit 'm3'"),
    "currency code": ("invoice_lines", _set("currency", "XYZ"), "row 5, currency",
                      "ISO 4217"),
    "two currencies": ("invoice_lines", _set("currency", "EUR"), "currency",
                       "several currencies"),
    "unknown account": ("invoice_lines", _set("account_id", "ZZ"), "row 5, account_id",
                        "unknown account id 'ZZ'"),
    "duplicate account": ("accounts", _set("account_id", "A", 1), "row 3, account_id",
                          "duplicate account id 'A'"),
    "material": ("invoice_lines", _set("material", "plastic pellets"), "row 5, material",
                 "not recognisably"),
    "missing column": ("invoice_lines", lambda df: df.drop(columns="unit"), "columns",
                       "no column for unit"),
    "duplicate line": ("invoice_lines", lambda df: df.assign(
        line="10", invoice_id=["I1", "I1", *df["invoice_id"][2:]]), "row 3, line",
        "duplicate invoice line"),
    "flag": ("invoice_lines", _set("cancelled", "maybe"), "row 5, cancelled", "yes/no"),
    "probability": ("opportunities", lambda df: df.assign(probability=["150", "20"]),
                    "row 2, probability", "must be a share"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_book_one_line_per_problem_naming_file_and_cell(tmp_path, case):
    table, edit, key, message = BAD[case]
    folder = _broken(tmp_path, table, edit)
    with pytest.raises(InputError) as exc:
        load.load(folder)
    hits = [p for p in exc.value.problems if p[1] == key and message in p[2]]
    assert hits, exc.value.problems
    assert hits[0][0] == str(folder / f"{table}.csv")


def test_truncated_and_missing_files(tmp_path):
    folder = write_book(tmp_path / "b")
    raw = (folder / "invoice_lines.csv").read_bytes()
    (folder / "invoice_lines.csv").unlink()
    (folder / "invoice_lines.csv.gz").write_bytes(gzip.compress(raw)[:400])
    (folder / "opportunities.csv").unlink()
    (folder / "opportunities.parquet").write_bytes(b"PAR1 cut")
    with pytest.raises(InputError) as exc:
        load.load(folder)
    files = sorted(Path(p[0]).name for p in exc.value.problems)
    assert files == ["invoice_lines.csv.gz", "opportunities.parquet"]  # each unreadable one
    (folder / "invoice_lines.csv.gz").unlink()
    with pytest.raises(InputError, match="invoice_lines.csv, .csv.gz or .parquet is required"):
        load.load(folder)
    with pytest.raises(InputError, match="book folder not found"):
        load.load(tmp_path / "nowhere")


def test_parquet_tables_read_as_csv_ones(tmp_path):
    t = tiny_tables()
    folder = tmp_path / "pq"
    folder.mkdir()
    lines = t["invoice_lines"].copy()
    lines["date"] = pd.to_datetime(lines["date"])
    lines["quantity"] = lines["quantity"].astype(float)
    lines.to_parquet(folder / "invoice_lines.parquet")
    t["accounts"].to_parquet(folder / "accounts.parquet")
    a, b = load.load(folder), load.load(write_book(tmp_path / "csv", t))
    assert np.allclose(a.lines["tonnes"], b.lines["tonnes"])
    assert (a.lines["date"] == b.lines["date"]).all()


def test_cli_bad_book_exit_2_no_traceback_nothing_written(tmp_path, capsys):
    folder = _broken(tmp_path, "invoice_lines", _set("quantity", "-1"))
    out = tmp_path / "out"
    assert main(["book", "check", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "invoice_lines.csv: row 5, quantity" in err
    assert not out.exists()


def test_anonymise_leaves_no_id_or_name_in_any_output(tiny_book, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["book", "check", str(tiny_book), "--anonymise", "--salt", "s",
                 "--reps", "20", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    texts = [printed] + [p.read_text() for p in out.iterdir()]
    t = tiny_tables()
    secrets = {*t["accounts"]["name"], *t["accounts"]["owner"],
               *t["invoice_lines"]["invoice_id"], *t["opportunities"]["opportunity_id"]}
    meta = json.loads((out / "book.json").read_text(),  # valid JSON: no NaN or Infinity
                      parse_constant=lambda c: pytest.fail(f"{c} in book.json"))
    assert meta["anonymised"] and meta["targets"]["retention"]["value"] > 0
    ids = pd.read_csv(out / "features.csv", dtype=str)["account_id"]
    assert len(set(ids)) == 3 and not set(ids) & {"A", "B", "C"}
    for text in texts:
        for s in secrets:
            assert s not in text
    again = load.anonymise(load.load(tiny_book), "s").accounts["account_id"]
    assert list(again) == list(ids)  # the same salt links two exports


def test_header_mapping_reports_conflicts_and_systems():
    m, problems = schema.map_headers("accounts", ["KUNNR", "NAME1", "BRSCH", "Extra"])
    assert m.systems == ("sap",) and m.ignored == ("Extra",) and not problems
    assert "KUNNR->account_id" in m.describe()
    _, problems = schema.map_headers("accounts", ["KUNNR", "Account ID"])
    assert problems == ["columns 'KUNNR' and 'Account ID' both give account_id"]


def test_example_book_is_its_generators_output_and_not_the_model(example_book, tmp_path):
    from sim.book import synth

    synth.write(tmp_path, 20261130)
    for f in example_book.iterdir():
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name
    source = Path(synth.__file__).read_text()
    assert "from sim" not in source and "import sim" not in source


def test_cli_check_prints_the_mapping_applied(example_book, capsys):
    assert main(["book", "check", str(example_book), "--reps", "20"]) == 0
    out = capsys.readouterr().out
    assert "invoice_lines: sap headers (VBELN->invoice_id" in out
    assert "accounts: salesforce headers" in out
    assert "retention_A" in out and "churn_after_rise" in out


def test_growth_shrinks_noisy_trends_toward_the_segments_pooled_trend():
    """features.growth: precise trends are kept, noisy ones pooled by segment, accounts
    without two years and segments of few accounts take a pooled trend."""
    rng = np.random.default_rng(0)
    se = np.r_[np.full(20, 0.01), np.full(20, 0.5), np.full(3, 0.01), np.nan]
    ell = 0.05 + rng.normal(0.0, 0.1, se.size) + rng.normal(0.0, np.nan_to_num(se))
    seg = ["ice_oem"] * 20 + ["tier2"] * 20 + ["ev_oem"] * 3 + ["tier2"]
    feats = pd.DataFrame({"segment": seg, "trend": np.expm1(ell), "trend_se": se,
                          "tonnes_12m": 100.0 * np.exp(ell)})
    g = features.growth(feats)
    np.testing.assert_allclose(g[:20], ell[:20], atol=0.01)  # precise: its own
    pooled = np.log(feats["tonnes_12m"][20:40].sum() / 2000.0)
    assert np.std(g[20:40]) < 0.2 * np.std(ell[20:40])  # noisy: shrunk ...
    assert abs(np.mean(g[20:40]) - pooled) < 0.05  # ... toward its segment's pooled trend
    assert g[43] == pytest.approx(pooled)  # no trend: its segment's pooled trend
    assert np.isfinite(g[40:43]).all()  # a segment of three: all accounts' pooled trend
