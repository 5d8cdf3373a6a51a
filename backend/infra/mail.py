"""Outgoing e-mail: a small async seam over SMTP (stdlib ``smtplib`` in a thread) or, when no SMTP server is
configured (the embedded default), nothing at all: the caller keeps every message in the outbox table either way,
and there it is all the operator needs.

``BOKBRO_SMTP_URL``: ``smtp://user:pass@host:587?starttls=1`` (STARTTLS), ``smtps://user:pass@host:465`` (TLS from
the start) or ``smtp://host:25`` (no login). User and password are percent-decoded. The password is never part of
a repr, a log line or an error message (the server's answer is scrubbed of it too).
"""

from __future__ import annotations

import asyncio
import base64
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}


class MailError(Exception):
    """Sending failed; the message is safe to show and to store (no credentials)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 20.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 20.0) -> SmtpConfig:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:  # the message could quote the URL, password and all
            raise ValueError("BOKBRO_SMTP_URL is not a valid URL (smtp://user:pass@host:port)") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("BOKBRO_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://…")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=port or (465 if implicit else 587 if query.get("starttls", "").lower() in _TRUE else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=not implicit and query.get("starttls", "").lower() in _TRUE,
            implicit_tls=implicit,
            timeout=timeout,
        )

    def describe(self) -> str:
        """For logs and messages: where, never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"smtp{'s' if self.implicit_tls else ''}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class OutgoingMail:
    sender: str
    to: str
    subject: str
    text: str
    html: str | None = None

    def as_message(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Message-ID"] = make_msgid(domain="bokbro")
        msg.set_content(self.text)
        if self.html:
            msg.add_alternative(self.html, subtype="html")
        return msg


class MailSender(Protocol):
    @property
    def captures(self) -> bool:
        """True: nothing leaves the process; the outbox row is the delivery."""
        ...

    async def send(self, mail: OutgoingMail) -> None: ...


class CaptureSender:
    """No SMTP configured: the outbox table is where messages go (status CAPTURED)."""

    captures = True

    async def send(self, mail: OutgoingMail) -> None:
        return None


class SmtpSender:
    captures = False

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"SmtpSender({self.config.describe()})"

    async def send(self, mail: OutgoingMail) -> None:
        await asyncio.to_thread(self._send_sync, mail.as_message())

    def _send_sync(self, message: EmailMessage) -> None:
        c = self.config
        try:
            smtp: smtplib.SMTP
            if c.implicit_tls:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            with smtp:
                smtp.ehlo()
                if c.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if c.username:
                    smtp.login(c.username, c.password or "")
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(self._scrub(f"{c.describe()} refused the login ({exc.smtp_code})")) from None
        except smtplib.SMTPRecipientsRefused as exc:
            detail = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
            raise MailError(self._scrub(f"{c.describe()} refused the recipient ({detail})")) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(self._scrub(f"{c.describe()} answered {exc.smtp_code} {_text(exc.smtp_error)}")) from None
        except (OSError, smtplib.SMTPException) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            if isinstance(exc, TimeoutError):
                reason = f"no answer within {c.timeout:g}s"
            raise MailError(self._scrub(f"{c.describe()} could not be reached: {reason}")) from None

    def _scrub(self, text: str) -> str:
        password = self.config.password
        if not password:
            return text
        for secret in {password, base64.b64encode(password.encode()).decode(),
                       base64.b64encode(f"\0{self.config.username or ''}\0{password}".encode()).decode()}:
            text = text.replace(secret, "***")
        return text


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def create_sender(smtp_url: str, timeout: float = 20.0) -> MailSender:
    if not smtp_url.strip():
        return CaptureSender()
    return SmtpSender(SmtpConfig.from_url(smtp_url.strip(), timeout))
