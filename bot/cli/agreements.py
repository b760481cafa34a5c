"""`alliancebot agreements`: agreements from spreadsheets, and how their follow-up goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot.cli.common import (
    AsOfOption,
    JsonOption,
    alliance_session,
    fail,
    parse_day,
    person_of,
    print_json,
    say,
    texts_for,
)
from bot.core.followup import key_maps
from bot.core.kernel import (
    SpreadsheetError,
    Texts,
    _,
    format_day,
    format_number,
    format_percent,
    iso_local,
    read_csv,
)

app = typer.Typer(help="Agreements and their follow-up.", no_args_is_help=True)


@app.command("import")
def agreements_import_command(
    path: Annotated[Path, typer.Argument(help="CSV: key,text,owner,region,made_on,due_on,done_on")],
) -> None:
    """Import agreements from a spreadsheet (CSV); rows with a known key are updated."""
    from bot.core.followup import AgreementFileError, import_agreements, parse_agreements_csv

    try:
        csv_file = read_csv(path.read_bytes())
    except (FileNotFoundError, IsADirectoryError):
        fail(texts_for().gettext("%(path)s: file not found", path=path))
    except SpreadsheetError as error:
        fail(f"{path}: {error}")
    with alliance_session() as (session, alliance):
        partners, regions = key_maps(session, alliance)
        try:
            rows = parse_agreements_csv(
                csv_file.text, set(partners.values()), set(regions.values()), csv_file.delimiter
            )
        except AgreementFileError as error:
            texts = texts_for(alliance)
            fail(
                texts.gettext(
                    "%(path)s was not imported (%(read_as)s); nothing was changed. Fix these"
                    " and import again:",
                    path=path,
                    read_as=csv_file.described_in(texts.gettext),
                )
                + "".join(f"\n  {texts.gettext(m, **values)}" for m, values in error.messages)
            )
        report = import_agreements(session, alliance, rows)
        texts = texts_for(alliance)
        say(
            alliance,
            _(
                "Imported %(path)s (%(read_as)s): %(created)s new, %(updated)s updated,"
                " %(unchanged)s unchanged."
            ),
            path=path,
            read_as=csv_file.described_in(texts.gettext),
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )


@app.command("list")
def agreements_list_command(as_json: JsonOption = False) -> None:
    """Every agreement, soonest due first."""
    from bot.core.followup import agreement_json, list_agreements

    with alliance_session() as (session, alliance):
        partners, regions = key_maps(session, alliance)
        rows = [agreement_json(a, partners, regions) for a in list_agreements(session, alliance)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['key']:<8} {row['due_on']}  {row['status']:<9} {row['owner']:<16} {row['text']}"
        )


@app.command("flags")
def agreements_flags_command(as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Partners and regions whose follow-up of agreements is declining.

    Without --as-of: the flags as the daily check (`jobs run flags`) last left them, and
    when that was; nothing is evaluated again. --as-of evaluates that day afresh."""
    if as_of is not None:
        _flags_of_a_day(parse_day(as_of), as_json)
        return
    from bot.core.attention import FlagFamily, stored_flag_rows

    with alliance_session(write=False) as (session, alliance):
        moment, rows = stored_flag_rows(
            session, alliance, [FlagFamily.FOLLOW_UP], Texts(alliance.language).language
        )
        zone = ZoneInfo(alliance.timezone)
    if as_json:
        print_json(rows)
        return
    if moment is None:
        typer.echo(
            "The daily flags check has not run yet, so there are no stored flags: run"
            " `alliancebot jobs run flags`, or evaluate a day with --as-of YYYY-MM-DD."
        )
        return
    when = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    typer.echo(f"Follow-up flags as of {when}, when the daily check last ran:")
    for row in rows:
        typer.echo(f"{row['level']} {row['key']} ({row['kind']}): {row['explanation']}")
    if not rows:
        typer.echo("No declining follow-up.")


def _flags_of_a_day(day: date, as_json: bool) -> None:
    """Evaluate `day` as if it were today (nothing is stored, nobody is told)."""
    from bot.core.followup import explain, follow_up_flags

    with alliance_session(write=False) as (session, alliance):
        texts = Texts(alliance.language)
        flags = follow_up_flags(session, alliance, day)
        start = datetime.combine(day, time(), ZoneInfo(alliance.timezone)).isoformat()
        if as_json:
            print_json([{**flag.to_json(texts), "as_of": start} for flag in flags])
            return
        mine = texts_for(alliance)
        for flag in flags:
            typer.echo(f"{flag.level} {flag.key} ({flag.flag.kind}): {explain(mine, flag)}")
        if not flags:
            say(
                alliance,
                _("No declining follow-up as of %(date)s."),
                date=format_day(day, mine.language),
            )


@app.command("measures")
def agreements_measures_command(as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Follow-up per partner and region: on time, overdue, days late, check-ins answered."""
    from bot.core.followup import measures_by_group

    day = parse_day(as_of)
    rows: list[dict[str, Any]] = []
    with alliance_session(write=False) as (session, alliance):
        partners, regions = key_maps(session, alliance)
        for level, keys in (("partner", partners), ("region", regions)):
            measures = measures_by_group(session, alliance, level, day)
            for group_id, key in sorted(keys.items(), key=lambda item: item[1]):
                if group_id in measures:
                    rows.append({"level": level, "key": key, **measures[group_id].as_dict()})
        texts = texts_for(alliance)
    if as_json:
        print_json(rows)
        return
    typer.echo(
        texts.gettext(
            "Follow-up as of %(date)s (agreements due before that day):",
            date=format_day(day, texts.language),
        )
    )
    for row in rows:
        typer.echo(_measures_line(texts, row))


def _measures_line(texts: Texts, row: dict[str, Any]) -> str:
    """Rates as percentages and a dash for what cannot be measured yet (nothing due), in
    the operator's language."""
    language = texts.language
    days = row["median_days_late"]
    return f"  {row['level']:8} {row['key']:18} " + texts.gettext(
        "on time %(rate)s of %(due)s, overdue %(overdue)s, median days late %(late)s,"
        " check-ins answered %(answered)s",
        rate=format_percent(row["on_time_rate"], language),
        due=row["due"],
        overdue=row["overdue"],
        late="-" if days is None else format_number(days, language, 0 if days == int(days) else 1),
        answered=format_percent(row["checkin_response_rate"], language),
    )


ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why (kept in the agreement's history).")
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="The person (key) who decided; default: operator.")
]


def _change(key: str, by: str | None, change: Callable[..., Any]) -> None:
    """Find the agreement, make the change in one unit of work, say what happened."""
    from bot.core.followup import Actor, ChangeError, find_agreement

    with alliance_session() as (session, alliance):
        texts = texts_for(alliance)
        agreement = find_agreement(session, alliance, key)
        if agreement is None:
            fail(texts.gettext("I don't know an agreement '%(key)s'.", key=key))
        actor = Actor.of(person_of(session, alliance, by)) if by else Actor("operator")
        try:
            done = change(session, alliance, agreement, actor)
        except ChangeError as error:
            fail(_change_problem(texts, error, agreement.key))
        say(
            alliance,
            _change_said(done.kind),
            key=agreement.key,
            date=format_day(done.new_due, texts.language),
        )


def _change_problem(texts: Texts, error: Any, key: str) -> str:
    messages = {
        "settled": _("%(key)s is already done or let go; nothing was changed."),
        "no_reason": _("Say why with --reason; the partners read it in the history."),
        "same_due": _("%(key)s already falls due on that day."),
        "before_made": _("The new date lies before the day %(key)s was made; pick a later date."),
        "not_yours": _(
            "The person given with --by may not change %(key)s: it is another"
            " organisation's agreement."
        ),
    }
    message = messages.get(error.code, _("That did not work; try again."))
    return texts.gettext(message, key=key)


def _change_said(kind: str) -> str:
    if kind == "moved":
        return _("%(key)s moved to %(date)s; its check-ins follow.")
    return _("%(key)s let go; it no longer counts as open or late.")


@app.command("move")
def agreements_move_command(
    key: Annotated[str, typer.Argument(help="The agreement's key.")],
    due: Annotated[str, typer.Option("--due", help="The new due date, YYYY-MM-DD.")],
    reason: ReasonOption,
    by: ByOption = None,
) -> None:
    """Give an agreement a new due date; its history keeps the move and the reason."""
    from bot.core.followup import move_agreement

    try:
        day = date.fromisoformat(due)
    except ValueError:
        fail(texts_for().gettext("--due %(value)r is not a date (YYYY-MM-DD)", value=due))
    _change(
        key,
        by,
        lambda session, alliance, agreement, actor: move_agreement(
            session, alliance, agreement, day, reason, actor
        ),
    )


@app.command("drop")
def agreements_drop_command(
    key: Annotated[str, typer.Argument(help="The agreement's key.")],
    reason: ReasonOption,
    by: ByOption = None,
) -> None:
    """Let an agreement go: it no longer counts as open or late; its history keeps why."""
    from bot.core.followup import drop_agreement

    _change(
        key,
        by,
        lambda session, alliance, agreement, actor: drop_agreement(
            session, alliance, agreement, reason, actor
        ),
    )


@app.command("history")
def agreements_history_command(
    key: Annotated[str, typer.Argument(help="The agreement's key.")],
    as_json: JsonOption = False,
) -> None:
    """Every move and let-go of one agreement, with its reason, who and when."""
    from bot.core.followup import find_agreement, history

    with alliance_session(write=False) as (session, alliance):
        agreement = find_agreement(session, alliance, key)
        if agreement is None:
            fail(texts_for(alliance).gettext("I don't know an agreement '%(key)s'.", key=key))
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "kind": c.kind,
                "old_due": c.old_due.isoformat(),
                "new_due": c.new_due.isoformat(),
                "old_status": c.old_status,
                "new_status": c.new_status,
                "reason": c.reason,
                "by": c.actor,
                "at": iso_local(c.created_at, alliance.timezone),
                "undone_at": iso_local(c.undone_at, alliance.timezone),
            }
            for c in history(session, agreement)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        undone = "  (undone)" if row["undone_at"] else ""
        typer.echo(
            f"{str(row['at'])[:16]}  {row['kind']:8} {row['old_due']} -> {row['new_due']}"
            f"  {row['by']}: {row['reason']}{undone}"
        )
