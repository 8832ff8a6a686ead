"""A real browser for the tests: Debian's chromium driven by Playwright, headless.

- ``chromium_path``: where Debian's ``chromium`` is (``WIREWATCH_CHROMIUM`` overrides), or
  ``BrowserUnavailable`` saying how to install it. Playwright's own browser download
  (``playwright install``) is never used: these machines cannot reach its host.
- ``Chromium``: one Playwright driver and one browser, started once (``start``), giving a
  fresh context per test (``context``) and closed at the end (``close``). A browser that
  cannot start raises ``BrowserUnavailable`` with chromium's own words: the fixture turns
  that into a failure, never a skip.
- ``PageWatch``: what a page said that a test must see — console errors (CSP violations
  among them), uncaught script errors, and JavaScript dialogs (dismissed, and recorded:
  a hostile ``alert(1)`` that ran shows up here).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Response,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

__all__ = ["BrowserUnavailable", "Chromium", "PageWatch", "chromium_path"]

#: Chromium refuses to run as root with its sandbox; the tests run as root in containers.
LAUNCH_ARGS = ("--no-sandbox", "--disable-dev-shm-usage")
#: What chromium writes to the console when the Content-Security-Policy blocks something.
_CSP = re.compile(r"Content[ -]Security[ -]Policy|Refused to (execute|load|apply|connect|frame)", re.I)


class BrowserUnavailable(Exception):
    """Chromium is missing or does not start; the message says why and what to do."""


def chromium_path() -> str:
    """The chromium executable the tests drive: ``$WIREWATCH_CHROMIUM``, else ``chromium`` on PATH."""
    configured = os.environ.get("WIREWATCH_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            raise BrowserUnavailable(f"WIREWATCH_CHROMIUM={configured} is not a file")
        return configured
    found = shutil.which("chromium")
    if not found:
        raise BrowserUnavailable(
            "Debian's chromium is not installed: run deploy/setup-system.sh (apt-get install chromium);"
            " `playwright install` is not used"
        )
    return found


class Chromium:
    """One headless chromium for a test session; a fresh context (cookies, storage) per test."""

    def __init__(self, executable: str | None = None, *, slow_mo_ms: float = 0) -> None:
        self.executable = executable
        self.slow_mo_ms = slow_mo_ms
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise BrowserUnavailable("the browser was not started")
        return self._browser

    def start(self) -> Chromium:
        """Start Playwright's driver and chromium; ``BrowserUnavailable`` with the reason if either fails."""
        executable = self.executable or chromium_path()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=list(LAUNCH_ARGS),
                slow_mo=self.slow_mo_ms,
                timeout=60_000,
            )
        except PlaywrightError as exc:
            self.close()
            raise BrowserUnavailable(f"chromium ({executable}) did not start: {exc.message}") from None
        return self

    def context(self, base_url: str | None = None, *, javascript: bool = True) -> BrowserContext:
        """A fresh context (no cookies, no storage), desktop-sized, English, UTC; scripts if javascript."""
        kwargs: dict[str, object] = {
            "viewport": {"width": 1280, "height": 800},
            "locale": "en-GB",
            "timezone_id": "UTC",
            "java_script_enabled": javascript,
        }
        if base_url:
            kwargs["base_url"] = base_url
        return self.browser.new_context(**kwargs)  # type: ignore[arg-type]

    @property
    def version(self) -> str:
        return self.browser.version

    def close(self) -> None:
        """Close the browser and stop the driver (safe to call twice)."""
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError:
                pass
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


@dataclass
class PageWatch:
    """Records a page's console messages, uncaught errors and dialogs from ``watch`` on."""

    console: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    #: URLs of the Server-Sent Events streams that answered (a live feed connected)
    event_streams: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Record what ``page`` says from now on (a context's ``on("page", ...)`` handler)."""
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    # Playwright tags each handler with an attribute: bound methods, not builtins like list.append.
    def _console(self, message: ConsoleMessage) -> None:
        self.console.append(message)

    def _page_error(self, error: PlaywrightError) -> None:
        self.page_errors.append(str(error))

    def _response(self, response: Response) -> None:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            self.event_streams.append(response.url)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        try:
            dialog.dismiss()
        except PlaywrightError:
            pass  # the page went away meanwhile

    def errors(self) -> list[str]:
        """Console errors, as ``text (url:line)``; a missing /favicon.ico (chromium asks unbidden) is none."""
        return [
            f"{m.text} ({_where(m)})"
            for m in self.console
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
        ]

    def csp_violations(self) -> list[str]:
        """Console messages in which chromium reports the Content-Security-Policy blocking something."""
        return [f"{m.text} ({_where(m)})" for m in self.console if _CSP.search(m.text)]

    def assert_clean(self) -> None:
        """Fail unless the page ran no dialog, threw nothing, and logged no console error."""
        problems = (
            [f"dialog: {d}" for d in self.dialogs]
            + [f"uncaught: {e}" for e in self.page_errors]
            + [f"console error: {e}" for e in self.errors()]
        )
        assert not problems, "the page misbehaved:\n" + "\n".join(problems)


def _where(message: ConsoleMessage) -> str:
    location = message.location
    return f"{location.get('url', '?')}:{location.get('lineNumber', '?')}"
