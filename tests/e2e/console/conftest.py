"""Fixtures of the console's browser tests: a real chromium, a real broker, a real ``wirewatch console``.

- ``chromium`` (session): Debian's chromium through Playwright, headless, ``--no-sandbox``
  (``tests.support.browser``). Missing or not starting, every test that needs it fails
  with the reason; none skips.
- ``page``: a fresh browser context per test with one page, watched (``PageWatch``: console
  errors, CSP violations, uncaught errors, dialogs). A failed test leaves a screenshot of
  every page it opened in its pytest tmp dir, named in the failure report. A test
  parametrized with ``javascript=False`` gets a context that runs no script.
- ``console``: the test's own topics on the session broker, an analyst account made with
  the real CLI, and ``wirewatch console`` serving on a free port (stopped after the test),
  with ``produce`` for alerts and ``login`` for a page.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.console.harness import AlertsTopic, ConsoleProcess, add_user, console_env
from tests.support.browser import BrowserUnavailable, Chromium, PageWatch
from wirewatch.records import Alert
from wirewatch.settings import Settings

#: Playwright's default wait for ``expect``: a page of a server on the same machine answers well within it.
expect.set_options(timeout=10_000)

USER, PASSWORD = "ana", "correct horse battery staple 42"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell at teardown that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.fixture(scope="package")
def chromium() -> Iterator[Chromium]:
    """One headless chromium (Debian's, by executable path) for the console tests.

    Package-scoped, not session-scoped: Playwright's sync API runs its own event loop in
    this thread while it is started, and the asyncio tests that follow need it stopped.
    """
    browser = Chromium()
    try:
        browser.start()
    except BrowserUnavailable as exc:
        pytest.fail(f"the test browser is unavailable: {exc}", pytrace=False)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def watch() -> PageWatch:
    """What the test's pages logged, threw and tried to show as dialogs."""
    return PageWatch()


@pytest.fixture
def javascript() -> bool:
    """Whether the test's browser runs the pages' scripts (a test overrides it to check the pages without)."""
    return True


@pytest.fixture
def browser_context(
    chromium: Chromium, watch: PageWatch, request: pytest.FixtureRequest, tmp_path: Path, javascript: bool
) -> Iterator[BrowserContext]:
    """A fresh context; every page opened in it is watched; screenshots of them all if the test failed."""
    context = chromium.context(javascript=javascript)
    context.on("page", watch.watch)
    try:
        yield context
    finally:
        if _failed(request):
            shots = []
            for n, page in enumerate(context.pages):
                shot = tmp_path / f"failure-{n}.png"
                try:
                    page.screenshot(path=str(shot), full_page=True)
                    shots.append(f"{shot} ({page.url})")
                except Exception as exc:  # the page may be gone or hung: the report still needs the rest
                    shots.append(f"page {n} ({page.url}): no screenshot: {exc}")
            print("screenshots of the failed test's pages:\n" + "\n".join(shots))
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    """A new page in the test's fresh context."""
    return browser_context.new_page()


@dataclass
class Console:
    """The test's running console: its URL, account, settings, alerts topic and process."""

    url: str
    settings: Settings
    process: ConsoleProcess
    topic: AlertsTopic
    env: dict[str, str]
    user: str = USER
    password: str = PASSWORD
    produced: list[Alert] = field(default_factory=list)

    def produce(self, *alerts: Alert) -> float:
        """Publish alerts to the console's topic; the monotonic time the broker acknowledged them."""
        acked = self.topic.produce(*alerts)
        self.produced += alerts
        return acked

    def add_user(self, name: str, password: str, role: str) -> None:
        """Another account, made with the real CLI while the console runs."""
        add_user(self.env, name, password, role=role)

    def login(self, page: Page, user: str | None = None, password: str | None = None) -> None:
        """Sign ``page`` in through the /login form and wait until it has left /login."""
        page.goto(f"{self.url}/login")
        page.locator("input[name=username]").fill(user or self.user)
        page.locator("input[name=password]").fill(password or self.password)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def console(kafka_settings: Settings, tmp_path: Path) -> Iterator[Console]:
    """``wirewatch console`` on this test's topics (created) with an analyst account, stopped after."""
    env = console_env(kafka_settings)
    add_user(env, USER, PASSWORD, role="analyst")
    process = ConsoleProcess(env, tmp_path / "console")
    topic = AlertsTopic(kafka_settings)
    try:
        url = process.start()
        yield Console(url, kafka_settings, process, topic, env)
        assert process.alive(), f"the console died during the test:\n{process.tail()}"
    finally:
        topic.close()
        process.stop()
