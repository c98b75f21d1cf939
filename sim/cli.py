"""The ``kamsim`` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success; 1 internal error; 2 bad input or an output that cannot be written
(one line per problem on stderr, ``FILE: dotted.key: message``, no traceback, nothing
half-written); 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM (every process the
command started is stopped, its temporary files removed).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import InputError, NonFiniteState, format_problem
from sim.runs.pool import Progress, Terminated, stop_on_signals, stop_processes

if TYPE_CHECKING:
    from sim.io import OutDir

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_SIGINT, EXIT_SIGTERM = 0, 1, 2, 130, 143
FORCE_HELP = "replace an earlier kamsim result in --out (default: write NAME-2, NAME-3, ...)"
SET_HELP = ("KEY=VALUE: override a scenario key (dotted, as in sweeps; the value is read as "
            "TOML, e.g. segments.tier2.entry_per_year=84 or 'suppliers[Focal].markup=0.05'); "
            "repeatable")
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = fn
        return fn
    return register


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors are bad input too
        self.exit(EXIT_INPUT, f"kamsim: {message}\n")


@functools.cache  # built once a process: main() is called thousands of times in-process by tests
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kamsim", description="Key-account strategy market simulator.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="check scenario files and sweep specs")
    v.add_argument("files", nargs="+", type=Path)

    r = sub.add_parser("run", help="run one scenario and seed")
    r.add_argument("file", type=Path)
    r.add_argument("--seed", type=_nonneg_int, default=None)
    r.add_argument("--steps", type=_pos_int, default=None, help="weeks to simulate")
    r.add_argument("--out", type=Path, default=None,
                   help="default: results/NAME-SEED (NAME-SEED-2, ... if that holds a result)")
    r.add_argument("--force", action="store_true", help=FORCE_HELP)
    r.add_argument("--lang", choices=("en", "zh"), default="en")
    r.add_argument("--no-dashboard", action="store_true", help="skip dashboard.png")
    r.add_argument("--set", dest="overrides", action="append", type=_override, default=[],
                   metavar="KEY=VALUE", help=SET_HELP)

    pp = sub.add_parser("params", help="list every parameter with unit, default and bounds")
    pp.add_argument("--format", choices=("text", "markdown"), default="text")

    sw = sub.add_parser("sweep", help="run a parameter sweep (docs/SWEEPS.md)")
    sw.add_argument("spec", type=Path)
    sw.add_argument("--out", type=Path, default=None, help="default: results/sweeps/NAME")
    sw.add_argument("--workers", type=_pos_int, default=None,
                    help="processes (default: all cores); with --dask local, its workers")
    sw.add_argument("--dask", metavar="ADDRESS", default=None,
                    help="tcp://host:8786 for an existing cluster, or 'local'")
    sw.add_argument("--resume", action="store_true", help="finish an interrupted sweep")
    sw.add_argument("--yes", action="store_true",
                    help=f"run a design of more than {100_000:,} runs")

    an = sub.add_parser("analyze", help="summaries, sensitivity indices and figures of a sweep")
    an.add_argument("sweep_dir", type=Path)
    an.add_argument("--out", type=Path, default=None, help="default: SWEEP_DIR/analysis")
    an.add_argument("--force", action="store_true", help=FORCE_HELP)

    cp = sub.add_parser("compare", help="several scenarios, many replications on common "
                        "random numbers -> tables, figures, report.html, summary.json")
    cp.add_argument("files", nargs="+", type=Path)
    cp.add_argument("--reps", type=_pos_int, default=20, help="replications per scenario")
    cp.add_argument("--seed", type=_nonneg_int, default=20261127,
                    help="root seed of the replications' seeds (same for every scenario)")
    cp.add_argument("--out", type=Path, default=None,
                    help="default: results/compare-NAME-vs-NAME")
    cp.add_argument("--force", action="store_true", help=FORCE_HELP)
    cp.add_argument("--lang", choices=("en", "zh"), default="en")
    cp.add_argument("--workers", type=_pos_int, default=None,
                    help="processes (default: all cores; 1 runs in this process)")
    cp.add_argument("--steps", type=_pos_int, default=None, help="weeks to simulate")
    cp.add_argument("--set", dest="overrides", action="append", type=_override, default=[],
                    metavar="KEY=VALUE", help=SET_HELP + " (applied to every scenario)")
    cp.add_argument("--no-status-quo", action="store_true",
                    help="do not add the status quo (the market without the strategies)")
    cp.add_argument("--reference", type=Path, default=None, metavar="FILE",
                    help="the status quo: this scenario (default: the first file's market "
                    "without strategies, named 'status quo')")
    cp.add_argument("--levers", nargs="?", const="", default=None, metavar="LEVER,...",
                    help="decompose the bundle's difference from the status quo lever by "
                    "lever (default: every lever; Shapley values with at most 4)")
    cp.add_argument("--robustness", type=_pos_int, default=None, metavar="N",
                    help="also run every scenario in N markets sampled within the first "
                    "file's [uncertainties] (Latin hypercube)")
    cp.add_argument("--posterior", type=Path, default=None, metavar="CALIB_DIR",
                    help="also run every scenario over posterior draws of a calibration")
    cp.add_argument("--draws", type=_pos_int, default=None, metavar="N",
                    help="posterior draws (default 64)")
    cp.add_argument("--dask", metavar="ADDRESS", default=None,
                    help="run the --robustness/--posterior markets on Dask: tcp://host:8786 "
                    "or 'local'")

    ap = sub.add_parser("app", help="the browser explorer (SolaraViz) on 127.0.0.1, offline")
    ap.add_argument("file", nargs="?", type=Path, default=None,
                    help="scenario shown first (default: scenarios/baseline.toml)")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1: this machine only)")
    ap.add_argument("--port", type=_port, default=8765, help="1-65535 (default 8765)")
    ap.add_argument("--lang", choices=("en", "zh"), default="en")
    ap.add_argument("--open", action="store_true", help="open the page in a browser")

    from sim.workshop.commands import add_parser as add_workshop_parser
    add_workshop_parser(sub, _pos_int, _nonneg_int)
    from sim.book.cli import add_parsers  # kamsim book check, kamsim calibrate (docs/BOOK.md)
    add_parsers(sub, command)
    return p


def _override(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` -> (key, value), the value read as a TOML value (data, never code)."""
    from sim.inputfiles import ReadError, parse_override

    try:
        return parse_override(text)
    except ReadError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _pos_int(text: str) -> int:
    value = _nonneg_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _pos_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, got {text!r}")
    return value


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from sim.runs import sweepspec

    problems = []
    for f in args.files:  # scenarios and sweep specs
        try:
            sweepspec.validate_file(f)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    for f in args.files:
        print(f"{f}: ok")
    return EXIT_OK


@command("run")
def _run(args: argparse.Namespace) -> int:
    if _OWN_PROCESS:  # one bounded run: the heap it builds (imports, model, tables) lives to
        gc.disable()  # the exit and holds almost no cycles; scanning it cost 0.1 s of CPU
    from sim import scenario, size
    from sim.runs import run

    params = scenario.load(args.file, overrides=dict(args.overrides))
    if args.lang == "zh" and not args.no_dashboard:
        _require_cjk_font(args.file)
    params = run.with_overrides(params, seed=args.seed, steps=args.steps)
    size.check(params, file=str(args.file))
    out = _claim(args, run.default_out_dir(params, params.run.seed), "run")
    with Progress(params.run.weeks, params.name, "weeks") as bar:
        model, tables = run.simulate(params, progress=bar.update)
    run.write_outputs(out, model, tables, dashboard=not args.no_dashboard, lang=args.lang)
    print(out.path)
    return EXIT_OK


@command("params")
def _params(args: argparse.Namespace) -> int:
    from sim.schema import parameter_table

    for line in parameter_table(markdown=args.format == "markdown"):
        print(line)
    return EXIT_OK


@command("app")
def _app(args: argparse.Namespace) -> int:
    from sim import scenario
    from sim.app import server

    if args.file is not None:
        scenario.load(args.file)  # bad input fails here, not in the page
    problem = server.missing_assets()
    if problem:
        print(f"kamsim app: {problem}", file=sys.stderr)
        return EXIT_INTERNAL
    busy = server.port_problem(args.host, args.port)
    if busy:
        raise InputError([("--port", "", busy)])
    return server.serve(args.file, host=args.host, port=args.port, lang=args.lang,
                        open_browser=args.open)


@command("workshop")
def _workshop(args: argparse.Namespace) -> int:
    from sim.workshop.commands import main as workshop_main

    return workshop_main(args)


@command("compare")
def _compare(args: argparse.Namespace) -> int:
    from sim.runs import compare

    if args.no_status_quo and args.reference is not None:
        raise InputError([(str(args.reference), "--reference", "names the status quo; drop "
                           "--no-status-quo")])
    if args.dask and args.robustness is None and args.posterior is None:
        raise InputError([(str(args.files[0]), "--dask", "runs the markets of --robustness "
                           "or --posterior; give one of them")])
    levers = None if args.levers is None else [x.strip() for x in args.levers.split(",")
                                                if x.strip()]
    plan = compare.make_plan(args.files, reps=args.reps, seed=args.seed, steps=args.steps,
                             lang=args.lang, out=args.out, overrides=args.overrides,
                             status_quo=not args.no_status_quo, reference=args.reference,
                             levers=levers, robustness=args.robustness,
                             posterior=args.posterior, draws=args.draws)
    out = _claim(args, plan.out, "compare")
    tables = compare.run_all(plan, workers=args.workers, dask=args.dask)
    summary = compare.write(plan, tables, out)
    for name in summary["scenarios"]:  # each verdict, where the report is, the answer last
        print(f"{name}: {summary['by_scenario'][name]['diagnosis']}")
    if summary.get("robustness"):
        from sim.runs.robustness import shares_line

        for name in summary["scenarios"]:
            print(shares_line(summary["robustness"], name))
    print(out.path)
    if summary.get("answer"):
        print(summary["answer"])
    return EXIT_OK


@command("sweep")
def _sweep(args: argparse.Namespace) -> int:
    from sim.runs import sweep, sweepspec

    spec = sweepspec.load(args.spec)
    if args.dask and args.dask != "local" and args.workers:
        raise InputError([(args.dask, "--workers", "the cluster sets the workers; drop "
                           "--workers or use --dask local")])
    from sim.io import OUTPUT_ROOT, safe_name

    out = args.out or OUTPUT_ROOT / "sweeps" / safe_name(spec.name)
    _check_writable(out)
    report = sweep.run_sweep(spec, out, workers=args.workers, dask=args.dask,
                             resume=args.resume, yes=args.yes)
    print(report.line())
    return EXIT_OK if report.failed == 0 else EXIT_INTERNAL


@command("analyze")
def _analyze(args: argparse.Namespace) -> int:
    from analysis.sensitivity import SweepDirError, load_sweep
    from analysis.sweep_report import write_analysis

    try:
        sw = load_sweep(args.sweep_dir)
    except SweepDirError as exc:
        raise InputError([(str(args.sweep_dir), "", str(exc))]) from None
    out = _claim(args, sw.path / "analysis", "analysis")
    print(write_analysis(sw, out))
    return EXIT_OK


def _claim(args: argparse.Namespace, default: Path, kind: str) -> OutDir:
    """Where this command's result goes (:func:`sim.io.claim_out`); says so if not --out."""
    from sim.io import claim_out, say

    out = claim_out(args.out, default, kind, force=args.force)
    _check_writable(out.path)
    say(out.note)
    return out


def _check_writable(out: Path) -> None:
    """Fail early, as bad input, when ``out`` cannot be created."""
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError([(str(out), "--out", f"{probe} is a file, not a directory")])
    if not os.access(probe, os.W_OK):
        raise InputError([(str(out), "--out", f"{probe} is not writable")])


def _require_cjk_font(file: Path) -> None:
    from analysis.i18n import FontMissing, setup_cjk_font

    try:
        setup_cjk_font(lang="zh")
    except FontMissing as exc:
        raise InputError([(str(file), "--lang", str(exc))]) from None


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings (e.g. ``sim.market.scale.MarketBalanceWarning``) as one line, as errors are."""
    return f"kamsim: warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.formatwarning = _one_line_warning
    try:
        with stop_on_signals():
            return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems:
            print(format_problem(*problem), file=sys.stderr)
        return EXIT_INPUT
    except NonFiniteState as exc:  # a run overflowed: one line naming week and quantity
        print(f"kamsim: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except BrokenPipeError:  # output piped into `head`
        return EXIT_OK
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        stop_processes()
        term = isinstance(exc, Terminated)
        print(f"kamsim: {'stopped by SIGTERM' if term else 'interrupted'}", file=sys.stderr)
        return EXIT_SIGTERM if term else EXIT_SIGINT
    except Exception as exc:  # an internal error: one line, exit 1
        print(f"kamsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_INTERNAL


#: the cyclic garbage collector's first threshold in the command's own process (Python's
#: default is 700 allocations): a run builds its heap once (Mesa, pandas, numba, matplotlib)
#: and keeps it, so frequent collections mostly re-scan objects that live until exit
GC_THRESHOLD = 50_000
#: set by :func:`console`: the command has the process to itself (not a test calling main)
_OWN_PROCESS = False


def console() -> None:
    """The installed ``kamsim`` command and ``python -m sim.cli``: :func:`main` in a process
    of its own, with the garbage collector set for a short-lived process (docs/PERFORMANCE.md):
    young collections every :data:`GC_THRESHOLD` allocations (none at all during ``kamsim
    run``: :func:`_run`), and no collection over the whole heap at exit (``gc.freeze``:
    everything :func:`main` wrote is closed; exit handlers run)."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    gc.set_threshold(GC_THRESHOLD)
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
