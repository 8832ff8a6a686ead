"""How the console opens its SQLite files: WAL, a busy timeout, rows by name, explicit transactions."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def connect(path: Path | str, *, private: bool = False) -> sqlite3.Connection:
    """Open (creating) ``path``; ``private``: readable by the owner only (SQLite's -wal and -shm follow).

    ``isolation_level=None``: no implicit transactions, each ``BEGIN`` is the caller's. One
    connection may be used from the event loop and the threads uvicorn runs sync code in.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if private:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA foreign_keys=ON")
    return db
