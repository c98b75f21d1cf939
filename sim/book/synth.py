"""A synthetic customer book from an independent generative process (not the market model).

Owns ``books/example``: about 800 accounts of a steel/aluminium service centre, three years of
SAP-style invoice lines (VBRK/VBRP headers, tonnes, kilograms and pounds, YYYYMMDD dates,
cancelled lines) and Salesforce-style accounts and opportunities. The process is deliberately
not kamsim's: accounts order by a Poisson process around a log-normal annual volume with a
personal trend, leave with an annual hazard that falls with their size, rise sharply for
price-sensitive accounts in the half-year after a steel price rise, and new accounts arrive at
a fixed rate. Its generating constants are written to ``truth.json`` beside the tables so tests
can check what the importer and the targets recover.

Run ``python -m sim.book.synth OUT_DIR [--seed N]``; the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

START, YEARS = pd.Timestamp("2023-01-02"), 3
WEEKS = 52 * YEARS
INITIAL_ACCOUNTS, NEW_PER_YEAR = 700, 34
SEGMENTS = {  # share, median t/year, industry text, base mix (steel, hdg/ahss, aluminium)
    "tier2": (0.62, 30.0, "Tier 2 Stamping", (0.85, 0.13, 0.02)),
    "tier1": (0.25, 160.0, "Tier 1 Supplier", (0.70, 0.22, 0.08)),
    "ice_oem": (0.05, 1400.0, "Automotive OEM", (0.72, 0.22, 0.06)),
    "ev_oem": (0.04, 1100.0, "NEV OEM", (0.45, 0.30, 0.25)),
    "new_entrant": (0.04, 220.0, "EV Start-up", (0.50, 0.25, 0.25)),
}
SIZE_SIGMA = 1.1
PRICE = (4800.0, 6300.0, 21500.0)  # CNY/t before the account's markup
MATERIAL_TEXT = (("CRC DC01 1.2mm coil", "HRC Q235 sheet", "Cold rolled steel blank"),
                 ("HDG DX51D+Z coil", "AHSS DP780 blank", "Galvanised GI sheet"),
                 ("Aluminium 6016 sheet", "AL 5182 blank", "Alu 6061 coil"))
HAZARD_SMALL, HAZARD_DECAY = 0.22, 0.45  # annual leaving hazard = 0.22 x (t/yr / 10)^-0.45
RISE_WEEK, RISE, RISE_EXTRA_HAZARD = 62, 0.18, 0.35  # steel +18 %; extra hazard for 26 weeks
SENSITIVE_SHARE = 0.4  # share of tier-2 and tier-1 accounts that react to the rise


def _hazard(tonnes: np.ndarray) -> np.ndarray:
    return np.clip(HAZARD_SMALL * (np.maximum(tonnes, 1.0) / 10.0) ** -HAZARD_DECAY, 0.01, 0.6)


def generate(seed: int = 20261130) -> tuple[dict[str, pd.DataFrame], dict]:
    """The three tables and the generator's constants and realised facts."""
    rng = np.random.default_rng(seed)
    n_new = rng.poisson(NEW_PER_YEAR * YEARS)
    n = INITIAL_ACCOUNTS + n_new
    names = list(SEGMENTS)
    seg = rng.choice(len(names), size=n, p=[SEGMENTS[s][0] for s in names])
    median = np.array([SEGMENTS[s][1] for s in names])[seg]
    tonnes = median * np.exp(SIZE_SIGMA * rng.standard_normal(n))
    trend = rng.normal(0.03, 0.10, n)
    mix = np.stack([rng.dirichlet(40 * np.array(SEGMENTS[names[s]][3])) for s in seg])
    markup = rng.normal(0.09, 0.03, n)
    first = np.zeros(n, dtype=int)
    first[INITIAL_ACCOUNTS:] = np.sort(rng.integers(0, WEEKS, n_new))
    sensitive = (np.isin(seg, [0, 1])) & (rng.random(n) < SENSITIVE_SHARE)
    weekly_h = 1 - (1 - _hazard(tonnes)) ** (1 / 52)
    extra = 1 - (1 - RISE_EXTRA_HAZARD) ** (1 / 26)
    last = np.full(n, WEEKS)  # first week without purchases
    for i in range(n):
        h = np.full(WEEKS, weekly_h[i])
        if sensitive[i]:
            h[RISE_WEEK:RISE_WEEK + 26] += extra
        h[:first[i]] = 0.0
        gone = np.flatnonzero(rng.random(WEEKS) < h)
        if gone.size:
            last[i] = gone[0]
    steel_index = np.where(np.arange(WEEKS) >= RISE_WEEK, 1 + RISE, 1.0)
    steel_index *= np.exp(np.cumsum(rng.normal(0, 0.005, WEEKS)))
    index = np.stack([steel_index, np.exp(np.cumsum(rng.normal(0, 0.005, WEEKS))),
                      np.exp(np.cumsum(rng.normal(0, 0.006, WEEKS)))], 1)
    lines = _lines(rng, tonnes, trend, mix, markup, first, last, index)
    ids = np.array([f"0010{k:06d}" for k in rng.permutation(n)])
    accounts = _accounts(rng, ids, seg, names, first, tonnes)
    lines["KUNAG"] = ids[lines.pop("account")]
    opps = _opportunities(rng, ids, first, last)
    truth = {"seed": seed, "accounts": int(n), "initial_accounts": INITIAL_ACCOUNTS,
             "new_accounts": int(n_new), "new_per_year": NEW_PER_YEAR,
             "hazard": {"small_at_10t": HAZARD_SMALL, "decay": HAZARD_DECAY},
             "price_rise": {"material": "steel", "week": RISE_WEEK, "size": RISE,
                            "date": str((START + pd.Timedelta(weeks=RISE_WEEK)).date()),
                            "extra_hazard_26w": RISE_EXTRA_HAZARD,
                            "sensitive_accounts": int(sensitive.sum())},
             "left": int((last < WEEKS).sum()),
             "segment_counts": {s: int((seg == k).sum()) for k, s in enumerate(names)}}
    return {"accounts": accounts, "invoice_lines": lines, "opportunities": opps}, truth


def _lines(rng: np.random.Generator, tonnes: np.ndarray, trend: np.ndarray, mix: np.ndarray,
           markup: np.ndarray, first: np.ndarray, last: np.ndarray,
           index: np.ndarray) -> pd.DataFrame:
    orders_per_year = np.clip(4 + 16 * np.log10(1 + tonnes / 10), 3, 52)
    rows: list[tuple] = []
    for i in range(tonnes.size):
        weeks = np.arange(first[i], last[i])
        k = rng.poisson(orders_per_year[i] / 52, weeks.size)
        k[0] = max(k[0], 1) if weeks.size and first[i] > 0 else k[0]
        for w in np.repeat(weeks, k):
            size = tonnes[i] * (1 + trend[i]) ** (w / 52) / orders_per_year[i]
            for m in np.flatnonzero(rng.random(3) < np.sqrt(mix[i])):
                q = size * mix[i, m] / np.sqrt(mix[i, m]) * rng.gamma(4.0, 0.25)
                rows.append((i, w, m, q))
    a, w, m, q = (np.array(c) for c in zip(*rows, strict=True))
    price = np.array(PRICE)[m] * index[w, m] * (1 + markup[a])
    cost = np.array(PRICE)[m] * index[w, m] * rng.normal(0.93, 0.015, a.size)
    unit = rng.choice(["TO", "KG", "LB"], size=a.size, p=[0.85, 0.12, 0.03])
    per_unit = np.select([unit == "KG", unit == "LB"], [1e3, 1 / 0.45359237e-3], 1.0)
    date = START + pd.to_timedelta(w * 7 + rng.integers(0, 5, a.size), unit="D")
    text = np.array(MATERIAL_TEXT)[m, rng.integers(0, 3, a.size)]
    order = np.lexsort((a, date.to_numpy()))
    invoice = np.cumsum(np.r_[True, (np.diff(a[order]) != 0)
                              | (np.diff(date.to_numpy()[order]) != np.timedelta64(0, "ns"))])
    return pd.DataFrame({
        "VBELN": [f"9{v:08d}" for v in invoice],
        "POSNR": 10 * (pd.Series(invoice).groupby(invoice).cumcount().to_numpy() + 1),
        "account": a[order], "FKDAT": date[order].strftime("%Y%m%d"), "ARKTX": text[order],
        "FKIMG": np.round(q[order] * per_unit[order], 3), "VRKME": unit[order],
        "NETWR": np.round((q * price)[order], 2), "WAVWR": np.round((q * cost)[order], 2),
        "WAERK": "CNY", "FKSTO": np.where(rng.random(a.size) < 0.01, "X", "")})


def _accounts(rng: np.random.Generator, ids: np.ndarray, seg: np.ndarray, names: list[str],
              first: np.ndarray, tonnes: np.ndarray) -> pd.DataFrame:
    n = ids.size
    tenure_years = rng.exponential(5.0, n)
    created = np.where(first > 0, START + pd.to_timedelta(first * 7 - 14, unit="D"),
                       START - pd.to_timedelta(np.round(tenure_years * 365), unit="D"))
    sow = np.clip(rng.beta(4, 4, n), 0.05, 1.0)
    given = rng.random(n) < 0.4
    parents = rng.random(n) < 0.15
    return pd.DataFrame({
        "Id": ids, "Name": [f"Customer {k:04d} Co., Ltd." for k in range(n)],
        "Industry": [SEGMENTS[names[s]][2] for s in seg],
        "ParentId": np.where(parents, ids[rng.integers(0, n, n)], ""),
        "BillingCountry": rng.choice(["CN", "CN", "CN", "DE", "JP"], n),
        "OwnerId": [f"005{k:03d}" for k in rng.integers(0, 24, n)],
        "CurrencyIsoCode": "CNY",
        "Payment_Terms__c": rng.choice(["NT30", "NT60", "NT90"], n, p=[0.3, 0.5, 0.2]),
        "Rating": rng.choice(["A", "B", "C"], n, p=[0.5, 0.4, 0.1]),
        "Procurement_Mode__c": np.where(tonnes > 800, "tender", "spot"),
        "CreatedDate": pd.DatetimeIndex(created).strftime("%Y-%m-%d"),
        "Share_of_Wallet__c": np.where(given, np.round(sow * 100, 0).astype(str), "")})


def _opportunities(rng: np.random.Generator, ids: np.ndarray, first: np.ndarray,
                   last: np.ndarray) -> pd.DataFrame:
    k = 320
    acc = rng.integers(0, ids.size, k)
    week = rng.integers(0, WEEKS, k)
    won = (rng.random(k) < 0.45) & (week < last[acc])
    closed = week < WEEKS - 8
    stage = np.where(~closed, "Negotiation", np.where(won, "Closed Won", "Closed Lost"))
    return pd.DataFrame({
        "Id": [f"006{v:07d}" for v in range(k)], "AccountId": ids[acc], "StageName": stage,
        "Amount": np.round(rng.lognormal(13, 1.0, k), -3),
        "Probability": np.where(closed, np.where(won, 100, 0), 60),
        "CloseDate": (START + pd.to_timedelta(week * 7, unit="D")).strftime("%Y-%m-%d"),
        "IsWon": np.where(won, "true", "false"), "CurrencyIsoCode": "CNY"})


def write(out: Path, seed: int) -> None:
    tables, truth = generate(seed)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv.gz", index=False,
                  compression={"method": "gzip", "mtime": 0})
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


def ensure(out: Path, seed: int = 20261130) -> Path:
    """``out`` holding the example book: written by :func:`write` unless already there."""
    if not (out / "invoice_lines.csv.gz").is_file():
        write(out, seed)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args()
    write(args.out, args.seed)


if __name__ == "__main__":
    main()
