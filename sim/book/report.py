"""``kamsim book check``: a book's summary, the mapping applied, its features and targets.

Owns the text summary and the optional output folder (``features.csv``, ``targets.csv``,
``book.json``), written whole or not at all. With ``anonymise`` every id in every output is a
salted digest and no name is carried.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.book import features, targets
from sim.book.load import Book, anonymise, load
from sim.params import MATERIALS


def check(folder: Path, *, anonymise_ids: bool = False, salt: str | None = None,
          reps: int = 400, extra: Path | None = None) -> tuple[Book, pd.DataFrame,
                                                                pd.DataFrame]:
    """Load and validate ``folder``; return the book, its features and its targets."""
    book = load(folder)
    if anonymise_ids:
        book = anonymise(book, salt)
    panel = features.panel(book)
    feats = features.account_features(book, panel)
    table = targets.observed(book, panel, reps=reps)
    if extra is not None:
        table = pd.concat([table, targets.read_extra(extra)], ignore_index=True)
    return book, feats, table


def summary(book: Book, feats: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """The lines ``kamsim book check`` prints."""
    lines = book.lines
    n_cancel = int(lines["cancelled"].sum()) if "cancelled" in lines else 0
    opp = book.opportunities
    out = [f"book: {book.folder} ({len(book.files)} tables, currency {book.currency}"
           + (", ids anonymised" if book.anonymised else "") + ")",
           f"  {len(book.accounts)} accounts, {len(lines)} invoice lines ({n_cancel} "
           f"cancelled, dropped) {book.start.date()} .. {book.end.date()}"
           + (f", {len(opp)} opportunities" if opp is not None else ""),
           "mapping applied:"]
    out += [f"  {m.describe()}" for m in book.mappings]
    live = lines[~lines["cancelled"]] if "cancelled" in lines else lines
    tonnes = live.groupby("material_class")["tonnes"].sum()
    out.append("materials: " + ", ".join(
        f"{m} {tonnes.get(m, 0.0) / max(tonnes.sum(), 1e-12):.0%}" for m in MATERIALS)
        + f" of {tonnes.sum():,.0f} t")
    seg, col = features.segments(book.accounts)
    counts = seg.value_counts()
    unmapped = int(seg.isna().sum())
    out.append(f"segments (from {col or 'nothing'}): "
               + ", ".join(f"{k} {v}" for k, v in counts.items())
               + (f", not recognised {unmapped} (inferred from size when initialising)"
                  if unmapped else ""))
    act = feats[feats["active"]]
    out.append(f"features at the book's end: {len(act)} active accounts; annual tonnes median "
               f"{_num(act['tonnes_12m'].median())}, 90th pct "
               f"{_num(act['tonnes_12m'].quantile(0.9))}; tenure median "
               f"{_num(act['tenure_weeks'].median())} weeks; rhythm median "
               f"{_num(act['rhythm_weeks'].median())} weeks; trend median "
               f"{_num(act['trend'].median(), '+.1%')}")
    margin = ("margin median " + _num(act["margin"].median(), ".1%")
              if "margin" in act else "margin: no costs in the book")
    sow = (f"share of wallet given for {int(act['share_of_wallet'].notna().sum())}"
           if "share_of_wallet" in act else "share of wallet not given")
    out.append(f"  {margin}; {sow}")
    out.append("targets (value [90 % bootstrap interval over accounts]):")
    for row in table.itertuples():
        out.append(f"  {row.figure:<26} {_num(row.value):>10}  "
                   f"[{_num(row.low)}, {_num(row.high)}]  {row.source}")
    return out


def _num(x: float, fmt: str = ".4g") -> str:
    return "n/a" if x is None or not math.isfinite(float(x)) else format(float(x), fmt)


def write(out, book: Book, feats: pd.DataFrame, table: pd.DataFrame) -> None:
    """``features.csv``, ``targets.csv`` and ``book.json`` into ``out`` (a path or
    :class:`sim.io.OutDir`), atomically."""
    from sim.io import atomic_dir, nan_to_none, to_json

    with atomic_dir(out, "book") as tmp:
        feats.to_csv(tmp / "features.csv", index=False)
        table.to_csv(tmp / "targets.csv", index=False)
        meta = {"anonymised": book.anonymised, "currency": book.currency,
                "accounts": len(book.accounts), "invoice_lines": len(book.lines),
                "start": str(book.start.date()), "end": str(book.end.date()),
                "mapping": {m.table: {"systems": list(m.systems), "columns": m.columns,
                                      "ignored": list(m.ignored)} for m in book.mappings},
                "targets": {r.figure: {k: float(getattr(r, k)) for k in
                                       ("value", "se", "low", "high")}
                            for r in table.itertuples()}}
        (tmp / "book.json").write_text(to_json(nan_to_none(meta)))
