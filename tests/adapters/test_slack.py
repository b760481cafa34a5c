"""Slack: signed requests through the real ASGI app, the Web API at a local fake (port 0)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters.slack import SlackAdapter
from bot.adapters.web import create_web_app
from bot.core.alliance.load import get_alliance
from bot.core.attention.flags import Detected, sync_flags
from bot.core.followup.models import Agreement
from bot.core.house.models import Proposal
from bot.core.kernel.models import Identity, Person
from bot.core.toolkit.models import ToolkitSnippet
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackApi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ANNA = "U0ANNA001"  # adviser (Woonkracht) with a slack id in the demo file
BRAM = "U0BRAM001"


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        assert isinstance(fake, FakeSlackApi)
        yield fake


@pytest.fixture
async def client(demo_engine: Engine, api: FakeSlackApi) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=api.base_url
    )
    app = create_web_app(demo_engine, SlackAdapter(demo_engine, settings).routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def signed(body: str, age: int = 0, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


TRIGGERS = itertools.count(1)


def slash(api: FakeSlackApi, user: str, text: str) -> str:
    """A slash command; like Slack's, each has its own trigger id."""
    return urlencode(
        {
            "command": "/alliance",
            "text": text,
            "user_id": user,
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": api.response_url(),
            "trigger_id": f"1.2.{next(TRIGGERS)}",
        }
    )


def interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


async def wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the lazy listener"
        await asyncio.sleep(0.02)


def texts_of(api: FakeSlackApi) -> str:
    return json.dumps([r.get("blocks") for r in api.responses], ensure_ascii=False)


async def post(client: httpx.AsyncClient, body: str, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/slack/events", content=body, headers=headers)


async def test_forged_and_replayed_requests_get_401_and_nothing_runs(
    client: httpx.AsyncClient, api: FakeSlackApi
) -> None:
    body = slash(api, ANNA, "house")
    assert (await post(client, body, signed(body, secret="not-the-secret"))).status_code == 401
    assert (await post(client, body, signed(body, age=6 * 60))).status_code == 401
    headers = signed(body)
    assert (await post(client, body + "&x=1", headers)).status_code == 401  # body changed
    await asyncio.sleep(0.2)
    assert api.responses == [] and not [c for c in api.calls if c[0] != "auth.test"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("house", "Kernboodschap van Alliantie"),
        ("kernboodschap", "Kernboodschap van Alliantie"),
        ("", "Wat ik voor je kan doen"),
        ("hulp", "/alliance kernboodschap"),
        ("signaal x", "Alleen ambassadeurs kunnen"),
        ("{{ 7*7 }} <b>", "ken ik niet"),
        ("afspraken", "Open afspraken van de alliantie"),
        ("peiling", "Er staat op dit moment geen peiling open"),
        ("pulse results", "Peiling: energie en vertrouwen"),
        ("signalen", "Signalen uit de regio"),
        ("toolkit", "Toolkit voor Woonkracht Rivierenland"),
        ("toolkit zorggroep", "Toolkit voor"),
        ("agenda", "Agenda van Woonkracht Rivierenland"),
        ("taal", "Ik spreek Nederlands"),
        ("stil abc", "bijvoorbeeld /alliance stil 7"),
        ("onderschrijf", "Er ligt nu geen voorstel"),
        ("bezwaar", "Er ligt nu geen voorstel"),
        ("notitie", "Notities van Woonkracht Rivierenland"),
        ("voorstel x", "Deze regel kon ik niet lezen"),
    ],
)
async def test_slash_commands_are_acked_and_answered_ephemerally(
    client: httpx.AsyncClient, api: FakeSlackApi, text: str, expected: str
) -> None:
    body = slash(api, ANNA, text)
    response = await post(client, body, signed(body))
    assert response.status_code == 200
    await wait_for(lambda: api.responses)
    assert expected in texts_of(api)
    assert all(r["response_type"] == "ephemeral" for r in api.responses)
    assert "49" not in texts_of(api)
    for reply in api.responses:
        for block in reply["blocks"]:
            Block.parse(block).validate_json()  # type: ignore[union-attr]


async def test_a_retry_of_what_was_stored_changes_nothing(
    client: httpx.AsyncClient, api: FakeSlackApi
) -> None:
    """Slack retries what it thinks we missed; the same request twice is answered once."""
    body = slash(api, ANNA, "house")
    assert (await post(client, body, signed(body))).status_code == 200
    await wait_for(lambda: api.responses)
    headers = {**signed(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await post(client, body, headers)).status_code == 200
    await asyncio.sleep(0.3)
    assert len(api.responses) == 1


async def test_a_retry_of_what_never_arrived_is_handled(
    client: httpx.AsyncClient, api: FakeSlackApi
) -> None:
    """A retry whose first try was lost (or refused with a 503) is the only chance left."""
    body = slash(api, ANNA, "house")
    headers = {**signed(body), "X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}
    assert (await post(client, body, headers)).status_code == 200
    await wait_for(lambda: api.responses)
    assert "Kernboodschap" in texts_of(api)


async def test_an_unknown_user_is_asked_to_get_added(
    client: httpx.AsyncClient, api: FakeSlackApi
) -> None:
    body = slash(api, "U0NOBODY", "house")
    await post(client, body, signed(body))
    await wait_for(lambda: api.responses)
    assert "alliance adviser" in texts_of(api) or "alliantieadviseur" in texts_of(api)


async def test_a_user_is_found_by_email_and_linked(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    api.emails["U0PETRA1"] = "Petra@Example.org"  # petra has this e-mail in the demo file
    body = slash(api, "U0PETRA1", "house")
    await post(client, body, signed(body))
    await wait_for(lambda: api.responses)
    assert "Kernboodschap" in texts_of(api)
    with Session(demo_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        identity = session.exec(select(Identity).where(Identity.external_id == "U0PETRA1")).one()
        assert identity.person_id == petra.id


async def test_a_button_press_endorses_and_a_stale_one_says_so(
    client: httpx.AsyncClient, api: FakeSlackApi
) -> None:
    body = slash(api, ANNA, "voorstel reden: test // dak: Nieuw dak")
    await post(client, body, signed(body))
    await wait_for(lambda: api.responses)
    proposal_blocks = api.responses[-1]["blocks"]
    actions = next(b for b in proposal_blocks if b["type"] == "actions")["elements"]
    endorse = actions[0]["value"]
    press = interaction(
        {
            "type": "block_actions",
            "user": {"id": BRAM},
            "team": {"id": "T1"},
            "response_url": api.response_url(2),
            "trigger_id": "1.2.4",
            "actions": [{"action_id": actions[0]["action_id"], "value": endorse, "type": "button"}],
        }
    )
    before = len(api.responses)
    assert (await post(client, press, signed(press))).status_code == 200
    await wait_for(lambda: len(api.responses) > before)
    assert "Gemeente Tiel onderschrijft" in texts_of(api)
    await wait_for(lambda: any(method == "views.publish" for method, _view in api.views))
    home = next(view for method, view in api.views if method == "views.publish")
    assert home["type"] == "home"  # the Home tab shows the change at once
    stale = press.replace(endorse.replace(":", "%3A"), "he%3A999").replace("1.2.4", "1.2.5")
    before = len(api.responses)
    await post(client, stale, signed(stale))
    await wait_for(lambda: len(api.responses) > before)
    assert "niet meer open" in json.dumps(api.responses[-1], ensure_ascii=False)


async def test_a_bare_propose_opens_a_modal_and_errors_come_back_inline(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    body = slash(api, ANNA, "voorstel")
    assert (await post(client, body, signed(body))).status_code == 200
    await wait_for(lambda: api.views)
    method, view = api.views[0]
    assert method == "views.open" and view["callback_id"] == "propose_house"
    house_input = next(b for b in view["blocks"] if b["block_id"] == "house")
    assert "pijler: Een huis dat past" in house_input["element"]["initial_value"]

    def submission(reason: str, lines: str) -> str:
        state = {
            "values": {"reason": {"value": {"value": reason}}, "house": {"value": {"value": lines}}}
        }
        return interaction(
            {
                "type": "view_submission",
                "user": {"id": ANNA},
                "team": {"id": "T1"},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": "propose_house",
                    "state": state,
                },
            }
        )

    bad = submission("nieuwe cijfers", "pijler: zonder streep")
    response = await post(client, bad, signed(bad))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors" and "house" in answer["errors"]
    no_reason = submission("", house_input["element"]["initial_value"] + "\nbewijs: 1 extra")
    answer = (await post(client, no_reason, signed(no_reason))).json()
    assert "reason" in answer["errors"]
    good = submission("nieuwe cijfers", "dak: Een nieuw dak voor iedereen")
    response = await post(client, good, signed(good))
    assert response.status_code == 200 and "errors" not in response.text
    with Session(demo_engine) as session:
        assert session.exec(select(Proposal)).one().roof == "Een nieuw dak voor iedereen"


async def test_app_home_shows_the_house_and_the_open_proposal(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    body = slash(api, ANNA, "voorstel reden: test // dak: Nieuw dak")
    await post(client, body, signed(body))
    await wait_for(lambda: api.responses)
    with session_scope(demo_engine) as session:
        decline = Detected(
            "follow_up", "partner", "zorggroep", "declining_follow_up", date(2026, 10, 5),
            {"nl": "Zorggroep: 2 van 9 op tijd sinds 5 oktober", "en": "Zorggroep: 2 of 9"},
        )  # fmt: skip
        sync_flags(session, get_alliance(session), ["follow_up"], [decline])
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event": {"type": "app_home_opened", "user": BRAM, "tab": "home"},
            "event_id": "Ev1",
            "event_time": int(time.time()),
        }
    )
    headers = {**signed(event), "Content-Type": "application/json"}
    assert (await post(client, event, headers)).status_code == 200
    await wait_for(lambda: api.views)
    method, view = api.views[-1]
    assert method == "views.publish" and view["type"] == "home"
    shown = json.dumps(view, ensure_ascii=False)
    assert "Een huis dat past" in shown and "Voorstel voor versie 2" in shown
    assert "Zorggroep: 2 van 9 op tijd" in shown
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def shortcut(api: FakeSlackApi, user: str, text: str) -> str:
    return interaction(
        {
            "type": "message_action",
            "callback_id": "make_agreement",
            "user": {"id": user},
            "team": {"id": "T1"},
            "channel": {"id": "C1"},
            "message": {"text": text, "ts": "1.2"},
            "response_url": api.response_url(3),
            "trigger_id": "1.2.5",
        }
    )


def agreement_submission(user: str, **values: str) -> str:
    state: dict[str, Any] = {
        "text": {"value": {"type": "plain_text_input", "value": values.get("text")}},
        "partner": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": values["partner"]} if "partner" in values else None,
            }
        },
        "due": {"value": {"type": "datepicker", "selected_date": values.get("due")}},
        "region": {"value": {"type": "static_select", "selected_option": None}},
        "source": {"value": {"type": "plain_text_input", "value": values.get("source")}},
    }
    return interaction(
        {
            "type": "view_submission",
            "user": {"id": user},
            "team": {"id": "T1"},
            "view": {
                "id": "V2",
                "type": "modal",
                "callback_id": "agreement_new",
                "state": {"values": state},
            },
        }
    )


async def test_the_message_shortcut_opens_a_prefilled_agreement_modal(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    said = "Woonkracht levert twee sprekers voor de huurdersavond"
    body = shortcut(api, ANNA, said)
    assert (await post(client, body, signed(body))).status_code == 200
    await wait_for(lambda: api.views)
    method, view = api.views[0]
    assert method == "views.open" and view["callback_id"] == "agreement_new"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["text"]["element"]["initial_value"] == said
    options = [o["value"] for o in blocks["partner"]["element"]["options"]]
    assert "woonkracht" in options and blocks["due"]["element"]["type"] == "datepicker"
    for block in view["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    today = date.today()
    past = agreement_submission(
        ANNA, text=said, partner="woonkracht", due=(today - timedelta(days=3)).isoformat()
    )
    answer = (await post(client, past, signed(past))).json()
    assert answer["response_action"] == "errors" and "due" in answer["errors"]
    empty = agreement_submission(ANNA, text="  ", partner="woonkracht", due=today.isoformat())
    answer = (await post(client, empty, signed(empty))).json()
    assert "text" in answer["errors"]
    with Session(demo_engine) as session:
        assert session.exec(select(Agreement)).first() is None  # nothing half-written

    due = (today + timedelta(days=20)).isoformat()
    good = agreement_submission(
        ANNA, text=said, partner="woonkracht", due=due, source="Regiotafel 3 december"
    )
    answer = (await post(client, good, signed(good))).json()
    assert answer["response_action"] == "update"
    assert "Woonkracht" in json.dumps(answer["view"], ensure_ascii=False)
    with Session(demo_engine) as session:
        agreement = session.exec(select(Agreement)).one()
    assert agreement.text == said and agreement.due_on.isoformat() == due
    assert agreement.source == "Regiotafel 3 december"


async def test_a_bare_agreements_new_opens_the_modal_and_ambassadors_are_told_no(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    body = slash(api, ANNA, "afspraken nieuw")
    assert (await post(client, body, signed(body))).status_code == 200
    await wait_for(lambda: api.views)
    assert api.views[0][1]["callback_id"] == "agreement_new"
    with session_scope(demo_engine) as session:
        ambassador = session.exec(select(Person).where(Person.roles == "ambassador")).first()
        assert ambassador is not None
        session.add(Identity(person_id=ambassador.id or 0, platform="slack", external_id="U0AMB"))
    refused = shortcut(api, "U0AMB", "iets")
    assert (await post(client, refused, signed(refused))).status_code == 200
    await wait_for(lambda: api.responses)
    assert "Alleen adviseurs" in texts_of(api) and len(api.views) == 1


def snippet_submission(user: str, **values: Any) -> str:
    def text(value: str | None) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    def option(value: str | None) -> dict[str, Any]:
        chosen = {"value": value} if value else None
        return {"value": {"type": "static_select", "selected_option": chosen}}

    state = {
        "title": text(values.get("title")),
        "kind": option(values.get("kind")),
        "agenda": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": k} for k in values.get("agenda", [])],
            }
        },
        "lead_days": {"value": {"type": "number_input", "value": values.get("lead_days")}},
        "pillar": option(values.get("pillar")),
        "language": option(values.get("language", "nl")),
        "body": text(values.get("body")),
    }
    return interaction(
        {
            "type": "view_submission",
            "user": {"id": user},
            "team": {"id": "T1"},
            "view": {
                "id": "V3",
                "type": "modal",
                "callback_id": "toolkit_compose",
                "state": {"values": state},
            },
        }
    )


async def test_an_adviser_composes_a_snippet_in_a_modal(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    body = slash(api, ANNA, "toolkit nieuw")
    assert (await post(client, body, signed(body))).status_code == 200
    await wait_for(lambda: api.views)
    method, view = api.views[0]
    assert method == "views.open" and view["callback_id"] == "toolkit_compose"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["agenda"]["element"]["type"] == "multi_static_select"
    assert {"newsletter", "board"} <= {o["value"] for o in blocks["agenda"]["element"]["options"]}
    for block in view["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    good = {
        "title": "Oproep huurdersavond",
        "kind": "newsletter_item",
        "agenda": ["newsletter", "members"],
        "lead_days": "10",
        "pillar": "1",
        "body": "{{ speaker }} nodigt u uit: {{ pillar.message }}",
    }
    problems = [
        ({**good, "title": " "}, "title"),
        ({**good, "agenda": []}, "agenda"),
        ({**good, "lead_days": "99"}, "lead_days"),
        ({**good, "body": "{{ partner.naam.foo }}"}, "body"),
        ({**good, "body": "{{ ''.__class__.__mro__ }}"}, "body"),
        ({**good, "pillar": "9"}, "pillar"),
    ]
    for values, field in problems:
        bad = snippet_submission(ANNA, **values)
        answer = (await post(client, bad, signed(bad))).json()
        assert answer["response_action"] == "errors" and field in answer["errors"], values
    with Session(demo_engine) as session:
        assert session.exec(select(ToolkitSnippet)).first() is None  # nothing half-written
    ok = snippet_submission(ANNA, **good)
    answer = (await post(client, ok, signed(ok))).json()
    assert answer["response_action"] == "update"
    assert "Oproep huurdersavond" in json.dumps(answer["view"], ensure_ascii=False)
    with Session(demo_engine) as session:
        row = session.exec(select(ToolkitSnippet)).one()
    assert (row.kind, row.agenda_kinds, row.days_before, row.pillar) == (
        "newsletter_item",
        "newsletter,members",
        10,
        1,
    )


async def test_app_home_shows_pulse_chart_agenda_and_toolkit_coverage(
    tmp_path: Path, api: FakeSlackApi
) -> None:
    engine = make_engine(build_demo_database(tmp_path, today=date.today()))
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=api.base_url,
        public_url="https://bot.example",
    )
    app = create_web_app(engine, SlackAdapter(engine, settings).routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        event = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "event": {"type": "app_home_opened", "user": ANNA, "tab": "home"},
                "event_id": "Ev2",
                "event_time": int(time.time()),
            }
        )
        headers = {**signed(event), "Content-Type": "application/json"}
        assert (await post(http, event, headers)).status_code == 200
        await wait_for(lambda: api.views)
        _method, view = api.views[-1]
        shown = json.dumps(view, ensure_ascii=False)
        assert "Peiling: energie en vertrouwen" in shown
        assert "Komende agendamomenten" in shown and "gepland" in shown
        assert "Toolkit: wat partners ermee deden" in shown
        assert len(view["blocks"]) <= 100
        for block in view["blocks"]:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
        image = next(b for b in view["blocks"] if b["type"] == "image")
        url = image["image_url"]
        assert url.startswith("https://bot.example/slack/charts/")
        chart = await http.get(url.removeprefix("https://bot.example"))
        assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
        forged = url.removeprefix("https://bot.example")[:-8] + "0000.png"
        assert (await http.get(forged)).status_code == 404
    engine.dispose()
