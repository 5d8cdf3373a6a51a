"""Browser tests: the admin app in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for
Python), against a whole bokbro on a real port (embedded back-end: SQLite, in-process Redis and worker, sandboxes).

They need the built app (``scripts/build-frontend.sh``) and Chromium (``scripts/install-browser-deps.sh``). Without
either they are skipped with the reason, unless BOKBRO_TEST_REQUIRE_BROWSER=1 (CI), in which case they fail.
Every page a test visits is saved under test-artifacts/screenshots/.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import backend
from tests.support.stack import OPERATOR_TOKEN, Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]
DIST_INDEX = ROOT / "frontend-static" / "dist" / "index.html"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 860}  # a laptop


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (run scripts/install-browser-deps.sh)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not DIST_INDEX.exists():
        return "the admin app is not built (run scripts/build-frontend.sh)"
    return None


@pytest.fixture(autouse=True)
def _browser_requirements() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("BOKBRO_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (BOKBRO_TEST_REQUIRE_BROWSER=1), but {reason}")
    pytest.skip(reason)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """The embedded back-end only: these tests are about the UI; the API is tested on both back-ends elsewhere."""
    async with backend("embedded", tmp_path) as be, running_stack(be) as s:
        yield s


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=15_000)
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


@dataclass
class UI:
    """One browser tab on the stack, with a numbered screenshot per page and the page's own errors collected."""

    page: Any
    base_url: str
    prefix: str
    errors: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    async def shot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{self.prefix}-{len(self.shots) + 1:02d}-{name}.png"
        await self.page.screenshot(path=str(path), full_page=False)
        self.shots.append(path)
        return path

    async def open(self, fragment: str = "") -> None:
        await self.page.goto(f"{self.base_url}/{fragment}")

    async def sign_in(self, token: str = OPERATOR_TOKEN, *, accepted: bool = True) -> None:
        from playwright.async_api import expect

        await self.page.get_by_label("API token").fill(token)
        await self.page.get_by_role("button", name="Sign in").click()
        if accepted:
            await expect(self.page.get_by_role("heading", name="Sign in")).to_have_count(0)
            # the app then leaves the sign-in route (to the list, or the deep link it was opened with); wait for
            # that, or a later goto may be undone by the redirect
            await expect(self.page).to_have_url(re.compile(r"#/(integrations|transfers)"))

    def assert_clean(self) -> None:
        assert not self.errors, "the page reported errors:\n" + "\n".join(self.errors)


@pytest.fixture
async def ui(browser: Any, stack: Stack, request: pytest.FixtureRequest) -> AsyncIterator[UI]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"^test_", "", request.node.name)
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-")
    for old in SCREENSHOTS.glob(f"{prefix}-*.png"):
        old.unlink()
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB")
    page = await context.new_page()
    view = UI(page=page, base_url=stack.base_url, prefix=prefix)
    page.on("pageerror", lambda exc: view.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: view.errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    try:
        yield view
    finally:
        await context.close()
