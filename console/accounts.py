"""Users, sessions and API tokens, in their own SQLite file beside the projection.

Accounts are not part of the projection: the projection can be deleted and rebuilt from the
topic, accounts cannot, so they live in ``accounts.db``. Passwords are argon2id hashes
(argon2-cffi, its default parameters), rehashed on login when those parameters change.
Session ids and API tokens are random (``secrets``) and stored as SHA-256 digests only, so
a copy of the file lets nobody in; a token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from console.db import connect
from console.permissions import ROLES, Role
from wirewatch.errors import WirewatchError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at REAL NOT NULL,
    revoked_at REAL,
    last_used_at REAL
);
"""

TOKEN_PREFIX = "wwt_"  # noqa: S105 - the mark of a token, not one
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
#: A hash compared when the user does not exist, so a wrong name costs what a wrong password does.
_DUMMY = PasswordHasher().hash("not a password")


class AccountError(WirewatchError):
    """A user mistake about an account or token: one line, exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    disabled: bool = False


@dataclass(frozen=True)
class Token:
    id: str
    user: str
    created_at: float
    revoked_at: float | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """The accounts file; every method is one short transaction."""

    def __init__(self, path: Path | str, hasher: PasswordHasher | None = None):
        self.db = connect(path, private=True)
        self.db.executescript(_SCHEMA)
        self._migrate()
        self.hasher = hasher or PasswordHasher()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        """Bring a file made by an earlier version up to this schema (columns added, never dropped)."""
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(users)")}
        if "slack_user_id" not in columns:
            self.db.execute("ALTER TABLE users ADD COLUMN slack_user_id TEXT")
        self.db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS users_slack ON users (slack_user_id) "
            "WHERE slack_user_id IS NOT NULL"
        )

    # -- users -----------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, *, replace: bool = False) -> User:
        """Create ``name``; with ``replace``, an existing one gets this role and password, enabled."""
        if not _NAME.fullmatch(name):
            raise AccountError(f"user name {name!r}: letters, digits and . _ @ - only, at most 64")
        if role not in ROLES:
            raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        hashed = self.hasher.hash(password)
        if self.user(name) is not None:
            if not replace:
                raise AccountError(f"user {name!r} exists already")
            self.db.execute(
                "UPDATE users SET role = ?, password = ?, disabled = 0 WHERE name = ?", (role, hashed, name)
            )
        else:
            self.db.execute(
                "INSERT INTO users (name, role, password, created_at) VALUES (?, ?, ?, ?)",
                (name, role, hashed, time.time()),
            )
        user = self.user(name)
        assert user is not None
        return user

    def link_slack(self, name: str, slack_id: str | None) -> None:
        """Map Slack user ``slack_id`` (U123…) to ``name``, for Slack messages' buttons; None unlinks."""
        if slack_id is not None and not _SLACK_ID.fullmatch(slack_id):
            raise AccountError(f"Slack user id {slack_id!r}: expected U or W and letters/digits (U0123ABCD)")
        user = self.user(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        try:
            self.db.execute("UPDATE users SET slack_user_id = ? WHERE id = ?", (slack_id, user.id))
        except sqlite3.IntegrityError:
            raise AccountError(f"Slack user {slack_id} is linked to another user already") from None

    def slack_user(self, slack_id: str) -> User | None:
        """The enabled user linked to Slack user ``slack_id``, else None."""
        row = self.db.execute(
            "SELECT * FROM users WHERE slack_user_id = ? AND disabled = 0", (slack_id,)
        ).fetchone()
        return _user(row) if row else None

    def user(self, name: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.execute("SELECT * FROM users ORDER BY name")]

    def disable(self, name: str) -> None:
        """Disable ``name``: its sessions end and its tokens stop working at once."""
        user = self.user(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("UPDATE users SET disabled = 1 WHERE id = ?", (user.id,))
        self.db.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
        self.db.execute("COMMIT")

    def authenticate(self, name: str, password: str) -> User | None:
        """The enabled user with this name and password, else None."""
        row = self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        try:
            self.hasher.verify(row["password"] if row else _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        if self.hasher.check_needs_rehash(row["password"]):
            self.db.execute(
                "UPDATE users SET password = ? WHERE id = ?", (self.hasher.hash(password), row["id"])
            )
        return _user(row)

    # -- sessions --------------------------------------------------------------------------

    def start_session(self, user: User, lifetime_s: float) -> str:
        """A new session for ``user``; returns its id (what the cookie carries, signed)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        self.db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        self.db.execute(
            "INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (_digest(session_id), user.id, now, now + lifetime_s),
        )
        return session_id

    def session_user(self, session_id: str) -> User | None:
        """The enabled user of an unexpired session, else None."""
        row = self.db.execute(
            "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id "
            "WHERE sessions.digest = ? AND sessions.expires_at > ? AND users.disabled = 0",
            (_digest(session_id), time.time()),
        ).fetchone()
        return _user(row) if row else None

    def end_session(self, session_id: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(session_id),))

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, name: str) -> tuple[str, str]:
        """A new API token for user ``name``: (its id, the token — shown this once only)."""
        user = self.user(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        if user.disabled:
            raise AccountError(f"user {name!r} is disabled")
        token_id = secrets.token_hex(4)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO tokens (id, digest, user_id, created_at) VALUES (?, ?, ?, ?)",
            (token_id, _digest(token), user.id, time.time()),
        )
        return token_id, token

    def revoke_token(self, token_id: str) -> None:
        cur = self.db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (time.time(), token_id)
        )
        if cur.rowcount == 0:
            known = self.db.execute("SELECT 1 FROM tokens WHERE id = ?", (token_id,)).fetchone()
            raise AccountError(
                f"token {token_id!r} is revoked already" if known else f"no token {token_id!r}"
            )

    def token_user(self, token: str) -> User | None:
        """The enabled user an unrevoked token acts for, else None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = _digest(token)
        row = self.db.execute(
            "SELECT users.*, tokens.id AS token_id FROM tokens JOIN users ON users.id = tokens.user_id "
            "WHERE tokens.digest = ? AND tokens.revoked_at IS NULL AND users.disabled = 0",
            (digest,),
        ).fetchone()
        if row is None:
            return None
        self.db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (time.time(), row["token_id"]))
        return _user(row)

    def tokens(self) -> list[Token]:
        rows = self.db.execute(
            "SELECT tokens.id, users.name, tokens.created_at, tokens.revoked_at FROM tokens "
            "JOIN users ON users.id = tokens.user_id ORDER BY tokens.created_at"
        )
        return [Token(r[0], r[1], r[2], r[3]) for r in rows]


def _user(row: sqlite3.Row) -> User:
    return User(row["id"], row["name"], row["role"], bool(row["disabled"]))
