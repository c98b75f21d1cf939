"""The ``kamsim book check`` and ``kamsim calibrate`` commands (arguments and dispatch).

``sim.cli`` calls :func:`add_parsers` while building its parser; and registers the commands in
its command table. Errors are :class:`sim.scenario.InputError` (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sim.cli import EXIT_OK, FORCE_HELP, _claim, _nonneg_int, _pos_int


def add_parsers(sub: argparse._SubParsersAction, command: Callable) -> None:
    """Add the commands' parsers to ``sub`` and register them with ``command``."""
    command("book")(_book)
    command("calibrate")(_calibrate)
    bk = sub.add_parser("book", help="import a customer book (docs/BOOK.md)")
    bsub = bk.add_subparsers(dest="book_command", metavar="check", required=True,
                             parser_class=type(bk))
    ck = bsub.add_parser("check", help="validate a book; print its summary, mapping, "
                         "features and targets")
    ck.add_argument("folder", type=Path, help="folder with accounts, invoice_lines, "
                    "opportunities (.csv, .csv.gz or .parquet)")
    ck.add_argument("--anonymise", action="store_true",
                    help="hash ids (salted SHA-256) and drop names in every output")
    ck.add_argument("--salt", default=None, help="salt for --anonymise (default: random, "
                    "so digests cannot be linked across runs)")
    ck.add_argument("--targets", type=Path, default=None,
                    help="TOML file of further targets with their uncertainty")
    ck.add_argument("--reps", type=_pos_int, default=400, help="bootstrap resamples")
    ck.add_argument("--out", type=Path, default=None,
                    help="write features.csv, targets.csv and book.json here")
    ck.add_argument("--force", action="store_true", help=FORCE_HELP)

    cal = sub.add_parser("calibrate", help="fit a scenario's free parameters to a book's "
                         "targets (docs/BOOK.md)")
    cal.add_argument("scenario", type=Path)
    cal.add_argument("--book", type=Path, default=None,
                     help="book folder (default: the scenario's [book] path)")
    cal.add_argument("--targets", type=Path, default=None)
    cal.add_argument("--budget", type=_pos_int, default=None,
                     help="model runs in all (default: the scenario's calibration.budget)")
    cal.add_argument("--seed", type=_nonneg_int, default=20261130)
    cal.add_argument("--workers", type=_pos_int, default=None)
    cal.add_argument("--dask", metavar="ADDRESS", default=None,
                     help="tcp://host:8786 for an existing cluster, or 'local'")
    cal.add_argument("--out", type=Path, default=None,
                     help="default: results/calibrate-SCENARIO")
    cal.add_argument("--point", action="store_true",
                     help="a point fit (Optuna TPE after the first wave) instead of the "
                          "ABC-SMC posterior")
    cal.add_argument("--force", action="store_true", help=FORCE_HELP)


def _book(args: argparse.Namespace) -> int:
    from sim.book import report

    out = _claim(args, args.out, "book") if args.out is not None else None
    book, feats, table = report.check(args.folder, anonymise_ids=args.anonymise,
                                      salt=args.salt, reps=args.reps, extra=args.targets)
    for line in report.summary(book, feats, table):
        print(line)
    if out is not None:
        report.write(out, book, feats, table)
        print(out.path)
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from sim.book import calibrate, calibrate_out

    plan = calibrate.make_plan(args.scenario, book=args.book, targets=args.targets,
                               budget=args.budget, seed=args.seed, out=args.out,
                               point=args.point)
    out = _claim(args, plan.out, "calibration")
    result = calibrate.run(plan, workers=args.workers, dask=args.dask, out=out)
    for line in calibrate_out.report_lines(result):
        print(line)
    print(out.path)
    return EXIT_OK
