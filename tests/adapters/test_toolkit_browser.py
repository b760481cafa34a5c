"""The toolkit page in a real browser: the Copy button copies, and a phone needs no sideways
scrolling.

Why a browser: the copy button is JavaScript, and clipboard access differs per browser and
context; only a browser shows that the text that lands on the clipboard is the partner's
text, unchanged. The test runs headless Chromium through Selenium against the real app
served by uvicorn on a free localhost port. Without Chromium, chromedriver or Selenium it
skips, except under `CI=true` (the same rule as for PostgreSQL in conftest.py), where a skip
would hide a broken page and therefore fails.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import select

from bot.adapters.web import create_web_app
from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.kernel.models import Partner
from bot.core.toolkit.page import issue_token
from bot.core.toolkit.personalise import personalise
from bot.core.toolkit.snippets import library
from bot.db import session_scope
from tests.conftest import DEMO_FILE

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the browser test must run")
    pytest.skip(reason)


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[tuple[str, str]]:
    """(page URL, the expected text of the first snippet on it), served by uvicorn."""
    with session_scope(sqlite_engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    with session_scope(sqlite_engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        token = issue_token(session, partner)
        # the page shows kinds in a fixed order, newsletter items first
        snippet = next(s for s in library(session, alliance) if s.kind == "newsletter_item")
        expected = personalise(
            snippet, session=session, alliance=alliance, partner=partner, language="nl"
        )
    with serving(create_web_app(sqlite_engine)) as base:
        yield f"{base}/toolkit/{token}", expected


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` under uvicorn on a free localhost port, for the browser: its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        _unavailable(
            "Chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, script: str, timeout: float = 10) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def test_copy_puts_the_partners_text_on_the_clipboard(site: tuple[str, str], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url, expected = site
    origin = url.split("/toolkit/")[0]
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"], "origin": origin},
    )
    browser.get(url)

    assert "Woonkracht Rivierenland" in browser.title
    roof = browser.find_element(By.CSS_SELECTOR, ".roof")
    assert roof.is_displayed()
    assert "langer prettig thuis wonen" in roof.text
    first_text = browser.find_element(By.CSS_SELECTOR, "pre.text")
    assert browser.execute_script("return arguments[0].textContent", first_text) == expected

    browser.find_element(By.CSS_SELECTOR, "button.copy").click()
    copied = _wait(browser, "return document.querySelector('.status').dataset.copied")
    assert copied == expected  # the page says it copied exactly the partner's text
    status = browser.find_element(By.CSS_SELECTOR, ".status")
    assert status.is_displayed() and status.text.strip()
    assert "failed" not in (status.get_attribute("class") or "")

    clipboard = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        if (!navigator.clipboard || !navigator.clipboard.readText) { done(null); return; }
        navigator.clipboard.readText().then(done, () => done(null));
        """
    )
    if clipboard is not None:  # readable where the permission was granted: the real proof
        assert clipboard.replace("\r\n", "\n") == expected

    # where the Clipboard API refuses, the hidden-textarea fallback still copies
    browser.execute_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));"
    )
    second_button = browser.find_elements(By.CSS_SELECTOR, "button.copy")[1]
    second_text = browser.execute_script(
        "return document.getElementById(arguments[0].dataset.target).textContent", second_button
    )
    second_button.click()
    copied = _wait(browser, "return document.querySelectorAll('.status')[1].dataset.copied")
    assert copied == second_text  # execCommand reported success: the fallback copied
    clipboard = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        navigator.clipboard.readText().then(done, () => done(null));
        """
    )
    if clipboard is not None:
        assert clipboard.replace("\r\n", "\n") == second_text


def test_the_page_fits_a_phone_without_sideways_scrolling(
    site: tuple[str, str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url, _expected = site
    browser.set_window_size(390, 844)
    browser.get(url)

    width = browser.execute_script("return window.innerWidth")
    assert width <= 390
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "the page scrolls sideways on a phone"
    pillars = browser.find_elements(By.CSS_SELECTOR, ".pillar")
    assert len(pillars) == 3
    assert len({p.location["x"] for p in pillars}) == 1  # one column: the grid collapsed
    button = browser.find_element(By.CSS_SELECTOR, "button.copy")
    assert button.is_displayed()
    assert button.location["x"] + button.size["width"] <= width


def test_the_page_runs_under_its_content_security_policy(
    site: tuple[str, str], browser: Any
) -> None:
    """The page's own style and copy script are allowed by the policy (no violation, the
    style applied, the button works); a script injected into the page is blocked."""
    from selenium.webdriver.common.by import By

    url, _expected = site
    browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__violations = [];"
            " document.addEventListener('securitypolicyviolation',"
            " (e) => window.__violations.push(e.violatedDirective));"
        },
    )
    browser.get(url)
    button = browser.find_element(By.CSS_SELECTOR, "button.copy")
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", button)
        == "rgb(11, 93, 122)"
    )  # the inline <style> applied
    button.click()
    _wait(browser, "return document.querySelector('.status').textContent.length > 0")
    assert browser.execute_script("return window.__violations") == []

    browser.execute_script(
        "var s = document.createElement('script');"
        " s.textContent = 'window.__injected = true;';"
        " document.body.appendChild(s);"
    )
    _wait(browser, "return window.__violations.length > 0")
    assert browser.execute_script("return window.__injected === undefined")
    assert browser.execute_script("return window.__violations")[0].startswith("script-src")
