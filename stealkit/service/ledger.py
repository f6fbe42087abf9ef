"""The service's accounts: API keys, budgets and every charge, in an embedded SQLite database.

A batch is charged in the same transaction that answers it, before the answer
leaves the server: ``BEGIN IMMEDIATE`` takes SQLite's write lock, so charges
from many clients and many worker processes are serialised and exact. The
database runs in WAL mode (readers never wait for the writer). Keys are
stored as SHA-256 digests only; a key sees only its own usage.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Ledger", "Account", "Refused", "hash_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    budget INTEGER,
    price REAL,
    admin INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    queries INTEGER NOT NULL DEFAULT 0,
    bill REAL NOT NULL DEFAULT 0,
    alarm_at INTEGER,
    alarm_model TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS detectors (
    key_id INTEGER NOT NULL REFERENCES keys(id),
    model TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (key_id, model)
);
CREATE TABLE IF NOT EXISTS charges (
    id INTEGER PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    model TEXT NOT NULL,
    n_queries INTEGER NOT NULL,
    cost REAL NOT NULL,
    idempotency_key TEXT,
    answer TEXT,
    created REAL NOT NULL,
    UNIQUE (key_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS charges_by_key_time ON charges (key_id, created);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    model TEXT NOT NULL,
    fidelity_test REAL,
    fidelity_unif REAL NOT NULL,
    created REAL NOT NULL
);
"""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """One API key's row (never the key itself)."""

    id: int
    name: str
    budget: int | None
    price: float | None
    admin: bool
    revoked: bool
    queries: int
    bill: float
    alarm_at: int | None
    alarm_model: str | None

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.queries

    def usage(self) -> dict[str, Any]:
        return {"name": self.name, "admin": self.admin, "queries": self.queries,
                "bill": round(self.bill, 10),
                "budget": self.budget, "remaining": self.remaining,
                "revoked": self.revoked, "alarm_at": self.alarm_at,
                "alarm_model": self.alarm_model}


class Refused(Exception):
    """A request the ledger will not charge: an HTTP status and a JSON body."""

    def __init__(self, status: int, error: str, message: str, **detail: Any):
        super().__init__(message)
        self.status, self.body = status, {"error": error, "message": message, **detail}


class Ledger:
    """Keys, budgets and charges in the SQLite database at ``path`` (created if missing)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed charge survives a crash
        self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ keys
    def create_keys(self, names: Iterable[str], *, budget: int | None = None,
                    price: float | None = None, admin: bool = False) -> list[tuple[str, str]]:
        """New keys for ``names`` (all or none): ``[(name, key), ...]``; keys are shown once."""
        names = [str(n).strip() for n in names]
        if not names or any(not n for n in names):
            raise ValueError(f"Every key needs a non-empty name. Got {names!r}.")
        if len(set(names)) != len(names):
            raise ValueError(f"The names must be distinct. Got {names!r}.")
        if budget is not None and (isinstance(budget, bool) or int(budget) != budget
                                   or budget < 0):
            raise ValueError(f"The 'budget' must be a non-negative int. Got {budget!r} instead.")
        if price is not None and not price >= 0:
            raise ValueError(f"The 'price' must be a non-negative number. Got {price!r} instead.")
        out = []
        with self._write() as db:
            taken = {r["name"] for r in db.execute(
                f"SELECT name FROM keys WHERE name IN ({','.join('?' * len(names))})", names)}
            if taken:
                raise ValueError(f"Keys already exist for {sorted(taken)}; revoke or reset them.")
            for name in names:
                key = "sk-" + secrets.token_urlsafe(24)
                db.execute("INSERT INTO keys (name, key_hash, budget, price, admin, created) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (name, hash_key(key), budget, price, int(admin), time.time()))
                out.append((name, key))
        return out

    def account(self, key: str | None) -> Account:
        """The account of a presented key: 401 when missing or unknown, 403 when revoked."""
        if not key:
            raise Refused(401, "missing_key", "Send your API key as 'Authorization: Bearer KEY'.")
        row = self._db.execute("SELECT * FROM keys WHERE key_hash = ?", (hash_key(key),)).fetchone()
        if row is None:
            raise Refused(401, "unknown_key", "This API key is not known to the service.")
        if row["revoked"]:
            raise Refused(403, "revoked_key", f"The key of {row['name']!r} has been revoked.")
        return _account(row)

    def accounts(self) -> list[Account]:
        return [_account(r) for r in self._db.execute("SELECT * FROM keys ORDER BY name")]

    def _named(self, db, names: Iterable[str]) -> list[str]:
        names = list(names)
        found = {r["name"] for r in db.execute(
            f"SELECT name FROM keys WHERE name IN ({','.join('?' * len(names))})", names)}
        missing = sorted(set(names) - found)
        if missing:
            raise ValueError(f"No keys named {missing}.")
        return names

    def revoke(self, names: Iterable[str]) -> None:
        with self._write() as db:
            for name in self._named(db, names):
                db.execute("UPDATE keys SET revoked = 1 WHERE name = ?", (name,))

    def reset(self, names: Iterable[str]) -> None:
        """Zero the usage and the detector of these keys (their charges stay in the ledger)."""
        with self._write() as db:
            for name in self._named(db, names):
                db.execute("UPDATE keys SET queries = 0, bill = 0, alarm_at = NULL, "
                           "alarm_model = NULL WHERE name = ?", (name,))
                db.execute("DELETE FROM detectors WHERE key_id = "
                           "(SELECT id FROM keys WHERE name = ?)", (name,))

    # --------------------------------------------------------------- charges
    def charge(self, account: Account, *, model: str, n_queries: int, price: float,
               answer: Callable[[bytes | None], tuple[Any, bytes | None, int | None]],
               idempotency_key: str | None = None, rate_limit: float | None = None) -> dict:
        """Charge ``n_queries`` to ``account`` and answer them, in one transaction.

        ``answer(detector_state)`` computes the answer (it must not fail for
        valid input) from this key's detector state for this model (None at
        first) and returns ``(answer, new_detector_state, alarm_at)``.
        A retry with an ``idempotency_key`` already answered returns the
        stored answer and charges nothing. A batch that would exceed the
        budget raises :class:`Refused` (402) and nothing is charged; so does
        a key over ``rate_limit`` requests per second (429).
        """
        with self._write() as db:
            row = db.execute("SELECT * FROM keys WHERE id = ?", (account.id,)).fetchone()
            if idempotency_key is not None:
                done = db.execute("SELECT * FROM charges WHERE key_id = ? AND idempotency_key = ?",
                                  (account.id, idempotency_key)).fetchone()
                if done is not None:
                    if done["model"] != model or done["n_queries"] != n_queries:
                        raise Refused(409, "idempotency_conflict",
                                      "This Idempotency-Key was used for another request.")
                    return {"answer": json.loads(done["answer"]), "replayed": True,
                            "cost": 0.0, "account": _account(row)}
            now = time.time()
            if rate_limit is not None:
                recent = db.execute("SELECT COUNT(*) FROM charges WHERE key_id = ? AND "
                                    "created > ?", (account.id, now - 1.0)).fetchone()[0]
                if recent >= rate_limit:
                    raise Refused(429, "rate_limited",
                                  f"At most {rate_limit:g} requests per second per key.",
                                  retry_after=1)
            if row["budget"] is not None and row["queries"] + n_queries > row["budget"]:
                raise Refused(402, "budget_exceeded",
                              f"Answering {n_queries} more queries would exceed the budget: "
                              f"{row['queries']} of {row['budget']} are spent. Nothing was "
                              "answered or charged.",
                              budget=row["budget"], spent=row["queries"], requested=n_queries)
            stored = db.execute("SELECT state FROM detectors WHERE key_id = ? AND model = ?",
                                (account.id, model)).fetchone()
            result, state, alarm_at = answer(None if stored is None else stored["state"])
            cost = n_queries * (row["price"] if row["price"] is not None else price)
            db.execute("INSERT INTO charges (key_id, model, n_queries, cost, idempotency_key, "
                       "answer, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (account.id, model, n_queries, cost, idempotency_key,
                        json.dumps(result) if idempotency_key is not None else None, now))
            db.execute("INSERT OR REPLACE INTO detectors (key_id, model, state) VALUES (?, ?, ?)",
                       (account.id, model, state))
            if alarm_at is not None and row["alarm_at"] is None:
                db.execute("UPDATE keys SET alarm_at = ?, alarm_model = ? WHERE id = ?",
                           (alarm_at, model, account.id))
            db.execute("UPDATE keys SET queries = queries + ?, bill = bill + ? WHERE id = ?",
                       (n_queries, cost, account.id))
            row = db.execute("SELECT * FROM keys WHERE id = ?", (account.id,)).fetchone()
        return {"answer": result, "replayed": False, "cost": cost, "account": _account(row)}

    def charged(self) -> dict[str, int]:
        """Queries charged per key name, summed over the ledger's charges."""
        return {r["name"]: r["total"] for r in self._db.execute(
            "SELECT keys.name AS name, COALESCE(SUM(charges.n_queries), 0) AS total FROM keys "
            "LEFT JOIN charges ON charges.key_id = keys.id GROUP BY keys.id")}

    # ------------------------------------------------------------ leaderboard
    def submit(self, account: Account, *, model: str, fidelity_test: float | None,
               fidelity_unif: float) -> None:
        with self._write() as db:
            db.execute("INSERT INTO submissions (key_id, model, fidelity_test, fidelity_unif, "
                       "created) VALUES (?, ?, ?, ?, ?)",
                       (account.id, model, fidelity_test, fidelity_unif, time.time()))

    def leaderboard(self) -> list[dict[str, Any]]:
        """Each key's best submission per model, best first."""
        rows = self._db.execute(
            "SELECT keys.name AS name, model, MAX(fidelity_test) AS fidelity_test, "
            "MAX(fidelity_unif) AS fidelity_unif, keys.queries AS queries FROM submissions "
            "JOIN keys ON keys.id = submissions.key_id GROUP BY keys.id, model "
            "ORDER BY model, COALESCE(MAX(fidelity_test), MAX(fidelity_unif)) DESC, queries ASC")
        return [dict(r) for r in rows]


def _account(row: sqlite3.Row) -> Account:
    return Account(id=row["id"], name=row["name"], budget=row["budget"], price=row["price"],
                   admin=bool(row["admin"]), revoked=bool(row["revoked"]),
                   queries=row["queries"], bill=row["bill"], alarm_at=row["alarm_at"],
                   alarm_model=row["alarm_model"])
