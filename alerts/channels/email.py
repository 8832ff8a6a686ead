"""Email through SMTP (aiosmtplib): plain, STARTTLS or implicit TLS, optional auth.

Each alert is one multipart/alternative message (text + HTML) whose subject
starts with the severity; a digest channel sends one message listing every
alert of the interval. The ``Message-ID`` is derived from the alert id and
the channel, so a mail client folds the rare re-send (a crash between the
server's ``250`` and the ledger write) into one message.

A story reads as one conversation: its first email's ``Message-ID`` is
derived from the story key and the channel (``<story-…@sender domain>``), so
every update names it in ``In-Reply-To`` and ``References`` without state;
an update's subject is ``Re:`` and the subject of the story's first email on
the channel (revision 0 unless earlier ones were filtered), kept in the
ledger's database (``alerts.ledger.Threads``) once the server took it.

SMTP replies map to outcomes: ``5xx`` is permanent, ``4xx`` and transport
errors are worth retrying.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import Annotated, Literal, Self

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from alerts.channels.base import (
    Channel,
    ChannelContext,
    ChannelOptions,
    Delivery,
    describe_exception,
    require_env,
)
from alerts.ledger import Thread, Threads
from alerts.render import email as render
from alerts.render.links import ActionLink, ActionLinks
from alerts.render.text import clean
from wirewatch.durations import Duration
from wirewatch.records import Alert

log = logging.getLogger(__name__)

_ENV = r"^[A-Z_][A-Z0-9_]*$"
_ADDRESS = r"^[^@\s<>,;]+@[^@\s<>,;]+$"


class SmtpOptions(BaseModel):
    """``smtp:`` of an email channel. ``host_env`` (if set in the environment) overrides ``host``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(default="localhost", description="the SMTP server")
    host_env: str | None = Field(
        default=None, pattern=_ENV, description="environment variable that, when set, overrides host"
    )
    port: int = Field(default=25, ge=1, le=65535, description="25, 587 (starttls), 465 (ssl), 1025 (Mailpit)")
    security: Literal["none", "starttls", "ssl"] = Field(
        default="none", description="plain, STARTTLS after connecting, or TLS from the start"
    )
    timeout: Duration = Field(default=30.0, description="longest wait for the server")
    verify: bool = Field(
        default=True, description="verify the server certificate (turn off only for a local test server)"
    )


class EmailOptions(ChannelOptions):
    """``type: email`` block of channels.yaml."""

    type: Literal["email"]
    smtp: SmtpOptions = Field(default=SmtpOptions(), description="the server and how to talk to it")
    username_env: str | None = Field(
        default=None, pattern=_ENV, description="environment variable holding the SMTP user name"
    )
    password_env: str | None = Field(
        default=None, pattern=_ENV, description="environment variable holding the SMTP password"
    )
    sender: str = Field(pattern=_ADDRESS, description="the From address")
    recipients: list[Annotated[str, Field(pattern=_ADDRESS)]] = Field(
        min_length=1, description="the To addresses"
    )


class EmailChannel(Channel):
    """Sends multipart text + HTML email."""

    type = "email"
    Options = EmailOptions
    max_batch = 200

    def __init__(
        self,
        options: EmailOptions,
        host: str,
        username: str | None = None,
        password: SecretStr | None = None,
        threads: Threads | None = None,
        links: ActionLinks | None = None,
    ):
        super().__init__(options)
        self._links = links or ActionLinks()
        self._options = options
        self._host = host
        self._username = username
        self._password = password
        self._threads = threads
        self._domain = options.sender.rsplit("@", 1)[-1]

    @classmethod
    def from_config(cls, options: ChannelOptions, context: ChannelContext) -> Self:
        assert isinstance(options, EmailOptions)
        smtp = options.smtp
        host = (context.env.get(smtp.host_env, "") if smtp.host_env else "") or smtp.host
        username = password = None
        if options.username_env:
            username = require_env(context.env, options.username_env, options.name).get_secret_value()
        if options.password_env:
            password = require_env(context.env, options.password_env, options.name)
        return cls(options, host, username, password, Threads.of(context.data_dir), context.links)

    def story_message_id(self, story_key: str) -> str:
        """The ``Message-ID`` of a story's first email on this channel (what its updates reply to)."""
        token = hashlib.sha256(f"{story_key}\n{self.name}".encode()).hexdigest()[:32]
        return f"<story-{token}@{self._domain}>"

    def _message(
        self, subject: str, text: str, html: str, ids: Sequence[str], story: Alert | None = None
    ) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self._options.sender
        message["To"] = ", ".join(self._options.recipients)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        token = hashlib.sha256("\n".join([*ids, self.name]).encode()).hexdigest()[:32]
        if story is not None and story.revision == 0:
            message["Message-ID"] = self.story_message_id(story.story_key)
        else:
            message["Message-ID"] = f"<{token}@{self._domain}>"
        if story is not None and story.revision > 0:
            first = self.story_message_id(story.story_key)
            message["In-Reply-To"] = first
            message["References"] = first
        message["X-Wirewatch-Alerts"] = clean(", ".join(ids), 900)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    async def _deliver(self, message: EmailMessage) -> Delivery:
        smtp = self._options.smtp
        context = ssl.create_default_context()
        if not smtp.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=smtp.port,
                username=self._username,
                password=self._password.get_secret_value() if self._password else None,
                use_tls=smtp.security == "ssl",
                start_tls=smtp.security == "starttls",
                timeout=smtp.timeout,
                tls_context=context if smtp.security != "none" else None,
                local_hostname=os.environ.get("HOSTNAME") or "wirewatch.localdomain",
            )
        except aiosmtplib.SMTPResponseException as exc:
            reason = describe_exception(exc, self._password)
            return Delivery.failed(self.name, reason, permanent=500 <= exc.code < 600)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return Delivery.failed(self.name, describe_exception(exc, self._password), permanent=True)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Delivery.failed(self.name, describe_exception(exc, self._password))
        return Delivery.sent(self.name)

    async def send(self, alert: Alert) -> Delivery:
        story = alert if alert.story_key else None
        thread = self._threads.thread(self.name, alert.story_key) if story and self._threads else None
        if alert.revision > 0 and thread is not None and thread.subject:
            subject = render.reply_subject(thread.subject)
        else:
            subject = render.subject(alert)
        links = self._links.actions(alert, self.name)
        message = self._message(
            subject, render.text_body(alert, links), render.html_body(alert, links), [alert.alert_id], story
        )
        delivery = await self._deliver(message)
        if delivery.ok and story is not None and thread is None and self._threads is not None:
            # The story's first email on this channel (revision 0, unless earlier ones were filtered).
            root = Thread(root=self.story_message_id(alert.story_key), subject=subject)
            try:
                self._threads.set_thread(self.name, alert.story_key, root)
            except sqlite3.Error as exc:  # sent all the same; its updates keep their own subjects
                log.warning("%s: the subject of story %s was not kept: %s", self.name, alert.story_key, exc)
        return delivery

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        if len(alerts) == 1 and not digest:
            return await self.send(alerts[0])

        def links(alert: Alert) -> Sequence[ActionLink]:
            return self._links.actions(alert, self.name)

        message = self._message(
            render.digest_subject(alerts),
            render.digest_text(alerts, links),
            render.digest_html(alerts, links),
            [a.alert_id for a in alerts],
        )
        return await self._deliver(message)

    async def aclose(self) -> None:
        if self._threads is not None:
            self._threads.close()
