"""A tiny customer book in kamsim's own headers, written per test, and the example book."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "books" / "example"


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Three accounts over two years: A buys steel weekly, B aluminium monthly then stops,
    C arrives in the second year and buys galvanised steel in kilograms."""
    accounts = pd.DataFrame({
        "account_id": ["A", "B", "C"], "name": ["Alpha Ltd", "Beta Ltd", "Gamma Ltd"],
        "industry": ["Tier 1 Supplier", "Automotive OEM", "Tier 2 Stamping"],
        "owner": ["u1", "u2", "u1"], "currency": ["CNY"] * 3,
        "created": ["2020-01-01", "2023-01-01", "2024-01-01"],
        "share_of_wallet": ["50", "", "0.25"]})
    rows = []
    for w in range(104):
        day = (pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=w)).strftime("%Y-%m-%d")
        rows.append((f"IA{w}", "A", day, "CRC DC01 coil", "10", "t", "50000", "45000", ""))
        if w % 4 == 0 and w < 60:
            rows.append((f"IB{w}", "B", day, "Aluminium 6016 sheet", "4", "t", "90000",
                         "80000", ""))
        if w >= 52 and w % 2 == 0:
            rows.append((f"IC{w}", "C", day, "HDG DX51D+Z", "2000", "kg", "13000", "12000",
                         "1" if w == 60 else ""))
    lines = pd.DataFrame(rows, columns=["invoice_id", "account_id", "date", "material",
                                        "quantity", "unit", "net_value", "cost", "cancelled"])
    lines["currency"] = "CNY"
    opps = pd.DataFrame({"opportunity_id": ["O1", "O2"], "account_id": ["A", "C"],
                         "stage": ["Closed Won", "Negotiation"], "amount": ["1000", "2000"],
                         "close_date": ["2024-03-01", "2025-01-15"], "won": ["1", "0"]})
    return {"accounts": accounts, "invoice_lines": lines, "opportunities": opps}


def write_book(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (tables or tiny_tables()).items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def tiny_book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book")


@pytest.fixture(scope="session")
def example_book() -> Path:
    return EXAMPLE
