"""Who may do what: the one place the console decides it.

Roles are ordered, viewer < analyst < admin; each action names the least role that may do
it. Pages and API endpoints ask ``allowed(user, action)`` (templates through ``can``) and
never compare roles themselves. The analysts' actions on alerts (acknowledge, snooze,
silence, not relevant) come with the next issue: they are listed here already, so their
endpoints only have to ask.
"""

from __future__ import annotations

from typing import Literal, Protocol

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")

#: action -> the least role allowed to do it
ACTIONS: dict[str, Role] = {
    "view": "viewer",  # the alerts list, stories, search, the live feed
    "api": "viewer",  # read the JSON API
    "acknowledge": "analyst",
    "snooze": "analyst",
    "silence": "analyst",
    "not_relevant": "analyst",
    "edit_watchlist": "analyst",  # the workbench: check, try, preview, apply, roll back
    "audit": "admin",  # the audit log of every action
    "manage_users": "admin",
    "manage_tokens": "admin",
}


class HasRole(Protocol):
    @property
    def role(self) -> Role: ...


def rank(role: str) -> int:
    """0 for viewer … 2 for admin; -1 for a role that is not one."""
    return ROLES.index(role) if role in ROLES else -1


def allowed(user: HasRole | None, action: str) -> bool:
    """Whether ``user`` may do ``action``; an unknown action is refused to everyone."""
    if user is None or action not in ACTIONS:
        return False
    return rank(user.role) >= rank(ACTIONS[action])
