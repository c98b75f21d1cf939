"""Reading a customer book from a folder and validating it like any other input.

Owns finding the tables (``accounts``, ``invoice_lines``, ``opportunities`` as ``.csv``,
``.csv.gz`` or ``.parquet``), mapping their headers (``sim.book.schema``), parsing and checking
every value (dates, units, currencies, numbers, flags, ids) and ``anonymise``. Every problem is
one ``(file, "row N, COLUMN", message)`` triple; a book with any problem raises
:class:`sim.scenario.InputError` and nothing is returned. Rows are numbered as a spreadsheet
shows them (the header is row 1).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.book import schema
from sim.book.schema import Mapping
from sim.scenario import InputError

MAX_PER_COLUMN = 5  # problems listed per file and column before "... and N more rows"
SUFFIXES = (".csv", ".csv.gz", ".parquet")
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S")


@dataclass
class Book:
    """A validated book: canonical columns, tonnes, timestamps, one currency."""

    folder: Path
    accounts: pd.DataFrame
    lines: pd.DataFrame
    opportunities: pd.DataFrame | None
    currency: str
    mappings: list[Mapping]
    files: dict[str, Path]
    anonymised: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> pd.Timestamp:
        return self.lines["date"].min()

    @property
    def end(self) -> pd.Timestamp:
        return self.lines["date"].max()


class _Problems:
    """Collects problems, at most ``MAX_PER_COLUMN`` per (file, column)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self._extra: dict[tuple[str, str], int] = {}

    def add(self, file: Path, key: str, message: str) -> None:
        self.items.append((str(file), key, message))

    def rows(self, file: Path, column: str, rows: np.ndarray, message: str,
             header_rows: int = 1) -> None:
        for r in rows[:MAX_PER_COLUMN]:
            self.add(file, f"row {int(r) + header_rows + 1}, {column}", message)
        if rows.size > MAX_PER_COLUMN:
            self.add(file, column, f"... and {rows.size - MAX_PER_COLUMN} more rows: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def find_tables(folder: Path) -> dict[str, Path]:
    """The table files in ``folder`` (``invoice_lines`` is required)."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError([(str(folder), "", "book folder not found")])
    if not folder.is_dir():
        raise InputError([(str(folder), "", "a book is a folder of tables, not a file")])
    found: dict[str, Path] = {}
    problems = []
    for table in schema.TABLES:
        hits = [folder / f"{table}{s}" for s in SUFFIXES if (folder / f"{table}{s}").is_file()]
        if len(hits) > 1:
            problems.append((str(folder), table, "more than one file: "
                             + ", ".join(h.name for h in hits)))
        elif hits:
            found[table] = hits[0]
    if "invoice_lines" not in found and not problems:
        problems.append((str(folder), "invoice_lines",
                         "missing: invoice_lines.csv, .csv.gz or .parquet is required"))
    if problems:
        raise InputError(problems)
    return found


def read_raw(path: Path) -> pd.DataFrame:
    """A table as strings (values are parsed and checked here, not by the reader)."""
    try:
        if path.name.endswith(".parquet"):
            df = pd.read_parquet(path)
            for c in df.columns:
                if pd.api.types.is_datetime64_any_dtype(df[c]):
                    df[c] = df[c].dt.strftime("%Y-%m-%d")
            return df.astype("string").fillna("")
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                           skipinitialspace=True, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError,
            OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise InputError([(str(path), "", f"cannot read table (truncated or not "
                           f"{'Parquet' if path.suffix == '.parquet' else 'CSV'}?): "
                           f"{reason}")]) from None


def load(folder: str | Path) -> Book:
    """Read, map and validate the book in ``folder``; raise InputError listing every problem."""
    files = find_tables(Path(folder))
    problems = _Problems()
    frames: dict[str, pd.DataFrame] = {}
    mappings: list[Mapping] = []
    for table, path in files.items():
        try:
            raw = read_raw(path)
        except InputError as exc:  # report every unreadable table, not only the first
            problems.items.extend(exc.problems)
            continue
        mapping, header_problems = schema.map_headers(table, list(raw.columns))
        for msg in header_problems:
            problems.add(path, "columns", msg)
        if header_problems:
            continue
        mappings.append(mapping)
        if raw.empty:
            problems.add(path, "", "no rows")
            continue
        df = raw[list(mapping.columns)].rename(columns=mapping.columns)
        back = {v: k for k, v in mapping.columns.items()}
        frames[table] = _parse(df, path, back, problems)
    problems.raise_if_any()
    currency = _check_links(frames, files, problems)
    problems.raise_if_any()
    lines = frames["invoice_lines"]
    accounts = frames.get("accounts")
    if accounts is None:  # accounts known only by their invoices
        accounts = pd.DataFrame({"account_id": pd.unique(lines["account_id"])})
    return Book(Path(folder), accounts, lines, frames.get("opportunities"), currency,
                mappings, files)


def _parse(df: pd.DataFrame, path: Path, header: dict[str, str],
           problems: _Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        text = df[col].astype(str).str.strip()
        name = header[col]
        if col in schema.DATE_FIELDS:
            out[col] = _dates(text, path, name, problems, required=col != "created")
        elif col in schema.NUMBER_FIELDS:
            out[col] = _numbers(text, path, name, problems, col)
        elif col in schema.FLAG_FIELDS:
            low = text.str.lower()
            bad = ~low.isin(schema.TRUE_FLAGS | schema.FALSE_FLAGS)
            problems.rows(path, name, np.flatnonzero(bad.to_numpy()),
                          "not a yes/no flag (1/0, true/false, X/blank)")
            out[col] = low.isin(schema.TRUE_FLAGS)
        elif col == "unit":
            low = text.str.lower().str.replace(".", "", regex=False)
            bad = ~low.isin(list(schema.UNITS))
            for value in pd.unique(text[bad]):
                rows = np.flatnonzero((text == value).to_numpy())
                problems.rows(path, name, rows, f"unknown unit {value!r} (use t, kg or lb)")
            out["tonnes_per_unit"] = low.map(schema.UNITS).astype(float)
        elif col == "currency":
            up = text.str.upper()
            bad = ~up.isin(schema.CURRENCIES)
            problems.rows(path, name, np.flatnonzero(bad.to_numpy()),
                          "not an ISO 4217 currency code (e.g. CNY, EUR, USD)")
            out[col] = up
        else:
            if col in ("account_id", "invoice_id", "opportunity_id"):
                empty = (text == "").to_numpy()
                problems.rows(path, name, np.flatnonzero(empty), "empty id")
            out[col] = text
    if "quantity" in out and "tonnes_per_unit" in out:
        out["tonnes"] = out["quantity"] * out["tonnes_per_unit"]
        out = out.drop(columns="tonnes_per_unit")
    if "material" in out:
        kinds = {v: schema.classify(v, schema.MATERIAL_RULES) for v in out["material"].unique()}
        cls = out["material"].map(kinds)
        for value in pd.unique(out.loc[cls.isna(), "material"]):
            rows = np.flatnonzero((out["material"] == value).to_numpy())
            problems.rows(path, header["material"], rows,
                          f"material {value!r} is not recognisably steel, coated/AHSS steel "
                          f"or aluminium")
        out["material_class"] = cls
    if "account_id" in out and "invoice_id" not in out and "opportunity_id" not in out:
        dup = out["account_id"].duplicated(keep="first") & (out["account_id"] != "")
        for r in np.flatnonzero(dup.to_numpy())[:MAX_PER_COLUMN]:
            problems.add(path, f"row {r + 2}, {header['account_id']}",
                         f"duplicate account id {out['account_id'].iat[r]!r}")
    if "invoice_id" in out and "line" in out:
        dup = out.duplicated(["invoice_id", "line"], keep="first")
        problems.rows(path, header["line"], np.flatnonzero(dup.to_numpy()),
                      "duplicate invoice line (same invoice id and line number)")
    if "opportunity_id" in out:
        dup = out["opportunity_id"].duplicated(keep="first") & (out["opportunity_id"] != "")
        problems.rows(path, header["opportunity_id"], np.flatnonzero(dup.to_numpy()),
                      "duplicate opportunity id")
    return out


def _dates(text: pd.Series, path: Path, name: str, problems: _Problems,
           required: bool) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc="%z" in fmt)
        if "%z" in fmt:
            got = got.dt.tz_convert(None)
        parsed[todo] = got
    bad = parsed.isna() & ((text != "") | required)
    problems.rows(path, name, np.flatnonzero(bad.to_numpy()),
                  "not a date (use YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY)")
    return parsed


def _numbers(text: pd.Series, path: Path, name: str, problems: _Problems,
             col: str) -> pd.Series:
    clean = text.str.replace(",", "", regex=False)
    sap_negative = clean.str.endswith("-")  # SAP writes -5 as "5-"
    clean = clean.where(~sap_negative, "-" + clean.str.rstrip("-"))
    values = pd.to_numeric(clean, errors="coerce")
    optional = col in ("cost", "probability", "share_of_wallet")
    missing = values.isna() & ~((text == "") & optional)
    problems.rows(path, name, np.flatnonzero(missing.to_numpy()),
                  "not a number (NaN or text)" if col != "share_of_wallet" else "not a number")
    inf = np.isinf(values.fillna(0).to_numpy())
    problems.rows(path, name, np.flatnonzero(inf), "must be finite")
    negative = (values < 0).to_numpy()
    problems.rows(path, name, np.flatnonzero(negative), "must not be negative")
    if col in ("probability", "share_of_wallet"):
        over = (values > 100).to_numpy()
        problems.rows(path, name, np.flatnonzero(over), "must be a share (0-1 or 0-100 %)")
        values = values.where(~(values > 1), values / 100.0)
    return values.astype(float)


def _check_links(frames: dict[str, pd.DataFrame], files: dict[str, Path],
                 problems: _Problems) -> str:
    lines = frames["invoice_lines"]
    path = files["invoice_lines"]
    currencies = set(lines["currency"]) if "currency" in lines else set()
    if "accounts" in frames and "currency" in frames["accounts"] and not currencies:
        currencies = set(frames["accounts"]["currency"]) - {""}
    if len(currencies) > 1:
        problems.add(path, "currency", "invoice lines in several currencies ("
                     + ", ".join(sorted(currencies)) + "): convert to one before export")
    if "accounts" in frames:
        known = set(frames["accounts"]["account_id"])
        for table in ("invoice_lines", "opportunities"):
            if table not in frames:
                continue
            unknown = ~frames[table]["account_id"].isin(known).to_numpy()
            for value in pd.unique(frames[table]["account_id"][unknown])[:MAX_PER_COLUMN]:
                r = int(np.flatnonzero((frames[table]["account_id"] == value).to_numpy())[0])
                problems.add(files[table], f"row {r + 2}, account_id",
                             f"unknown account id {value!r} (not in {files['accounts'].name})")
            extra = pd.unique(frames[table]["account_id"][unknown]).size - MAX_PER_COLUMN
            if extra > 0:
                problems.add(files[table], "account_id", f"... and {extra} more unknown ids")
    return next(iter(currencies), "CNY")


def anonymise(book: Book, salt: str | None = None) -> Book:
    """A copy with every id replaced by a salted SHA-256 digest and names dropped.

    The same salt gives the same digests (so two exports can be linked); without one a random
    salt is used and the digests cannot be traced back by guessing ids.
    """
    salt = secrets.token_hex(16) if salt is None else salt

    def digest(values: pd.Series) -> pd.Series:
        return values.map(lambda v: "" if v == "" else hashlib.sha256(
            f"{salt}\x00{v}".encode()).hexdigest()[:16])

    def scrub(df: pd.DataFrame | None) -> pd.DataFrame | None:
        if df is None:
            return None
        df = df.drop(columns=[c for c in schema.NAME_FIELDS if c in df])
        for c in schema.ID_FIELDS:
            if c in df:
                df[c] = digest(df[c])
        return df

    return replace(book, accounts=scrub(book.accounts), lines=scrub(book.lines),
                   opportunities=scrub(book.opportunities), anonymised=True)
