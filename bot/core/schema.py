"""Every table of every feature, in one place for Alembic and the schema tests.

Importing this module registers all tables on `SQLModel.metadata`; each table itself lives
with the feature that owns it (`bot.core.<feature>.models`)."""

from __future__ import annotations

from bot.core.agenda import AgendaItem
from bot.core.alliance import Invite
from bot.core.attention import Flag, FlagCheck, Signal
from bot.core.consent import Decision, DecisionAnswer
from bot.core.followup import Agreement, AgreementChange, CheckIn
from bot.core.harvest import Harvest
from bot.core.house import Endorsement, HouseVersion, PartnerNote, Pillar, ProofPoint, Proposal
from bot.core.inbox import Inbound
from bot.core.kernel import Alliance, AuditEvent, Identity, JobRun, Partner, Person, Region
from bot.core.mail import ActionLink
from bot.core.needs import IndividualInterest, IntakeDraft, PartnerProfile
from bot.core.outbox import Delivery, SendBudget, WorkerHeartbeat
from bot.core.pulse import PulseAnswer, PulseQuestion, PulseRound
from bot.core.reflection import LearningItem, PhaseChange
from bot.core.toolkit import ToolkitFeedback, ToolkitSnippet
from bot.core.voice import Spokesperson

TABLES = (
    ActionLink,
    AgendaItem,
    Agreement,
    AgreementChange,
    Alliance,
    AuditEvent,
    CheckIn,
    Decision,
    DecisionAnswer,
    Delivery,
    Endorsement,
    Flag,
    FlagCheck,
    Harvest,
    HouseVersion,
    Identity,
    Inbound,
    IndividualInterest,
    IntakeDraft,
    Invite,
    JobRun,
    LearningItem,
    Partner,
    PartnerNote,
    PartnerProfile,
    Person,
    PhaseChange,
    Pillar,
    ProofPoint,
    Proposal,
    PulseAnswer,
    PulseQuestion,
    PulseRound,
    Region,
    SendBudget,
    Signal,
    Spokesperson,
    ToolkitFeedback,
    ToolkitSnippet,
    WorkerHeartbeat,
)
