"""Accounts: argon2 hashes, disabling, sessions that expire, tokens shown once and revocable."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import PASSWORD

from console.accounts import AccountError, Accounts
from console.permissions import ACTIONS, ROLES, allowed
from console.web.ratelimit import LoginLimiter


def test_passwords_are_stored_as_argon2_hashes(accounts: Accounts) -> None:
    accounts.add_user("ana", "analyst", PASSWORD)
    stored = accounts.db.execute("SELECT password FROM users WHERE name = 'ana'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ana", PASSWORD) is not None
    assert accounts.authenticate("ana", PASSWORD + "x") is None
    assert accounts.authenticate("nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("ana", "boss", PASSWORD, "role 'boss'"),
        ("bad name", "viewer", PASSWORD, "user name"),
        ("ana", "viewer", "short", "at least 8"),
    ],
)
def test_bad_accounts_are_refused(accounts: Accounts, name, role, password, message) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_user(name, role, password)


def test_a_user_is_added_once_unless_replaced(accounts: Accounts) -> None:
    accounts.add_user("ana", "viewer", PASSWORD)
    with pytest.raises(AccountError, match="exists already"):
        accounts.add_user("ana", "viewer", PASSWORD)
    accounts.disable("ana")
    user = accounts.add_user("ana", "admin", "another password", replace=True)
    assert user.role == "admin" and not user.disabled
    assert accounts.authenticate("ana", "another password") is not None


def test_disabling_ends_sessions_and_tokens(accounts: Accounts) -> None:
    user = accounts.add_user("ana", "analyst", PASSWORD)
    session = accounts.start_session(user, 3600)
    _, token = accounts.create_token("ana")
    assert accounts.session_user(session) == user and accounts.token_user(token) == user
    accounts.disable("ana")
    assert accounts.session_user(session) is None
    assert accounts.token_user(token) is None
    assert accounts.authenticate("ana", PASSWORD) is None
    with pytest.raises(AccountError, match="no user"):
        accounts.disable("nobody")


def test_sessions_expire_and_end(accounts: Accounts) -> None:
    user = accounts.add_user("ana", "analyst", PASSWORD)
    short = accounts.start_session(user, -1)
    assert accounts.session_user(short) is None
    session = accounts.start_session(user, 3600)
    accounts.end_session(session)
    assert accounts.session_user(session) is None
    stored = [r[0] for r in accounts.db.execute("SELECT digest FROM sessions")]
    assert session not in stored  # only digests are kept


def test_tokens_are_random_stored_hashed_and_revocable(accounts: Accounts) -> None:
    accounts.add_user("ana", "viewer", PASSWORD)
    token_id, token = accounts.create_token("ana")
    _, other = accounts.create_token("ana")
    assert token.startswith("wwt_") and len(token) > 40 and token != other
    digests = [r[0] for r in accounts.db.execute("SELECT digest FROM tokens")]
    assert token not in digests and other not in digests
    user = accounts.token_user(token)
    assert user is not None and user.role == "viewer"  # acts with its user's role
    accounts.revoke_token(token_id)
    assert accounts.token_user(token) is None and accounts.token_user(other) is not None
    with pytest.raises(AccountError, match="revoked already"):
        accounts.revoke_token(token_id)
    with pytest.raises(AccountError, match="no token"):
        accounts.revoke_token("deadbeef")
    assert accounts.token_user("wwt_made-up") is None and accounts.token_user("") is None


def test_the_file_is_shared_by_processes(tmp_path) -> None:
    path = tmp_path / "accounts.db"
    Accounts(path).add_user("ana", "admin", PASSWORD)
    assert Accounts(path).user("ana") is not None
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


class Who:
    def __init__(self, role: str) -> None:
        self.role = role


@pytest.mark.parametrize(
    ("role", "may", "may_not"),
    [
        ("viewer", {"view", "api"}, {"acknowledge", "snooze", "silence", "not_relevant", "manage_users"}),
        ("analyst", {"view", "acknowledge", "silence", "not_relevant"}, {"manage_users", "manage_tokens"}),
        ("admin", set(ACTIONS), set()),
    ],
)
def test_permissions(role: str, may: set[str], may_not: set[str]) -> None:
    assert role in ROLES
    for action in may:
        assert allowed(Who(role), action), action  # type: ignore[arg-type]
    for action in may_not:
        assert not allowed(Who(role), action), action  # type: ignore[arg-type]
    assert not allowed(Who(role), "launch missiles")  # type: ignore[arg-type]
    assert not allowed(None, "view")
    assert not allowed(Who("root"), "view")  # type: ignore[arg-type]


def test_the_login_limiter_locks_and_forgets() -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=3, window_s=60, lockout_s=120, clock=lambda: now[0])
    for _ in range(2):
        limiter.failed("ana", "10.0.0.1")
    assert limiter.locked("ana", "10.0.0.1") == 0
    limiter.failed("ANA", "10.0.0.2")
    assert limiter.locked("ana", "10.0.0.9") == pytest.approx(120)
    now[0] += 121
    assert limiter.locked("ana", "10.0.0.1") == 0
