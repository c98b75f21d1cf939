"""``kamsim workshop new|serve|export``: create a workshop folder, serve it, export it.

``sim/cli.py`` calls :func:`add_parser` and :func:`main`; the model is imported only when a
workshop command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError

CODES_FILE = "codes.txt"


def add_parser(sub, pos_int, nonneg_int) -> None:
    """The ``workshop`` subcommand and its own subcommands."""
    w = sub.add_parser("workshop", help="teams play suppliers round by round in the browser "
                       "(docs/WORKSHOP.md)")
    ws = w.add_subparsers(dest="workshop_command", required=True, parser_class=type(w))
    n = ws.add_parser("new", help="create a workshop folder with its codes")
    n.add_argument("scenario", type=Path)
    n.add_argument("--teams", type=pos_int, required=True)
    n.add_argument("--rounds", type=pos_int, default=3)
    n.add_argument("--round-weeks", type=pos_int, default=13)
    n.add_argument("--seed", type=nonneg_int, default=None)
    n.add_argument("--out", type=Path, default=None,
                   help="a new folder (default: results/workshops/SCENARIO)")
    s = ws.add_parser("serve", help="serve a workshop (127.0.0.1 unless --host)")
    s.add_argument("folder", type=Path)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=pos_int, default=8770)
    e = ws.add_parser("export", help="rounds, scores, lost accounts, decisions as Parquet "
                      "and CSV; the compare report of the focal team against the benchmarks")
    e.add_argument("folder", type=Path)
    e.add_argument("--out", type=Path, default=None, help="default: FOLDER/export")
    e.add_argument("--lang", choices=("en", "zh"), default="en", help="of report.html")
    e.add_argument("--force", action="store_true", help="replace an earlier export there")


def main(args: argparse.Namespace) -> int:
    if args.workshop_command == "new":
        args.out = args.out or Path("results") / "workshops" / args.scenario.stem
        codes = new_workshop(args.scenario, args.teams, args.out, rounds=args.rounds,
                             round_weeks=args.round_weeks, seed=args.seed)
        print(f"{args.out}\nroom code: {codes['room']}\nfacilitator link: "
              f"http://127.0.0.1:8770/f/{codes['facilitator']}\n"
              + "".join(f"seat {t}: http://127.0.0.1:8770/seat/{c}\n"
                        for t, c in codes["seats"].items())
              + f"(also in {args.out / CODES_FILE})")
        return 0
    if args.workshop_command == "serve":
        return serve(args.folder, args.host, args.port)
    from sim.io import claim_out, say
    from sim.workshop.debrief import export
    from sim.workshop.room import Room

    _require(args.folder)
    out = claim_out(args.out, args.folder / "export", "workshop-export", force=args.force)
    say(out.note)
    for path in export(Room(args.folder), out, args.lang):
        print(path)
    return 0


def _require(folder: Path) -> None:
    from sim.workshop.store import DB_NAME

    if not (folder / DB_NAME).is_file():
        raise InputError([(str(folder), "", "no workshop here (run kamsim workshop new)")])


def new_workshop(scenario_file: Path, teams: int, out: Path, *, rounds: int = 3,
                 round_weeks: int = 13, seed: int | None = None) -> dict:
    """Create a workshop folder: its SQLite file and a codes file for the facilitator.
    Team 1 plays the scenario's focal supplier, the next teams the suppliers in order."""
    from sim.io import write_text
    from sim.params import WorkshopSettings
    from sim.scenario import load
    from sim.workshop.auth import new_codes
    from sim.workshop.game import Team
    from sim.workshop.store import DB_NAME, Store

    scenario = load(scenario_file)
    n_sup = len(scenario.suppliers)
    if not 1 <= teams <= n_sup:
        raise InputError([(str(scenario_file), "suppliers",
                           f"--teams must be 1 to {n_sup} (one supplier per team)")])
    try:
        settings = WorkshopSettings(rounds=rounds, round_weeks=round_weeks)
    except ValueError as e:
        raise InputError([("workshop", "rounds", str(e).splitlines()[-1])]) from None
    order = [scenario.focal_index] + [i for i in range(n_sup) if i != scenario.focal_index]
    team_list = [Team(id=f"t{k + 1}", supplier=order[k]) for k in range(teams)]
    codes = new_codes([t.id for t in team_list])
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError([(str(out), "--out", "exists and is not an empty folder; choose a "
                                              "new --out folder")])
    out.mkdir(parents=True, exist_ok=True)
    Store.create(out / DB_NAME, scenario, scenario.run.seed if seed is None else seed,
                 settings, team_list, codes)
    lines = [f"room code: {codes['room']}", f"facilitator code: {codes['facilitator']}",
             *(f"seat {t}: {c}" for t, c in codes["seats"].items())]
    path = out / CODES_FILE
    write_text(path, "\n".join(lines) + "\n")
    path.chmod(0o600)
    return codes


def serve(folder: Path, host: str, port: int) -> int:
    """Serve a workshop until Ctrl-C or SIGTERM."""
    from sim.workshop.server import run

    _require(folder)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"kamsim workshop: warning: serving on {host}: anyone who can reach this "
              "address can try the codes; use it only on a trusted classroom network",
              file=sys.stderr)
    return run(folder, host, port)
