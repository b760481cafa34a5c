"""`alliancebot house`: the message house, and the same proposal flow as in chat."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlmodel import select

from bot.cli.common import (
    JsonOption,
    alliance_session,
    fail,
    person_of,
    print_json,
    say,
    texts_for,
)
from bot.core.alliance import AllianceFileError, read_house_file
from bot.core.house import (
    ProposalError,
    Verdict,
    diff_houses,
    history,
    house_markup,
    house_view,
    submit_answer,
    submit_proposal,
    version_by_number,
    version_content,
    withdraw,
)
from bot.core.kernel import Alliance, Person, Reply, _, iso_local
from bot.render.markdown import render_markdown
from bot.render.plain import render_plain

app = typer.Typer(help="The message house.", invoke_without_command=True)


@app.callback()
def house_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The current message house and who endorsed it."""
    if ctx.invoked_subcommand is not None:
        return
    with alliance_session() as (session, alliance):
        if as_json:
            view = house_view(session, alliance)
            print_json(view.to_json(alliance.timezone) if view else None)
        else:
            markup = house_markup(session, alliance, texts_for(alliance))
            typer.echo(render_plain(Reply.from_markup(markup)))


def _proposal_problem(error: ProposalError, alliance: Alliance) -> NoReturn:
    """The chat's own wording of the problem, with the command line's remedies."""
    texts = texts_for(alliance)
    markup = texts.render(
        "house_error", code=error.code, line="", cmd=lambda key: key, cli=True, **error.details
    )
    fail(render_plain(Reply.from_markup(markup)))


@app.command("propose")
def house_propose_command(
    path: Annotated[Path, typer.Argument(help="A TOML file with a [message_house] table.")],
    by: Annotated[str, typer.Option("--by", help="The proposing adviser's key.")],
    reason: Annotated[
        str, typer.Option(help="Why (else `reason` in the file); optional, but it helps.")
    ] = "",
    replace: Annotated[bool, typer.Option(help="Replace an open proposal.")] = False,
) -> None:
    """Propose a new message house from a file, as PERSON (the same flow as in chat)."""
    try:
        content, file_reason = read_house_file(path)
    except AllianceFileError as error:
        fail(f"{path} was not read:\n" + "\n".join(f"  {p}" for p in error.problems))
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            status, asked = submit_proposal(
                session,
                alliance,
                person,
                content,
                reason or file_reason,
                replace,
                reason_required=False,
            )
        except ProposalError as error:
            _proposal_problem(error, alliance)
        say(
            alliance,
            _("Proposal %(id)s is open; %(asked)s advisers were asked to respond."),
            id=status.proposal.id,
            asked=asked,
        )


def _answer(by: str, verdict: Verdict, reason: str) -> None:
    """Endorse and object differ only in the verdict; adoption is announced either way."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            status, adopted = submit_answer(session, alliance, person, verdict, reason)
        except ProposalError as error:
            _proposal_problem(error, alliance)
        if adopted is not None:
            say(
                alliance,
                _("Adopted: the message house is now version %(version)s."),
                version=adopted.version,
            )
        else:
            say(
                alliance,
                _(
                    "Recorded. Endorsed by %(endorsed)s of %(needed)s needed; objections:"
                    " %(objected)s; still to answer: %(missing)s."
                ),
                endorsed=len(status.endorsed),
                needed=status.needed,
                objected=len(status.objected),
                missing=len(status.missing),
            )


@app.command("endorse")
def house_endorse_command(
    by: Annotated[str, typer.Option("--by", help="The endorsing adviser's key.")],
) -> None:
    """Endorse the open proposal on behalf of PERSON's partner."""
    _answer(by, "endorse", "")


@app.command("object")
def house_object_command(
    by: Annotated[str, typer.Option("--by", help="The objecting adviser's key.")],
    reason: Annotated[str, typer.Option(help="Why the partner objects.")],
) -> None:
    """Object to the open proposal on behalf of PERSON's partner, with a reason."""
    _answer(by, "object", reason)


@app.command("withdraw")
def house_withdraw_command(
    by: Annotated[str, typer.Option("--by", help="The adviser who withdraws it.")],
) -> None:
    """Withdraw the open proposal; the message house stays as it is."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            proposal = withdraw(session, alliance, person)
        except ProposalError as error:
            _proposal_problem(error, alliance)
        say(alliance, _("Proposal %(id)s is withdrawn; the house stays as it is."), id=proposal.id)


@app.command("diff")
def house_diff_command(
    old: Annotated[int, typer.Argument(help="A version number.")],
    new: Annotated[int, typer.Argument(help="Another version number.")],
    as_json: JsonOption = False,
) -> None:
    """What changed between two versions of the message house."""
    with alliance_session() as (session, alliance):
        contents = []
        for number in (old, new):
            version = version_by_number(session, alliance, number)
            if version is None:
                fail(
                    texts_for(alliance).gettext(
                        "There is no version %(number)s; `alliancebot house history` lists them.",
                        number=number,
                    )
                )
            contents.append(version_content(session, version))
        changes = diff_houses(contents[0], contents[1])
        if as_json:
            print_json({"from": old, "to": new, "changes": [c.to_json() for c in changes]})
            return
        markup = texts_for(alliance).render("house_diff", old=old, new=new, changes=changes)
        typer.echo(render_plain(Reply.from_markup(markup)))


@app.command("history")
def house_history_command(as_json: JsonOption = False) -> None:
    """Every version of the message house, oldest first."""
    with alliance_session() as (session, alliance):
        people = {p.id: p.key for p in session.exec(select(Person))}
        rows: list[dict[str, Any]] = [
            {
                "version": v.version,
                "adopted_at": iso_local(v.adopted_at, alliance.timezone),
                "source": v.source,
                "reason": v.reason,
                "proposed_by": people.get(v.proposed_by_id),
            }
            for v in history(session, alliance)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"v{row['version']}  {str(row['adopted_at'])[:10]}  {row['source']:<13}"  # local
            f" {row['proposed_by'] or '-':<10} {row['reason'] or ''}"
        )


@app.command("export")
def house_export_command() -> None:
    """The current message house as Markdown, for documents and wikis."""
    with alliance_session() as (session, alliance):
        markup = house_markup(session, alliance, texts_for(alliance))
    typer.echo(render_markdown(Reply.from_markup(markup)), nl=False)
