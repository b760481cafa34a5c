"""`alliancebot decisions`: what the partners decide together, and the same answers as in
chat (endorse, object, withdraw), for every kind of decision."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from bot.cli.common import JsonOption, alliance_session, fail, person_of, print_json, say, texts_for
from bot.core.consent import (
    AnyVerdict,
    ConsentError,
    DecisionKind,
    decision_by_id,
    decision_json,
    described,
    history,
    open_decisions,
    submit_answer,
    withdraw,
)
from bot.core.kernel import Alliance, Reply, _
from bot.render.plain import render_plain

app = typer.Typer(help="Decisions the partners take together.", invoke_without_command=True)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The decision's number.")]
ByOption = Annotated[str, typer.Option("--by", help="The answering adviser's key.")]


def consent_problem(error: ConsentError, alliance: Alliance) -> NoReturn:
    """The chat's own wording of the problem."""
    texts = texts_for(alliance)
    markup = texts.render(
        "consent_error", code=error.code, cmd=lambda key: f"alliancebot {key}s", **error.details
    )
    fail(render_plain(Reply.from_markup(markup)))


@app.callback()
def decisions_command(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Every decision of this kind.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The open decisions (or, with --kind, every decision of that kind)."""
    if ctx.invoked_subcommand is not None:
        return
    with alliance_session() as (session, alliance):
        if kind is not None and kind not in set(DecisionKind):
            fail(f"--kind takes {', '.join(DecisionKind)}, not {kind!r}.")
        rows = (
            history(session, alliance, DecisionKind(kind))
            if kind
            else open_decisions(session, alliance)
        )
        if as_json:
            print_json([decision_json(session, alliance, d) for d in rows])
            return
        texts = texts_for(alliance)
        for decision in rows:
            shown = described(texts, decision)
            typer.echo(f"{decision.id}  {decision.status:<9}  {shown['title']}: {shown['value']}")


def _answer(number: int, by: str, verdict: AnyVerdict, reason: str) -> None:
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        decision = decision_by_id(session, alliance, number)
        try:
            if decision is None:
                raise ConsentError("unknown_decision", number=number)
            current, adopted = submit_answer(session, alliance, person, decision, verdict, reason)
        except ConsentError as error:
            consent_problem(error, alliance)
        if adopted:
            say(alliance, _("Adopted: decision %(id)s."), id=decision.id)
            return
        say(
            alliance,
            _(
                "Recorded. Endorsed by %(endorsed)s of %(needed)s needed; objections:"
                " %(objected)s; still to answer: %(missing)s."
            ),
            endorsed=len(current.tally.endorsed),
            needed=current.tally.needed,
            objected=len(current.tally.objected),
            missing=len(current.tally.missing),
        )


@app.command("endorse")
def decisions_endorse_command(number: IdArgument, by: ByOption) -> None:
    """Endorse decision ID on behalf of PERSON's partner."""
    _answer(number, by, "endorse", "")


@app.command("object")
def decisions_object_command(
    number: IdArgument,
    by: ByOption,
    reason: Annotated[str, typer.Option(help="Why the partner objects.")],
) -> None:
    """Object to decision ID on behalf of PERSON's partner, with a reason."""
    _answer(number, by, "object", reason)


@app.command("withdraw")
def decisions_withdraw_command(number: IdArgument, by: ByOption) -> None:
    """Withdraw decision ID; nothing changes."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        decision = decision_by_id(session, alliance, number)
        try:
            if decision is None:
                raise ConsentError("unknown_decision", number=number)
            withdraw(session, alliance, person, decision)
        except ConsentError as error:
            consent_problem(error, alliance)
        say(alliance, _("Decision %(id)s is withdrawn; nothing changes."), id=number)
