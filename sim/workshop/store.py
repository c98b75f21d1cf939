"""A workshop in one SQLite file (WAL mode, versioned schema): nothing submitted is lost.

Owns the tables and every read and write of them. Every decision and event is committed when
it is submitted (append-only; a rollback marks later ones superseded, never deletes them);
closing a round stores its resolved inputs, results and the digest of the market's state at
the round boundary (the state itself is recomputed by replay, ``sim.workshop.game``). A
server killed at any moment restarts from this file at the same round with every submitted
decision. Codes: seat codes and the room code are kept (the facilitator's page shows them);
the facilitator code and seat tokens only as SHA-256 digests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.params import Scenario
from sim.scenario import InputError
from sim.workshop.auth import digest

if TYPE_CHECKING:
    from sim.params import WorkshopSettings
    from sim.workshop.game import Game, Team

SCHEMA_VERSION = 1
DB_NAME = "workshop.sqlite"
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE teams(id TEXT PRIMARY KEY, supplier INTEGER NOT NULL, seat_code TEXT UNIQUE NOT NULL,
                   token_hash TEXT, claimed_at REAL, bot TEXT NOT NULL DEFAULT 'status_quo');
CREATE TABLE decisions(id INTEGER PRIMARY KEY AUTOINCREMENT, round INTEGER NOT NULL,
                       team TEXT NOT NULL REFERENCES teams(id), choice TEXT NOT NULL,
                       submitted_at REAL NOT NULL, superseded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, round INTEGER NOT NULL,
                    event TEXT NOT NULL, created_at REAL NOT NULL,
                    superseded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE rounds(round INTEGER PRIMARY KEY, inputs TEXT NOT NULL, results TEXT NOT NULL,
                    digest TEXT NOT NULL, closed_at REAL NOT NULL);
CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, actor TEXT NOT NULL,
                 action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX decisions_round ON decisions(round, team, superseded);
"""


class Store:
    """One workshop's SQLite file. Thread-safe: one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # writers of this process queue here instead of in SQLite's busy handler, which
        # sleeps in growing steps (up to 100 ms) between tries
        self._writing = threading.Lock()
        if not self.path.is_file():
            raise InputError([(str(self.path), "", "no workshop here (run kamsim workshop new)")])
        try:
            version = int(self.meta("schema_version"))
        except (sqlite3.DatabaseError, KeyError, ValueError):
            raise InputError([(str(self.path), "meta.schema_version",
                               "not a kamsim workshop file")]) from None
        if version != SCHEMA_VERSION:
            raise InputError([(str(self.path), "meta.schema_version",
                               f"version {version}; this kamsim reads {SCHEMA_VERSION}")])

    # -------------------------------------------------------------- creation
    @classmethod
    def create(cls, path: Path, scenario: Scenario, seed: int, settings: WorkshopSettings,
               teams: list[Team], codes: dict[str, Any]) -> Store:
        """Write a new workshop file (refuses to overwrite one)."""
        path = Path(path)
        if path.exists():
            raise InputError([(str(path), "", "exists already; choose a new --out folder")])
        tmp = path.with_suffix(".creating")
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        try:
            con.executescript(SCHEMA)
            meta = {"schema_version": SCHEMA_VERSION, "scenario": scenario.model_dump_json(),
                    "seed": seed, "settings": settings.model_dump_json(),
                    "room_code": codes["room"], "facilitator_hash": digest(codes["facilitator"]),
                    "practice": "0", "deadline": "0", "created_at": time.time()}
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [(k, str(v)) for k, v in meta.items()])
            con.executemany("INSERT INTO teams(id, supplier, seat_code) VALUES (?, ?, ?)",
                            [(t.id, t.supplier, codes["seats"][t.id]) for t in teams])
            con.commit()
        finally:
            con.close()
        tmp.rename(path)
        return cls(path)

    # ----------------------------------------------------------- connection
    @property
    def con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA busy_timeout=30000")
            self._local.con = con
        return con

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE .. COMMIT (ROLLBACK on error), one writer of this process at a
        time."""
        con = self.con
        with self._writing, con:
            con.execute("BEGIN IMMEDIATE")
            yield con

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._transaction() as con:
            return con.execute(sql, args)

    def meta(self, key: str) -> str:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def set_meta(self, key: str, value: object) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))

    def log(self, actor: str, action: str, detail: object = "") -> None:
        self._write("INSERT INTO log(at, actor, action, detail) VALUES (?, ?, ?, ?)",
                    (time.time(), actor, action, json.dumps(detail)))

    # ---------------------------------------------------------------- game
    def game(self) -> Game:
        from sim.params import WorkshopSettings
        from sim.workshop.game import Game, Team

        teams = [Team(id=r[0], supplier=r[1]) for r in
                 self.con.execute("SELECT id, supplier FROM teams ORDER BY rowid")]
        return Game(Scenario.model_validate_json(self.meta("scenario")), int(self.meta("seed")),
                    WorkshopSettings.model_validate_json(self.meta("settings")), teams)

    def teams(self) -> list[dict[str, Any]]:
        rows = self.con.execute("SELECT id, supplier, seat_code, claimed_at, bot FROM teams "
                                "ORDER BY rowid").fetchall()
        return [{"id": r[0], "supplier": r[1], "seat_code": r[2], "claimed": r[3] is not None,
                 "bot": r[4]} for r in rows]

    def set_bot(self, team: str, preset: str) -> None:
        self._write("UPDATE teams SET bot = ? WHERE id = ?", (preset, team))

    def claim_seat(self, seat_code: str, token: str) -> str | None:
        """Claim a free seat for ``token`` (or re-claim it with the same token): its team,
        or None if the code is unknown or the seat is someone else's."""
        h = digest(token)
        with self._transaction():
            row = self.con.execute("SELECT id, token_hash FROM teams WHERE seat_code = ?",
                                   (seat_code,)).fetchone()
            if row is None or (row[1] is not None and row[1] != h):
                return None
            other = self.con.execute("SELECT id FROM teams WHERE token_hash = ? AND id != ?",
                                     (h, row[0])).fetchone()
            if other is not None:  # one browser, one seat
                return None
            if row[1] is None:
                self.con.execute("UPDATE teams SET token_hash = ?, claimed_at = ? WHERE id = ?",
                                 (h, time.time(), row[0]))
            return row[0]

    def team_of_token(self, token: str) -> str | None:
        row = self.con.execute("SELECT id FROM teams WHERE token_hash = ?",
                               (digest(token),)).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------- decisions, events
    def current_round(self) -> int:
        return self.con.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]

    def submit(self, team: str, round_: int, choice: dict) -> int:
        """Commit a team's choice for ``round_`` (the last one submitted counts)."""
        cur = self._write("INSERT INTO decisions(round, team, choice, submitted_at) "
                          "VALUES (?, ?, ?, ?)", (round_, team, json.dumps(choice), time.time()))
        return int(cur.lastrowid)

    def submitted(self, round_: int) -> dict[str, dict]:
        """Each team's latest standing choice for ``round_``."""
        rows = self.con.execute(
            "SELECT team, choice FROM decisions WHERE round = ? AND superseded = 0 "
            "ORDER BY id", (round_,)).fetchall()
        return {team: json.loads(choice) for team, choice in rows}

    def timeline(self, team: str | None = None) -> list[dict]:
        sql = "SELECT round, team, choice, submitted_at, superseded FROM decisions"
        rows = self.con.execute(sql + (" WHERE team = ?" if team else "") + " ORDER BY id",
                                (team,) if team else ()).fetchall()
        return [{"round": r[0], "team": r[1], "choice": json.loads(r[2]), "at": r[3],
                 "superseded": bool(r[4])} for r in rows]

    def add_event(self, round_: int, event: dict) -> None:
        self._write("INSERT INTO events(round, event, created_at) VALUES (?, ?, ?)",
                    (round_, json.dumps(event), time.time()))

    def events(self, round_: int) -> list[dict]:
        rows = self.con.execute("SELECT event FROM events WHERE round = ? AND superseded = 0 "
                                "ORDER BY id", (round_,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    # --------------------------------------------------------------- rounds
    def close_round(self, round_: int, inputs: dict, results: dict) -> None:
        """Store a closed round; refuses a round that is not the current one."""
        with self._transaction():
            if self.con.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] != round_:
                raise InputError([("round", str(round_), "is not the open round")])
            self.con.execute("INSERT INTO rounds VALUES (?, ?, ?, ?, ?)",
                             (round_, json.dumps(inputs), json.dumps(results),
                              results["digest"], time.time()))

    def inputs(self) -> list[dict]:
        return [json.loads(r[0]) for r in
                self.con.execute("SELECT inputs FROM rounds ORDER BY round")]

    def results(self) -> list[dict]:
        return [json.loads(r[0]) for r in
                self.con.execute("SELECT results FROM rounds ORDER BY round")]

    def rollback(self, to_round: int) -> None:
        """Reopen round ``to_round``: later results go; the choices and events submitted for
        ``to_round`` stand, those for later rounds are kept in the log as superseded."""
        with self._transaction():
            self.con.execute("DELETE FROM rounds WHERE round >= ?", (to_round,))
            self.con.execute("UPDATE decisions SET superseded = 1 WHERE round > ?", (to_round,))
            self.con.execute("UPDATE events SET superseded = 1 WHERE round > ?", (to_round,))

    def reset(self) -> None:
        """End of the practice round: every decision, event and result goes (seats stay)."""
        with self._transaction():
            for table in ("rounds", "decisions", "events"):
                self.con.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
            self.con.execute("UPDATE meta SET value = '0' WHERE key = 'practice'")
