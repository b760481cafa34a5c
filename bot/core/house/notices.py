"""Who hears what about the message house, through the outbox (so: once, in waking hours),
planned the way every proposal is (`bot.core.consent` outreach):

- a new proposal: the advisers of every partner, once, and one friendly reminder a few days
  later to those whose partner has not answered yet (cancelled as soon as it answers);
- an objection: all advisers, with the reason, because an objection is everyone's business;
- an adopted version: everyone, with what changed.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.core.consent import ask_advisers, stop_asking, tell_advisers, tell_everyone
from bot.core.house.diff import Change
from bot.core.house.models import HouseVersion
from bot.core.house.proposals import ProposalStatus
from bot.core.kernel import Alliance, Button, Partner, Person, Texts, Verb
from bot.core.outbox import DeliveryKind, Subject

ENDORSE = Verb("he")
OBJECT = Verb("ho")


def answer_buttons(texts: Texts, proposal_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Endorse"), ENDORSE.action(proposal_id), "primary"),
        Button(texts.gettext("Object"), OBJECT.action(proposal_id), "danger"),
    )


def notify_proposal(
    session: Session, alliance: Alliance, status: ProposalStatus, changes: list[Change]
) -> int:
    """Ask every partner's advisers once, and plan one reminder; returns advisers asked."""
    proposal = status.proposal
    proposer = session.get(Person, proposal.proposed_by_id) if proposal.proposed_by_id else None
    return ask_advisers(
        session,
        alliance,
        kind=DeliveryKind.HOUSE,
        subject=Subject(proposal_id=proposal.id),
        key=lambda step, person: f"house:{proposal.id}:{step}:{person.id}",
        render=lambda texts, reminder: texts.render(
            "house_proposal_notice",
            proposal=proposal,
            proposer=proposer.name if proposer else "",
            changes=changes,
            reminder=reminder,
        ),
        buttons=lambda texts: answer_buttons(texts, proposal.id or 0),
        proposer_id=proposer.id if proposer else None,
    )


def partner_answered(
    session: Session, alliance: Alliance, status: ProposalStatus, partner: Partner, by: Person
) -> None:
    """No more asking this partner; tell everyone when it objects."""
    proposal = status.proposal
    stop_asking(session, alliance, DeliveryKind.HOUSE, Subject(proposal_id=proposal.id), partner)
    reason = next((why for p, why in status.objected if p.id == partner.id), None)
    if reason is None:
        return
    tell_advisers(
        session,
        alliance,
        kind=DeliveryKind.HOUSE,
        subject=Subject(proposal_id=proposal.id, partner_id=partner.id),
        key=lambda person: f"house:{proposal.id}:objection:{partner.id}:{person.id}",
        render=lambda texts: texts.render(
            "house_objection_notice", partner=partner, by=by, reason=reason
        ),
        but=by,
    )


def notify_adopted(
    session: Session, alliance: Alliance, version: HouseVersion, changes: list[Change]
) -> int:
    """Tell everyone the shared story changed, and how; returns messages planned."""
    return tell_everyone(
        session,
        alliance,
        kind=DeliveryKind.HOUSE,
        subject=Subject(house_version_id=version.id),
        key=lambda who: f"house:v{version.version}:{who}",
        render=lambda texts: texts.render("house_adopted_notice", version=version, changes=changes),
    )
