"""`alliancebot agenda`: partners' calendars, imported by hand and listed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import select

from bot.cli.common import (
    JsonOption,
    PartnerArgument,
    alliance_session,
    database,
    fail,
    partner_of,
    print_json,
    say,
    texts_for,
    unit_of_work,
)
from bot.core.kernel import Partner, _, iso_local, local_text, moment_json, utcnow

app = typer.Typer(help="Partner agendas (calendars).", no_args_is_help=True)


@app.command("import")
def agenda_import_command(
    partner_key: PartnerArgument,
    source: Annotated[str, typer.Argument(metavar="FILE_OR_URL", help=".ics file or URL.")],
) -> None:
    """Import a partner's calendar (.ics); moved and deleted events move their snippets.

    The calendar is read in full, whatever was imported before (an import by hand means
    "this one, now"), while no transaction is open; then one transaction imports it, keeps
    where it came from and its validators (so the daily job can ask "changed since?"), and
    plans. A calendar that cannot be read or parsed changes nothing."""
    from bot.adapters.calendar_feed import fetch_calendar
    from bot.core.agenda import CalendarError, import_agenda, remember_import
    from bot.core.toolkit import plan_snippets

    with database() as engine:
        with unit_of_work(engine, write=False) as (session, alliance):
            partner_of(session, alliance, partner_key)  # an unknown partner before any reading
        try:
            calendar = fetch_calendar(source, Path.cwd())
        except CalendarError as error:
            fail(f"{source} was not imported; nothing was changed.\n  {error}")
        with unit_of_work(engine) as (session, alliance):
            partner, now = partner_of(session, alliance, partner_key), utcnow()
            try:
                report = import_agenda(
                    session,
                    partner,
                    calendar.data,
                    source="calendar",
                    now=now,
                    default_tz=alliance.timezone,
                )
            except CalendarError as error:
                fail(f"{source} was not imported; nothing was changed.\n  {error}")
            remember_import(partner, source, calendar.validators, now)
            session.add(partner)
            planned = plan_snippets(session, alliance)
        say(
            alliance,
            _(
                "Imported the agenda of %(partner)s: %(added)s new, %(moved)s moved, %(updated)s"
                " updated, %(removed)s removed, %(cancelled)s cancelled. Snippets: %(planned)s"
                " planned, %(withdrawn)s withdrawn."
            ),
            partner=partner.name,
            added=report.added,
            moved=report.moved,
            updated=report.updated,
            removed=report.removed,
            cancelled=report.cancelled,
            planned=planned.planned,
            withdrawn=planned.cancelled,
        )


@app.command("list")
def agenda_list_command(
    as_json: JsonOption = False,
    days: Annotated[int, typer.Option(help="How far ahead.")] = 56,
) -> None:
    """Upcoming agenda moments of every partner."""
    from bot.core.agenda import upcoming

    with alliance_session(write=False) as (session, alliance):
        partners = {
            p.id: p for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
        }
        items = upcoming(session, [p for p in partners if p is not None], utcnow(), days)
        texts = texts_for(alliance)
        zone = alliance.timezone
        rows: list[dict[str, Any]] = [
            {
                "partner": partners[item.partner_id].key,
                "title": item.title,
                "kind": item.kind,
                "starts_at": iso_local(item.starts_at, zone),
                "ends_at": iso_local(item.ends_at, zone),
                **moment_json(item.starts_at, zone, item.all_day),
                "uid": item.uid,
            }
            for item in items
        ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(texts.gettext("No agenda moments in the coming %(days)s days.", days=days))
    for item, row in zip(items, rows, strict=True):
        when = local_text(item.starts_at, zone, item.all_day)
        typer.echo(f"{when:16}  {row['partner']:16} {row['kind']:10} {row['title']}")
