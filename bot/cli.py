"""`alliancebot`: the command line. Thin: it parses, calls the core, prints.

Errors a user can fix go to stderr as one clear message with a non-zero exit code; listing
commands with `--json` print exactly one JSON document to stdout and nothing else.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.core.alliance import (
    AllianceFileError,
    NoAllianceError,
    get_alliance,
    load_alliance,
    read_alliance_file,
    read_house_file,
)
from bot.core.followup import key_maps
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
from bot.core.kernel import Alliance, Partner, Person, Reply, Texts, person_by_key, utcnow
from bot.db import SchemaOutOfDateError, check_schema, make_engine, migrate, session_scope
from bot.render.markdown import render_markdown
from bot.render.plain import render_plain
from bot.settings import Settings, load_settings

app = typer.Typer(
    name="alliancebot",
    help="A chat bot for alliance communication coalitions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
house_app = typer.Typer(help="The message house.", invoke_without_command=True)
app.add_typer(house_app, name="house")
pulse_app = typer.Typer(help="Pulse polls on energy and trust.", no_args_is_help=True)
app.add_typer(pulse_app, name="pulse")
agreements_app = typer.Typer(help="Agreements and their follow-up.", no_args_is_help=True)
app.add_typer(agreements_app, name="agreements")
agenda_app = typer.Typer(help="Partner agendas (calendars).", no_args_is_help=True)
app.add_typer(agenda_app, name="agenda")
toolkit_app = typer.Typer(help="Toolkit snippets timed to partner agendas.", no_args_is_help=True)
app.add_typer(toolkit_app, name="toolkit")

log = logging.getLogger("bot")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _engine(settings: Settings, checked: bool = True) -> Engine:
    """The database; unless `checked` is off, only when its schema matches this code."""
    engine = make_engine(settings.database_url)
    if checked:
        check_schema(engine)
    return engine


def _print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show details of unexpected errors.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    settings = load_settings()
    migrate(_engine(settings, checked=False))
    typer.echo(f"Database is up to date ({_safe_url(settings.database_url)}).", err=True)


@app.command("init")
def init_command(
    path: Annotated[
        Path | None, typer.Argument(help="The alliance file (default: $ALLIANCEBOT_CONFIG).")
    ] = None,
) -> None:
    """Check the alliance file, migrate, then load or update the alliance from it."""
    settings = load_settings()
    path = path or settings.alliancebot_config
    try:
        document = read_alliance_file(path)
    except AllianceFileError as error:
        fail(
            f"{path} was not loaded; nothing was changed. Fix these and run init again:\n"
            + "\n".join(f"  {problem}" for problem in error.problems)
        )
    engine = _engine(settings, checked=False)
    migrate(engine)
    with session_scope(engine) as session:
        report = load_alliance(session, document, path.resolve().parent)
    typer.echo(f"Loaded {document.alliance.name} from {path}: {report.summary()}.")


@app.command("chat")
def chat_command(
    person: Annotated[str, typer.Option("--as", help="A person's key from the alliance file.")],
) -> None:
    """Chat with the bot in this terminal, as PERSON (reads commands line by line)."""
    from bot.adapters.console import UnknownPersonError, run_console

    engine = _engine(load_settings())
    try:
        run_console(engine, person, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    except UnknownPersonError:
        fail(f"Nobody with key {person!r} in the alliance file; use a key from its [[people]].")


@house_app.callback()
def house_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The current message house and who endorsed it."""
    if ctx.invoked_subcommand is not None:
        return
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        if as_json:
            view = house_view(session, alliance)
            _print_json(view.to_json() if view else None)
        else:
            markup = house_markup(session, alliance, Texts(alliance.language))
            typer.echo(render_plain(Reply.from_markup(markup)))


def _house_person(session: Session, key: str) -> tuple[Alliance, Person]:
    alliance = get_alliance(session)
    person = person_by_key(session, alliance.id or 0, key)
    if person is None:
        fail(f"Nobody with key {key!r} in the alliance file; use a key from its [[people]].")
    return alliance, person


def _proposal_problem(error: ProposalError, language: str = "en") -> NoReturn:
    texts = Texts(language)
    markup = texts.render(
        "house_error", code=error.code, line="", cmd=lambda key: key, cli=True, **error.details
    )
    fail(render_plain(Reply.from_markup(markup)))


@house_app.command("propose")
def house_propose_command(
    path: Annotated[Path, typer.Argument(help="A TOML file with a [message_house] table.")],
    by: Annotated[str, typer.Option("--by", help="The proposing adviser's key.")],
    reason: Annotated[str, typer.Option(help="Why (else `reason` in the file).")] = "",
    replace: Annotated[bool, typer.Option(help="Replace an open proposal.")] = False,
) -> None:
    """Propose a new message house from a file, as PERSON (the same flow as in chat)."""
    try:
        content, file_reason = read_house_file(path)
    except AllianceFileError as error:
        fail(f"{path} was not read:\n" + "\n".join(f"  {p}" for p in error.problems))
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance, person = _house_person(session, by)
        try:
            status, asked = submit_proposal(
                session, alliance, person, content, reason or file_reason, replace
            )
        except ProposalError as error:
            _proposal_problem(error)
        typer.echo(
            f"Proposal {status.proposal.id} is open; {asked} advisers were asked to respond."
        )


def _answer_command(by: str, verdict: Verdict, reason: str) -> None:
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance, person = _house_person(session, by)
        try:
            status, adopted = submit_answer(session, alliance, person, verdict, reason)
        except ProposalError as error:
            _proposal_problem(error)
        if adopted is not None:
            typer.echo(f"Adopted: the message house is now version {adopted.version}.")
        else:
            typer.echo(
                f"Recorded. Endorsed by {len(status.endorsed)} of {status.needed} needed;"
                f" objections: {len(status.objected)}; still to answer: {len(status.missing)}."
            )


@house_app.command("endorse")
def house_endorse_command(
    by: Annotated[str, typer.Option("--by", help="The endorsing adviser's key.")],
) -> None:
    """Endorse the open proposal on behalf of PERSON's partner."""
    _answer_command(by, "endorse", "")


@house_app.command("object")
def house_object_command(
    by: Annotated[str, typer.Option("--by", help="The objecting adviser's key.")],
    reason: Annotated[str, typer.Option(help="Why the partner objects.")],
) -> None:
    """Object to the open proposal on behalf of PERSON's partner, with a reason."""
    _answer_command(by, "object", reason)


@house_app.command("withdraw")
def house_withdraw_command(
    by: Annotated[str, typer.Option("--by", help="The adviser who withdraws it.")],
) -> None:
    """Withdraw the open proposal; the message house stays as it is."""
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance, person = _house_person(session, by)
        try:
            proposal = withdraw(session, alliance, person)
        except ProposalError as error:
            _proposal_problem(error)
        typer.echo(f"Proposal {proposal.id} is withdrawn; the house stays as it is.")


@house_app.command("diff")
def house_diff_command(
    old: Annotated[int, typer.Argument(help="A version number.")],
    new: Annotated[int, typer.Argument(help="Another version number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """What changed between two versions of the message house."""
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        contents = []
        for number in (old, new):
            version = version_by_number(session, alliance, number)
            if version is None:
                fail(f"There is no version {number}; `alliancebot house history` lists them.")
            contents.append(version_content(session, version))
        changes = diff_houses(contents[0], contents[1])
        if as_json:
            _print_json({"from": old, "to": new, "changes": [c.to_json() for c in changes]})
            return
        texts = Texts(alliance.language)
        markup = texts.render("house_diff", old=old, new=new, changes=changes)
        typer.echo(render_plain(Reply.from_markup(markup)))


@house_app.command("history")
def house_history_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every version of the message house, oldest first."""
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        people = {p.id: p.key for p in session.exec(select(Person))}
        rows: list[dict[str, Any]] = [
            {
                "version": v.version,
                "adopted_at": v.adopted_at.isoformat(),
                "source": v.source,
                "reason": v.reason,
                "proposed_by": people.get(v.proposed_by_id),
            }
            for v in history(session, get_alliance(session))
        ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"v{row['version']}  {str(row['adopted_at'])[:10]}  {row['source']:<13}"
            f" {row['proposed_by'] or '-':<10} {row['reason'] or ''}"
        )


@house_app.command("export")
def house_export_command() -> None:
    """The current message house as Markdown, for documents and wikis."""
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        markup = house_markup(session, alliance, Texts(alliance.language))
    typer.echo(render_markdown(Reply.from_markup(markup)), nl=False)


@agreements_app.command("import")
def agreements_import_command(
    path: Annotated[Path, typer.Argument(help="CSV: key,text,owner,region,made_on,due_on,done_on")],
) -> None:
    """Import agreements from a spreadsheet (CSV); rows with a known key are updated."""
    from bot.core.followup import AgreementFileError, import_agreements, parse_agreements_csv

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: file not found")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text; save the spreadsheet as CSV UTF-8")
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        partners, regions = key_maps(session, alliance)
        try:
            rows = parse_agreements_csv(text, set(partners.values()), set(regions.values()))
        except AgreementFileError as error:
            fail(
                f"{path} was not imported; nothing was changed. Fix these and import again:\n"
                + "\n".join(f"  {problem}" for problem in error.problems)
            )
        report = import_agreements(session, alliance, rows)
    typer.echo(
        f"Imported {path}: {report.created} new, {report.updated} updated,"
        f" {report.unchanged} unchanged."
    )


@agreements_app.command("list")
def agreements_list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every agreement, soonest due first."""
    from bot.core.followup import agreement_json, list_agreements

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        partners, regions = key_maps(session, alliance)
        rows = [agreement_json(a, partners, regions) for a in list_agreements(session, alliance)]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['key']:<8} {row['due_on']}  {row['status']:<9} {row['owner']:<16} {row['text']}"
        )


@agreements_app.command("flags")
def agreements_flags_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate as if it were YYYY-MM-DD.")
    ] = None,
) -> None:
    """Partners and regions whose follow-up of agreements is declining."""
    from bot.core.followup import explain, follow_up_flags

    day = _as_of(as_of)
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        texts = Texts(alliance.language)
        flags = follow_up_flags(session, alliance, day)
        if as_json:
            _print_json([flag.to_json(texts) for flag in flags])
            return
        for flag in flags:
            typer.echo(f"{flag.level} {flag.key} ({flag.flag.kind}): {explain(texts, flag)}")
        if not flags:
            typer.echo(f"No declining follow-up as of {day.isoformat()}.")


def _as_of(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        fail(f"--as-of {value!r} is not a date (YYYY-MM-DD)")


@agreements_app.command("measures")
def agreements_measures_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate as if it were YYYY-MM-DD.")
    ] = None,
) -> None:
    """Follow-up per partner and region: on time, overdue, days late, check-ins answered."""
    from bot.core.followup import measures_by_group

    day = _as_of(as_of)
    engine = _engine(load_settings())
    rows: list[dict[str, Any]] = []
    with Session(engine) as session:
        alliance = get_alliance(session)
        partners, regions = key_maps(session, alliance)
        for level, keys in (("partner", partners), ("region", regions)):
            measures = measures_by_group(session, alliance, level, day)
            for group_id, key in sorted(keys.items(), key=lambda item: item[1]):
                if group_id in measures:
                    rows.append({"level": level, "key": key, **measures[group_id].as_dict()})
    if as_json:
        _print_json(rows)
        return
    typer.echo(f"Follow-up as of {day.isoformat()} (agreements due before that day):")
    for row in rows:
        rate = "-" if row["on_time_rate"] is None else f"{row['on_time_rate']:.0%}"
        late = "-" if row["median_days_late"] is None else f"{row['median_days_late']:g}"
        answered = (
            "-" if row["checkin_response_rate"] is None else f"{row['checkin_response_rate']:.0%}"
        )
        typer.echo(
            f"  {row['level']:8} {row['key']:18} on time {rate:>5} of {row['due']:<4}"
            f" overdue {row['overdue']:<3} median days late {late:>4}"
            f"  check-ins answered {answered}"
        )


@app.command("invite")
def invite_command(
    person: Annotated[str, typer.Argument(help="A person's key from the alliance file.")],
) -> None:
    """Print a one-time Telegram link for PERSON (valid 14 days), and the bare code last."""
    from bot.app import telegram_username
    from bot.core.alliance import VALID_FOR, create_invite

    settings = load_settings()
    if settings.telegram_bot_token is None:
        fail("Set TELEGRAM_BOT_TOKEN first: the link needs the bot's username.")
    username = telegram_username(settings)
    engine = _engine(settings)
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        who = person_by_key(session, alliance.id or 0, person)
        if who is None:
            fail(f"Nobody with key {person!r} in the alliance file; use a key from its [[people]].")
        code = create_invite(session, who)
        typer.echo(f"Invite for {who.name}, valid for {VALID_FOR.days} days, once:", err=True)
    typer.echo(f"https://t.me/{username}?start={code}")
    typer.echo(code)


HostOption = Annotated[
    str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")
]


@app.command("web")
def web_command(host: HostOption = "0.0.0.0") -> None:
    """Serve the web app (health, pages, Slack and Telegram webhooks) on $PORT."""
    from bot.app import serve_web

    serve_web(load_settings(), host=host)


@app.command("worker")
def worker_command() -> None:
    """Send due deliveries from the outbox, paced, until stopped."""
    from bot.app import run_worker

    run_worker(load_settings(), once=False)


@app.command("dispatch")
def dispatch_command(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
) -> None:
    """Send every delivery that is due now, then exit (`--once`)."""
    from bot.app import run_worker

    if not once:
        fail("Use `alliancebot dispatch --once`, or `alliancebot worker` to keep sending.")
    stats = run_worker(load_settings(), once=True)
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(stats.items())) or "nothing was due")


@app.command("outbox")
def outbox_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Counts of deliveries by status, and accounts the platforms refused."""
    from bot.core.outbox import outbox_counts, unreachable_accounts

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        document: dict[str, Any] = {**outbox_counts(session)}
        document["unreachable"] = unreachable_accounts(session)
    if as_json:
        _print_json(document)
        return
    for status, count in document.items():
        if status != "unreachable":
            typer.echo(f"{status:<10} {count}")
    for account in document["unreachable"]:
        typer.echo(
            f"unreachable: {account['name']} on {account['platform']} since"
            f" {account['since'][:10]} ({account['reason']})"
        )


@app.command("clock")
def clock_command() -> None:
    """Run the cadences in schedules/ (exactly one clock per deployment)."""
    from bot.clock import run_clock

    run_clock(_engine(load_settings()))


@app.command("run")
def run_command(host: HostOption = "0.0.0.0") -> None:
    """web + clock + worker in one process (single-machine deployments)."""
    from bot.app import run_all

    run_all(load_settings(), host=host)


@pulse_app.command("open")
def pulse_open_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    audience: Annotated[
        str, typer.Option(help="Who is asked: roles, comma-separated (ambassador,partner,adviser).")
    ] = "ambassador",
    no_open_question: Annotated[
        bool, typer.Option("--no-open-question", help="Only the 1-5 questions this round.")
    ] = False,
) -> None:
    """Open a pulse round now (or invite who was missed in the open one)."""
    from bot.core.pulse import open_round

    roles = sorted({r.strip() for r in audience.split(",") if r.strip()})
    unknown = [r for r in roles if r not in ("ambassador", "partner", "adviser")]
    if not roles or unknown:
        fail(f"--audience takes ambassador, partner and adviser; not {', '.join(unknown)!s}.")
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        opened = open_round(
            session,
            get_alliance(session),
            open_question=not no_open_question,
            audience_roles=",".join(roles),
        )
        document = {
            "id": opened.round.id,
            "opened_at": opened.round.opened_at.isoformat(),
            "closes_at": opened.round.closes_at.isoformat() if opened.round.closes_at else None,
            "created": opened.created,
            "invited": opened.invited,
            "unreachable": opened.unreachable,
            "waiting": opened.waiting,
        }
    if as_json:
        _print_json(document)
        return
    verb = "Opened" if opened.created else "Already open:"
    typer.echo(
        f"{verb} pulse round {document['id']} until {str(document['closes_at'])[:10]};"
        f" invitations planned: {opened.invited},"
        f" waiting for quiet hours, a mute or the weekly cap: {opened.waiting},"
        f" without a reachable account: {opened.unreachable}."
        " `alliancebot dispatch --once` sends what is due."
    )


@pulse_app.command("close")
def pulse_close_command() -> None:
    """Close the open pulse round: respondents hear what we heard, flags are updated."""
    from bot.core.pulse import close_round

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        closed = close_round(session, get_alliance(session))
        if closed is None:
            fail("There is no open pulse round to close.")
        typer.echo(
            f"Closed pulse round {closed.id}. `alliancebot pulse report` shows the results;"
            " `alliancebot dispatch --once` sends what is due."
        )


@pulse_app.command("report")
def pulse_report_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (aggregates only).")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the trend chart (PNG) here.")
    ] = None,
) -> None:
    """Results of the closed rounds: only groups large enough to keep answers anonymous."""
    from bot.core.pulse import (
        closed_rounds,
        report_csv,
        report_json,
        round_results,
        structure_of,
    )
    from bot.render.chart import render_trend_chart

    if as_json and as_csv:
        fail("Choose one of --json and --csv.")
    engine = _engine(load_settings())
    with Session(engine) as session:
        alliance = get_alliance(session)
        rounds = round_results(session, alliance, closed_rounds(session, alliance))
        structure = structure_of(session, alliance)
        language, k = alliance.language, alliance.min_group_size
    if chart is not None:
        chart.write_bytes(
            render_trend_chart(rounds, structure, language=language, title=structure.name)
        )
    if as_json:
        _print_json(report_json(rounds))
        return
    if as_csv:
        sys.stdout.write(report_csv(rounds))
        return
    if not rounds:
        typer.echo("No pulse round has closed yet.")
        return
    typer.echo(f"Groups with fewer than {k} respondents are not shown.")
    for result in rounds:
        typer.echo(f"Round {result.id}, opened {result.opened_at.date().isoformat()}:")
        if not result.groups:
            typer.echo("  (too few respondents to show anything)")
        for group in result.groups:
            typer.echo(
                f"  {group.level:8} {group.name:24} n={group.respondents:<3}"
                f" energy {group.energy:.1f}  trust {group.trust:.1f}"
            )


def _partner(session: Session, key: str) -> Partner:
    alliance = get_alliance(session)
    partner = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, Partner.key == key)
    ).first()
    if partner is None:
        keys = ", ".join(sorted(p.key for p in session.exec(select(Partner))))
        fail(f"Unknown partner {key!r}. Partners: {keys}.")
    return partner


@agenda_app.command("import")
def agenda_import_command(
    partner_key: Annotated[str, typer.Argument(metavar="PARTNER", help="The partner's key.")],
    source: Annotated[str, typer.Argument(metavar="FILE_OR_URL", help=".ics file or URL.")],
) -> None:
    """Import a partner's calendar (.ics); moved and deleted events move their snippets."""
    from bot.core.agenda import CalendarError, fetch, import_agenda
    from bot.core.toolkit import plan_snippets

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        partner = _partner(session, partner_key)
        alliance = get_alliance(session)
        try:
            data = fetch(source, Path.cwd())
            report = import_agenda(
                session,
                partner,
                data,
                source="calendar",
                now=utcnow(),
                default_tz=alliance.timezone,
            )
        except CalendarError as error:
            fail(f"{source} was not imported; nothing was changed.\n  {error}")
        planned = plan_snippets(session, alliance)
    typer.echo(
        f"Imported the agenda of {partner.name}: {report.added} new, {report.moved} moved,"
        f" {report.updated} updated, {report.removed} removed, {report.cancelled} cancelled."
        f" Snippets: {planned.planned} planned, {planned.cancelled} withdrawn."
    )


@agenda_app.command("list")
def agenda_list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    days: Annotated[int, typer.Option(help="How far ahead.")] = 56,
) -> None:
    """Upcoming agenda moments of every partner."""
    from bot.core.agenda import upcoming

    engine = _engine(load_settings())
    with Session(engine) as session:
        alliance = get_alliance(session)
        partners = {
            p.id: p for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
        }
        items = upcoming(session, [p for p in partners if p is not None], utcnow(), days)
        rows: list[dict[str, Any]] = [
            {
                "partner": partners[item.partner_id].key,
                "title": item.title,
                "kind": item.kind,
                "starts_at": item.starts_at.isoformat(),
                "ends_at": item.ends_at.isoformat() if item.ends_at else None,
                "all_day": item.all_day,
                "uid": item.uid,
            }
            for item in items
        ]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo(f"No agenda moments in the coming {days} days.")
    for row in rows:
        typer.echo(f"{row['starts_at'][:16]}  {row['partner']:16} {row['kind']:10} {row['title']}")


@toolkit_app.command("plan")
def toolkit_plan_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Plan (idempotently) and show the snippet deliveries of the coming weeks."""
    from bot.core.toolkit import plan_snippets, planned_snippets

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        plan_snippets(session, alliance)
        planned = planned_snippets(session, alliance)
        rows: list[dict[str, Any]] = [
            {
                "partner": p.partner,
                "snippet": p.snippet,
                "agenda_item": p.agenda_item,
                "agenda_start": p.agenda_start.isoformat(),
                "send_at": p.send_at.isoformat(),
                "channel": p.channel,
                "text": p.text,
                "person": p.person,
                "status": p.status,
            }
            for p in planned
        ]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo(
            "No snippets planned: no agenda moments in the coming weeks, or no reachable"
            " adviser of those partners."
        )
    for row in rows:
        typer.echo(
            f"{row['send_at'][:16]}  {row['partner']:16} {row['snippet']:22}"
            f" for {row['agenda_item']} ({row['agenda_start'][:10]}) → {row['person']}"
            f" on {row['channel']} [{row['status']}]"
        )


@toolkit_app.command("link")
def toolkit_link_command(
    partner_key: Annotated[str, typer.Argument(metavar="PARTNER", help="The partner's key.")],
) -> None:
    """A new personal toolkit page link for a partner (the previous link stops working)."""
    from bot.core.toolkit import issue_token

    settings = load_settings()
    engine = _engine(settings)
    with session_scope(engine) as session:
        token = issue_token(session, _partner(session, partner_key))
    typer.echo(f"{settings.public_url.rstrip('/')}/toolkit/{token}")


@toolkit_app.command("revoke")
def toolkit_revoke_command(
    partner_key: Annotated[str, typer.Argument(metavar="PARTNER", help="The partner's key.")],
) -> None:
    """Stop a partner's toolkit page link from working."""
    from bot.core.toolkit import revoke_token

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        revoke_token(session, _partner(session, partner_key))
    typer.echo(f"The toolkit link of {partner_key} no longer works.")


@app.command("demo")
def demo_command(
    person: Annotated[str, typer.Option("--as", help="Whom to chat as.")] = "anna",
    web: Annotated[bool, typer.Option(help="Also serve the web app.")] = True,
) -> None:
    """A throwaway demo alliance with months of history: web app plus console chat."""
    from bot.demo.run import run_demo

    run_demo(load_settings(), person_key=person, with_web=web)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point: known problems become one-line messages, never tracebacks."""
    try:
        app()
    except (NoAllianceError, SchemaOutOfDateError) as error:
        print(str(error), file=sys.stderr)
        sys.exit(1)
    except OperationalError as error:
        print(
            f"Cannot use the database: {error.orig}. Check DATABASE_URL and that it is running.",
            file=sys.stderr,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
