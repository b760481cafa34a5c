"""The e-mail action pages in headless Chromium: what a reader (and a mail scanner) sees.

A link opened twice, in two tabs, acts once; a forged or expired link gets a clear page with
nothing to press, and changes nothing. Served by uvicorn on a free port, with the browser
fixture of the toolkit page's browser test (it skips, or fails under CI=true, the same way).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters.web import create_web_app
from bot.core.kernel.models import Person, utcnow
from bot.core.mail import ActionLink, LinkKind, LinkSpec, link_token
from bot.core.outbox.models import Delivery
from bot.core.toolkit.models import ToolkitFeedback
from bot.db import session_scope
from tests.adapters.test_toolkit_browser import browser, serving
from tests.fakes.mail import KEY, mail_alliance, plan_petras_snippet

__all__ = ["browser"]  # the fixture, imported to be used here


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[str]:
    """The web app's base URL, serving an alliance where Petra got a snippet by e-mail."""
    mail_alliance(sqlite_engine)
    with serving(create_web_app(sqlite_engine)) as base:
        yield base


def _used_it_link(engine: Engine) -> str:
    """The token of the "Used it" link of Petra's sent snippet e-mail."""
    delivery_id = plan_petras_snippet(engine)
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status = "sent"
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        button = delivery.buttons[0]
        spec = LinkSpec("button:0", LinkKind.PRESS, button["action"], button["label"])
        return link_token(session, petra, delivery_id, spec, KEY)


def _confirm(browser: Any) -> str:
    """Press the page's button; the heading of the page the POST answers with."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    button = browser.find_element(By.CSS_SELECTOR, "form button")
    button.click()
    WebDriverWait(browser, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "form"))
    return str(browser.find_element(By.TAG_NAME, "h2").text)


def _feedback(engine: Engine) -> list[ToolkitFeedback]:
    with Session(engine) as session:
        return list(session.exec(select(ToolkitFeedback)))


def test_a_link_opened_twice_acts_once(site: str, sqlite_engine: Engine, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url = f"{site}/mail/{_used_it_link(sqlite_engine)}"
    browser.get(url)  # first tab
    first = browser.current_window_handle
    assert "Confirm your answer" in browser.find_element(By.TAG_NAME, "h2").text
    browser.switch_to.new_window("tab")
    browser.get(url)  # the same link again, before either is confirmed
    second = browser.current_window_handle
    assert _feedback(sqlite_engine) == []  # opening is not acting

    browser.switch_to.window(first)
    assert "is recorded" in _confirm(browser)
    browser.switch_to.window(second)
    assert "done already" in _confirm(browser)

    [feedback] = _feedback(sqlite_engine)
    assert feedback.verdict == "used"
    browser.get(url)  # and later: the page says so, with nothing to press
    assert "done already" in browser.find_element(By.TAG_NAME, "h2").text
    assert browser.find_elements(By.TAG_NAME, "form") == []
    assert len(_feedback(sqlite_engine)) == 1


def test_a_forged_or_expired_link_gets_a_clear_page_and_changes_nothing(
    site: str, sqlite_engine: Engine, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    token = _used_it_link(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        link = session.exec(select(ActionLink)).one()
        link.expires_at = utcnow() - timedelta(minutes=1)

    browser.get(f"{site}/mail/{token}")
    assert "expired" in browser.find_element(By.TAG_NAME, "h2").text
    assert "Nothing has been changed" in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.TAG_NAME, "form") == []

    browser.get(f"{site}/mail/{token[:-2]}xx")  # forged: one character off
    assert "werkt niet" in browser.find_element(By.TAG_NAME, "h2").text
    assert browser.find_elements(By.TAG_NAME, "form") == []

    assert _feedback(sqlite_engine) == []
    with Session(sqlite_engine) as session:
        assert session.exec(select(ActionLink)).one().used_at is None
