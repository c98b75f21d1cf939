"""Analysis of kamsim output tables (see docs/TABLES.md).

This package owns everything that turns the simulator's tidy Parquet tables into numbers,
figures and the offline HTML report. It reads tables only: it never imports or runs the model
(`sim`). Public entry points:

- `analysis.stats`   – confidence intervals, survival, concentration, CLV, pool health, KPIs.
- `analysis.i18n`    – English / Simplified Chinese labels and CJK font set-up.
- `analysis.plots`   – one function per figure, each returning a matplotlib Figure.
- `analysis.report`  – `write_report`, which writes the PNGs, report.html and the summary.
- `analysis.answer`  – `answer`, the report's one-paragraph answer from a comparison's summary.
- `analysis.economics` – cost and return of a strategy (spend by kind, NPV, payback).
"""
