"""`alliancebot toolkit`: the snippets planned from partner agendas, and partners' pages."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.adapters.link_key import link_key
from bot.cli.common import (
    JsonOption,
    PartnerArgument,
    alliance_session,
    partner_of,
    print_json,
    texts_for,
)
from bot.core.kernel import iso_local, local_text, moment_json
from bot.settings import load_settings

app = typer.Typer(help="Toolkit snippets timed to partner agendas.", no_args_is_help=True)


@app.command("plan")
def toolkit_plan_command(as_json: JsonOption = False) -> None:
    """Plan (idempotently) and show the snippet deliveries of the coming weeks."""
    from bot.core.toolkit import plan_snippets, planned_snippets

    with alliance_session() as (session, alliance):
        plan_snippets(session, alliance)
        zone, texts = alliance.timezone, texts_for(alliance)
        planned = planned_snippets(session, alliance)
        rows: list[dict[str, Any]] = [
            {
                "partner": p.partner,
                "snippet": p.snippet,
                "agenda_item": p.agenda_item,
                "agenda_start": iso_local(p.agenda_start, zone),
                **moment_json(p.agenda_start, zone, p.agenda_all_day),
                "send_at": iso_local(p.send_at, zone),
                "channel": p.channel,
                "text": p.text,
                "person": p.person,
                "status": p.status,
            }
            for p in planned
        ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(
            texts.gettext(
                "No snippets planned: no agenda moments in the coming weeks, or no reachable"
                " adviser of those partners."
            )
        )
    for p, row in zip(planned, rows, strict=True):
        moment = texts.gettext(
            "for %(item)s (%(date)s) → %(person)s on %(channel)s",
            item=row["agenda_item"],
            date=local_text(p.agenda_start, zone, all_day=True),
            person=row["person"],
            channel=row["channel"],
        )
        typer.echo(
            f"{local_text(p.send_at, zone)}  {row['partner']:16} {row['snippet']:22}"
            f" {moment} [{row['status']}]"
        )


NewOption = Annotated[
    bool, typer.Option("--new", help="Replace the partner's link; the old one stops working.")
]


@app.command("link")
def toolkit_link_command(partner_key: PartnerArgument, new: NewOption = False) -> None:
    """A partner's personal toolkit page link: the current one, a first one, or with --new a
    replacement.

    Only a fingerprint of a link is stored (a copied database opens no pages); with
    ALLIANCEBOT_SECRET_KEY set the current link is derived again from it. A link is never
    replaced without --new, because the partner may already use it."""
    from bot.core.toolkit import current_token, issue_token

    settings = load_settings()
    key = link_key(settings)
    with alliance_session(settings) as (session, alliance):
        partner = partner_of(session, alliance, partner_key)
        replaced = partner.toolkit_token is not None
        token = None if new else current_token(partner, key)
        if token is None and replaced and not new:
            typer.echo(
                f"{partner_key} already has a toolkit link that cannot be shown again (it was"
                " made without ALLIANCEBOT_SECRET_KEY, or with another key)."
                f" `alliancebot toolkit link {partner_key} --new` makes a new one, and the"
                " current one then stops working."
            )
            return
        if token is None:
            token = issue_token(session, partner, key)
        else:
            replaced = False
    typer.echo(f"{settings.public_url.rstrip('/')}/toolkit/{token}")
    if replaced:
        typer.echo(f"The previous toolkit link of {partner_key} no longer works.", err=True)


@app.command("revoke")
def toolkit_revoke_command(partner_key: PartnerArgument) -> None:
    """Stop a partner's toolkit page link from working."""
    from bot.core.toolkit import revoke_token

    with alliance_session() as (session, alliance):
        revoke_token(session, partner_of(session, alliance, partner_key))
    typer.echo(f"The toolkit link of {partner_key} no longer works.")
