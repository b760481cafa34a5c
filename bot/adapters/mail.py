"""The e-mail sender: a drafted delivery as `multipart/alternative` over SMTP (aiosmtplib).

What the SMTP server answers becomes what the worker understands, as for the chat senders:
a 5xx for the recipient (550 "no such user") is `PermanentSendError(recipient_gone=True)`,
so the address is marked unreachable after one try, as a blocked Telegram chat is; a 4xx
(greylisting, a full mailbox, "try again later") and a server that is down are transient,
retried with backoff. Each e-mail has one recipient, so one bad address holds up no other.

Connections are kept and reused (an SMTP handshake, and STARTTLS, cost more than a message);
one that failed in any way is closed and never reused. The password comes from `SMTP_URL`
and never shows in a repr or a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from bot.adapters.senders import Pace, PermanentSendError, TransientSendError
from bot.core.kernel import Platform, Reply
from bot.core.mail import MailDraft
from bot.render.email import render_email
from bot.render.plain import render_plain

SMTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    """`SMTP_URL` taken apart: `smtp://user:pass@host:587` (STARTTLS when the server offers
    it) or `smtps://user:pass@host:465` (TLS from the start)."""

    host: str
    port: int
    use_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr or a log
    sender: str = ""
    reply_to: str | None = None

    @classmethod
    def from_url(cls, url: str, sender: str | None, reply_to: str | None) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://…:465")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 587),
            use_tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender or f"alliancebot@{parts.hostname}",
            reply_to=reply_to,
        )


def mail_message(draft: MailDraft, sender: str, to: str, reply_to: str | None) -> EmailMessage:
    """The MIME message: text and HTML as alternatives, then the moment's `.ics`, and the
    RFC 2369 / RFC 8058 headers that let a mail program unsubscribe in one click."""
    text, html = render_email(draft)
    message = EmailMessage()
    message["Subject"] = draft.subject
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    domain = sender.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("alliancebot", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if draft.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{draft.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if draft.calendar is not None:
        message.make_mixed()
        message.add_attachment(
            draft.calendar, maintype="text", subtype="calendar", filename=draft.calendar_name
        )
    message["Content-Language"] = draft.language  # after `make_mixed`, which moves Content-*
    return message


class MailSender:
    """Sends drafted e-mails; keeps up to `connections` SMTP connections for reuse."""

    platform: str = Platform.EMAIL

    def __init__(self, config: SmtpConfig, connections: int = 8) -> None:
        self.config = config
        self._idle: list[aiosmtplib.SMTP] = []
        self._max_idle = connections

    async def send(
        self, target: str, reply: Reply, pace: Pace, text_sent: str | None = None
    ) -> str:
        """A reply without links or footer (the `Sender` form; the worker sends drafts)."""
        first = render_plain(reply).strip().split("\n", 1)[0][:120]
        draft = MailDraft(first, "nl", reply, (), "", Reply(()), "")
        return await self.send_draft(target, draft, pace)

    async def send_draft(self, target: str, draft: MailDraft, pace: Pace) -> str:
        message = mail_message(draft, self.config.sender, target, self.config.reply_to)
        await pace(target)
        client = await self._connection()
        try:
            await client.send_message(message, sender=self.config.sender, recipients=[target])
        except BaseException as error:
            await self._discard(client)
            raise _outcome(error) from error
        self._release(client)
        return str(message["Message-ID"])

    async def _connection(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        client = aiosmtplib.SMTP(
            hostname=self.config.host,
            port=self.config.port,
            use_tls=self.config.use_tls,
            start_tls=None if not self.config.use_tls else False,
            username=self.config.username,
            password=self.config.password,
            timeout=SMTP_TIMEOUT,
        )
        try:
            await client.connect()
        except BaseException as error:
            raise _outcome(error) from error
        return client

    def _release(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self._max_idle and client.is_connected:
            self._idle.append(client)
        else:
            client.close()

    @staticmethod
    async def _discard(client: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            client.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), timeout=2)
            client.close()


def _outcome(error: BaseException) -> Exception:
    """The worker's view of an SMTP failure: a 5xx for the recipient is final and the
    address is gone; a 4xx, a dropped or refused connection, a timeout are transient; a
    refused sender or login needs an operator, so it waits (retried, then failed)."""
    if isinstance(error, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
        raise error
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        reason = f"smtp {error.code}: {error.message}"[:300]
        if 500 <= error.code < 600:
            return PermanentSendError(reason, recipient_gone=True)
        return TransientSendError(reason)
    if isinstance(error, aiosmtplib.SMTPDataError) and 500 <= error.code < 600:
        return PermanentSendError(f"smtp {error.code}: {error.message}"[:300], recipient_gone=False)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return TransientSendError(f"smtp {error.code}: {error.message}"[:300])
    return TransientSendError(f"smtp: {type(error).__name__}")
