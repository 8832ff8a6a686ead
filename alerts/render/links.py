"""The console links an alert carries so an analyst can act on it from where it is read.

Built only when ``WIREWATCH_CONSOLE_URL`` is an http(s) URL. Action links (acknowledge,
snooze, not relevant) also need ``WIREWATCH_ACTION_LINK_SECRET``: each is
``{console_url}/act?token=…``, a signed, expiring, single-use ``LinkClaim`` whose nonce is
fresh per link; the console's page confirms before it acts (GET never acts). The mute link
opens the console's silence form for the story. The secret is never logged or rendered
anywhere but inside the token's MAC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from pydantic import SecretStr

from alerts.render.text import safe_url
from wirewatch.actions import LinkClaim, new_action_id, sign_link
from wirewatch.records import Alert, utcnow
from wirewatch.settings import Settings

#: what each action link says, in order
LINK_LABELS: tuple[tuple[str, str], ...] = (
    ("acknowledge", "Acknowledge"),
    ("snooze", "Snooze…"),
    ("not_relevant", "Not relevant"),
)


@dataclass(frozen=True)
class ActionLink:
    kind: str
    label: str
    url: str


@dataclass(frozen=True)
class ActionLinks:
    """The console's address and the link-signing secret (either may be missing)."""

    console_url: str | None = None
    secret: SecretStr | None = None
    hours: float = 72.0

    def __repr__(self) -> str:
        return f"ActionLinks(console_url={self.console_url!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> ActionLinks:
        url = safe_url(settings.console_url.rstrip("/")) if settings.console_url else None
        return cls(url, settings.action_link_secret, settings.action_link_hours)

    def mute_url(self, alert: Alert) -> str | None:
        """The console's silence form for the alert's story, or None without a console URL."""
        if not self.console_url:
            return None
        return f"{self.console_url}/silences/new?{urlencode({'story_key': alert.story_key})}"

    def actions(self, alert: Alert, channel: str) -> list[ActionLink]:
        """Signed links for acknowledge, snooze and not relevant, then mute; [] without URL and secret."""
        secret = self.secret.get_secret_value() if self.secret else ""
        if not self.console_url or not secret:
            return []
        out: list[ActionLink] = []
        if secret:
            expires = utcnow() + timedelta(hours=self.hours)
            for kind, label in LINK_LABELS:
                claim = LinkClaim(
                    kind=kind,
                    story_key=alert.story_key,
                    alert_id=alert.alert_id,
                    channel=channel,
                    expires=expires,
                    nonce=new_action_id(),
                )
                token = sign_link(secret, claim)
                out.append(ActionLink(kind, label, f"{self.console_url}/act?{urlencode({'token': token})}"))
        mute = self.mute_url(alert)
        if mute:
            out.append(ActionLink("silence", "Mute…", mute))
        return out
