"""Browser tests: a real server process, Debian's Chromium driven by Playwright, axe-core checks.

The server runs as a subprocess (uvicorn, the same app factory as production) on a free port with
its own database: a SQLite file, or ``<test database>_browser`` on PostgreSQL. Tests skip with a
clear reason when no Chromium is installed, except with CI=true, where a missing browser fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from deliberation.db import Database
from deliberation.models import Role
from deliberation.services import accounts
from tests.conftest import IN_CI, TEST_SECRET, reset_database
from tests.helpers import PASSWORD

CHROMIUM = os.environ.get("DELIBERATION_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(os.environ.get("DELIBERATION_TEST_ARTIFACTS", "test-artifacts"))


def _chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (install Debian's 'chromium' package)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    missing = _chromium_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _browser_database_url(base: str, tmp: Path) -> str:
    if base.startswith("postgresql"):
        head, _, name = base.rpartition("/")
        name = name.split("?")[0] + "_browser"
        admin = f"{head}/postgres".replace("postgresql+asyncpg://", "postgresql://")
        subprocess.run(
            [
                "psql",
                admin,
                "-q",
                "-c",
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return f"{head}/{name}"
    return f"sqlite+aiosqlite:///{tmp / 'browser.sqlite3'}"


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def run(self, coro_factory: Any) -> Any:
        """Run ``coro_factory(session)`` against the server's database (setup for a test)."""

        async def go() -> Any:
            database = Database(self.database_url)
            try:
                async with database.session() as session:
                    return await coro_factory(session)
            finally:
                await database.dispose()

        # Playwright's sync API runs an event loop in this thread: use a thread of our own.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, go()).result()

    def create_user(self, role: Role = Role.RESIDENT, *, name: str | None = None) -> str:
        email = f"{role.value}-{time.monotonic_ns()}@example.org"

        async def make(session: Any) -> None:
            await accounts.register(
                session,
                email=email,
                display_name=name or f"{role.value.title()} Testowy",
                password=PASSWORD,
                role=role,
            )

        self.run(make)
        return email


@pytest.fixture(scope="session")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("live")
    url = _browser_database_url(database_url, tmp)
    asyncio.run(reset_database(url))
    port = _free_port()
    log = tmp / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": TEST_SECRET,
        "DELIBERATION_LOG_LEVEL": "WARNING",
        "DELIBERATION_BASE_URL": f"http://127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "deliberation.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--ws-per-message-deflate",
                "false",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"live server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    server = LiveServer(url=base, database_url=url, process=process, log=log)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module. Playwright's sync API keeps an event loop running in this
    thread while it is open, so it must be closed before any async test runs (browser tests
    also run last: see tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def browser_context(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context (own cookies). Call it with a viewport: ``browser_context(PHONE)``."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None, locale: str = "pl-PL") -> Any:
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, locale=locale
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    for index, context in enumerate(contexts):
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for n, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}-{n}.png"))
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


def axe_check(page: Any) -> None:
    """Run axe-core on the page; fail listing every WCAG 2.1 A/AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() is not subject to the page's CSP, unlike an injected <script>.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    violations = result["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {page.url}:"]
        for v in violations:
            targets = ", ".join(str(node["target"]) for node in v["nodes"][:5])
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} at {targets}")
        pytest.fail("\n".join(lines))


def login(page: Any, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło", exact=True).fill(password)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_load_state("domcontentloaded")
