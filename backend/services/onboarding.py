"""Finishing onboarding: the integration becomes ACTIVE and its contact gets an e-mail with a signed, expiring link
that opens that company's settings and nothing else. Plus the outbox of e-mails, and resending.

Order of things: activation, the link's version and the outbox row are one transaction; the e-mail is sent only
after it committed. A failing SMTP server never undoes the activation: the row says FAILED and why, and
``resend_email`` tries again. Without SMTP (the embedded default) the row is the delivery (CAPTURED).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import (
    Connection,
    EmailOutbox,
    EmailStatus,
    EntitySync,
    Integration,
    IntegrationSettings,
    IntegrationStatus,
    Mapping,
    SettingsLinkState,
    System,
    TransferMode,
    utcnow,
)
from backend.infra import mail
from backend.services import settings_link
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

PURPOSE_SETTINGS_LINK = "settings_link"
# a SENDING row whose sender died (process killed mid-send) may be resent after this long
STALE_SENDING = timedelta(minutes=10)

_SYSTEM_NAMES = {System.RACKBEAT.value: "Rackbeat", System.MYSTORE.value: "Mystore",
                 System.TRIPLETEX.value: "Tripletex", System.EACCOUNTING.value: "Visma eAccounting"}


@dataclass(frozen=True)
class SettingsLink:
    url: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class FinishResult:
    integration: Integration
    already_finished: bool
    email: EmailOutbox | None
    link_expires_at: datetime | None


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0))


def _by(principal: Principal) -> str:
    return f"{principal.name} ({principal.token_id})"[:250]


def _sender(ctx: AppContext) -> mail.MailSender:
    return mail.create_sender(ctx.settings.smtp_url.get_secret_value(), ctx.settings.smtp_timeout_seconds)


def _captures(ctx: AppContext) -> bool:
    return not ctx.settings.smtp_url.get_secret_value().strip()


async def _authorised(ctx: AppContext, principal: Principal, integration_id: str) -> Integration:
    principal.require_token()
    principal.require(integration_id)
    async with ctx.db.session() as s:
        row = await s.get(Integration, integration_id)
    if row is None:
        raise NotFound(f"integration {integration_id} not found")
    return row


# -- the link ---------------------------------------------------------------------------------------------------


async def _link_state(s: AsyncSession, integration_id: str) -> SettingsLinkState:
    state = await s.get(SettingsLinkState, integration_id)
    if state is None:
        state = SettingsLinkState(integration_id=integration_id)
        s.add(state)
        await s.flush()
    return state


def _mint(ctx: AppContext, integration_id: str, version: int, expires_at: datetime | None) -> SettingsLink:
    if expires_at is None:
        expires_at = datetime.now(UTC) + timedelta(days=ctx.settings.settings_link_days)
    token, _ = settings_link.mint(ctx.settings.secret_key, integration_id, version, expires_at)
    return SettingsLink(settings_link.link_url(ctx.settings.public_url, token), token, expires_at)


async def make_settings_link(ctx: AppContext, principal: Principal, integration_id: str, *,
                             expires_at: datetime | None = None) -> SettingsLink:
    """A link for the integration, valid until ``expires_at`` (default: BOKBRO_SETTINGS_LINK_DAYS from now).
    Sends nothing; the mutations below send it."""
    await _authorised(ctx, principal, integration_id)
    async with ctx.db.session() as s:
        state = await _link_state(s, integration_id)
        version = state.version
        await s.commit()
    return _mint(ctx, integration_id, version, expires_at)


async def revoke_settings_links(ctx: AppContext, principal: Principal, integration_id: str) -> int:
    """Every settings link made so far stops working. Returns the new link version."""
    await _authorised(ctx, principal, integration_id)
    async with ctx.db.session() as s:
        state = await _link_state(s, integration_id)
        await s.execute(update(SettingsLinkState).where(col(SettingsLinkState.integration_id) == integration_id)
                        .values(version=SettingsLinkState.version + 1))
        await s.commit()
        await s.refresh(state)
    log.info("settings links of integration %s revoked by %s", integration_id, _by(principal))
    return state.version


# -- the e-mail -------------------------------------------------------------------------------------------------


def _sync_words(row: IntegrationSettings, norwegian: bool) -> str:
    names = (("sync_customers", "kunder", "customers"), ("sync_suppliers", "leverandører", "suppliers"),
             ("sync_products", "produkter", "products"), ("sync_boms", "stykklister", "BOMs"))
    on = [(no if norwegian else en) for attr, no, en in names
          if getattr(row, attr) == EntitySync.RACKBEAT_TO_TARGET.value]
    if not on:
        return "ingen" if norwegian else "none"
    return ", ".join(on)


def _setup_lines(integration: Integration, connections: Sequence[Connection], row: IntegrationSettings | None,
                 mappings: int) -> tuple[list[str], list[str]]:
    """What was set up, in Norwegian and in English."""
    src, tgt = _SYSTEM_NAMES.get(integration.source, integration.source), _SYSTEM_NAMES.get(integration.target,
                                                                                              integration.target)
    conns = ", ".join(f"{_SYSTEM_NAMES.get(c.system, c.system)} ({c.status})" for c in connections)
    no = [f"Integrasjon: {src} → {tgt}", f"Tilkoblinger: {conns or 'ingen ennå'}"]
    en = [f"Integration: {src} → {tgt}", f"Connections: {conns or 'none yet'}"]
    if row is not None:
        if integration.target == System.EACCOUNTING.value:
            no.append(f"Fakturaer blir i eAccounting: {row.eaccounting_invoice_status}")
            en.append(f"Invoices become in eAccounting: {row.eaccounting_invoice_status}")
        else:
            as_order = row.invoice_transfer_mode == TransferMode.ORDER.value
            no.append("Fakturaer overføres som " + ("redigerbar ordre" if as_order else "bokført faktura"))
            en.append("Invoices are transferred as " + ("editable orders" if as_order else "booked invoices"))
        no.append(f"Synkroniseres løpende: {_sync_words(row, True)}")
        en.append(f"Kept in step as they change: {_sync_words(row, False)}")
        no.append("Innkjøpsordrer overføres: " + ("ja" if row.transfer_purchase_orders else "nei"))
        en.append("Purchase orders transferred: " + ("yes" if row.transfer_purchase_orders else "no"))
    if mappings:
        no.append(f"Koblinger (f.eks. betalingsmåter): {mappings}")
        en.append(f"Mappings (e.g. payment methods): {mappings}")
    return no, en


async def _compose(s: AsyncSession, ctx: AppContext, integration: Integration, link: SettingsLink,
                   *, again: bool) -> tuple[str, str, str]:
    connections = (await s.exec(select(Connection).where(Connection.integration_id == integration.id)
                                .order_by(col(Connection.system)))).all()
    row = await s.get(IntegrationSettings, integration.id)
    mappings = (await s.exec(select(func.count()).select_from(Mapping)
                             .where(Mapping.integration_id == integration.id))).one()
    no_lines, en_lines = _setup_lines(integration, connections, row, int(mappings))
    company, contact = integration.company_name, integration.contact_person
    until = f"{link.expires_at:%Y-%m-%d}"
    subject = (f"bokbro: ny lenke til innstillingene for {company} / new settings link"
               if again else f"bokbro: {company} er klar / is ready")
    intro_no = ("Her er en ny lenke til innstillingene for integrasjonen." if again else
                f"Integrasjonen for {company} er ferdig satt opp og er nå aktiv.")
    intro_en = ("Here is a new link to the integration's settings." if again else
                f"The integration for {company} is set up and now active.")
    text = "\n".join([
        f"Hei {contact},", "", intro_no, "", "Dette er satt opp:", *[f"- {x}" for x in no_lines], "",
        f"Innstillingene kan endres når som helst. Denne lenken åpner innstillingene for {company} og ingenting "
        f"annet; den er gyldig til {until}. Ikke del den med andre.", link.url, "",
        "-- English --", "",
        f"Hello {contact},", "", intro_en, "", "What was set up:", *[f"- {x}" for x in en_lines], "",
        f"The settings can be changed at any time. This link opens the settings of {company} and nothing else; "
        f"it is valid until {until}. Do not share it.", link.url, "",
        "bokbro",
    ])
    e = html.escape
    url = e(link.url, quote=True)

    def block(hello: str, intro: str, heading: str, lines: list[str], tail: str, button: str) -> str:
        items = "".join(f"<li>{e(x)}</li>" for x in lines)
        return (f"<p>{e(hello)}</p><p>{e(intro)}</p><p>{e(heading)}</p><ul>{items}</ul><p>{e(tail)}</p>"
                f'<p><a href="{url}">{e(button)}</a></p>')

    body_html = (
        '<!doctype html><html><body style="font-family: system-ui, sans-serif; line-height: 1.5">'
        + block(f"Hei {contact},", intro_no, "Dette er satt opp:", no_lines,
                f"Innstillingene kan endres når som helst. Lenken åpner innstillingene for {company} og ingenting "
                f"annet; den er gyldig til {until}. Ikke del den med andre.", "Åpne innstillingene")
        + '<hr lang="en">'
        + block(f"Hello {contact},", intro_en, "What was set up:", en_lines,
                f"The settings can be changed at any time. The link opens the settings of {company} and nothing "
                f"else; it is valid until {until}. Do not share it.", "Open the settings")
        + "</body></html>")
    return subject, text, body_html


async def _queue_link_mail(s: AsyncSession, ctx: AppContext, principal: Principal, integration: Integration,
                           version: int, *, again: bool) -> tuple[EmailOutbox, SettingsLink]:
    link = _mint(ctx, integration.id, version, None)
    subject, text, body_html = await _compose(s, ctx, integration, link, again=again)
    captured = _captures(ctx)
    row = EmailOutbox(integration_id=integration.id, purpose=PURPOSE_SETTINGS_LINK, to_address=integration.email,
                      subject=subject[:300], body_text=text, body_html=body_html,
                      status=(EmailStatus.CAPTURED if captured else EmailStatus.PENDING).value,
                      created_by=_by(principal))
    s.add(row)
    return row, link


async def deliver(ctx: AppContext, email_id: str) -> EmailOutbox:
    """Send one outbox row (PENDING, FAILED, or SENDING for too long) over SMTP; record SENT or FAILED. Claimed
    with a conditional UPDATE, so two callers never send the same row twice at once."""
    try:
        sender = _sender(ctx)
    except ValueError as exc:  # a malformed BOKBRO_SMTP_URL: the message names no part of it
        sender, config_error = None, str(exc)
    stale = datetime.now(UTC) - STALE_SENDING
    async with ctx.db.session() as s:
        claim = await s.execute(
            update(EmailOutbox)
            .where(col(EmailOutbox.id) == email_id,
                   or_(col(EmailOutbox.status).in_([EmailStatus.PENDING.value, EmailStatus.FAILED.value]),
                       and_(col(EmailOutbox.status) == EmailStatus.SENDING.value,
                            col(EmailOutbox.updated_at) < stale)))
            .values(status=EmailStatus.SENDING.value, attempts=EmailOutbox.attempts + 1,
                    updated_at=utcnow()))
        await s.commit()
        row = await s.get(EmailOutbox, email_id)
    if row is None:
        raise NotFound(f"e-mail {email_id} not found")
    if _rowcount(claim) != 1:
        return row  # someone else is sending it, or it is done
    status, error, sent_at = EmailStatus.SENT, None, None
    if sender is None:
        status, error = EmailStatus.FAILED, config_error
    elif sender.captures:
        status = EmailStatus.CAPTURED
    else:
        try:
            await sender.send(mail.OutgoingMail(sender=ctx.settings.mail_from, to=row.to_address,
                                                subject=row.subject, text=row.body_text, html=row.body_html))
            sent_at = utcnow()
        except mail.MailError as exc:
            status, error = EmailStatus.FAILED, str(exc)
        except Exception as exc:  # never lose the row in SENDING over an unexpected error
            status, error = EmailStatus.FAILED, f"unexpected error while sending: {type(exc).__name__}"
            log.error("e-mail %s: unexpected %s while sending", email_id, type(exc).__name__)
    async with ctx.db.session() as s:
        await s.execute(update(EmailOutbox).where(col(EmailOutbox.id) == email_id)
                        .values(status=status.value, error=error, sent_at=sent_at, updated_at=utcnow()))
        await s.commit()
        row = await s.get(EmailOutbox, email_id)
    assert row is not None
    if status is EmailStatus.FAILED:
        log.warning("e-mail %s to %s failed (attempt %d): %s", email_id, row.to_address, row.attempts, error)
    else:
        log.info("e-mail %s to %s: %s", email_id, row.to_address, status.value)
    return row


async def _after_commit(ctx: AppContext, row: EmailOutbox) -> EmailOutbox:
    if row.status == EmailStatus.PENDING.value:
        return await deliver(ctx, row.id)
    return row


# -- use cases --------------------------------------------------------------------------------------------------


async def finish_onboarding(ctx: AppContext, principal: Principal, integration_id: str) -> FinishResult:
    """ONBOARDING → ACTIVE, and the e-mail with the settings link to the integration's contact. Finishing again
    changes nothing and sends nothing (``resend_settings_link`` sends a fresh link)."""
    integration = await _authorised(ctx, principal, integration_id)
    if integration.status != IntegrationStatus.ONBOARDING.value:
        if integration.status == IntegrationStatus.ACTIVE.value:
            return FinishResult(integration, True, None, None)
        raise Conflict(f"the integration is {integration.status}, not being onboarded", field="integrationId")
    async with ctx.db.session() as s:
        won = await s.execute(
            update(Integration)
            .where(col(Integration.id) == integration_id, col(Integration.status) == IntegrationStatus.ONBOARDING.value)
            .values(status=IntegrationStatus.ACTIVE.value, updated_at=utcnow()))
        if _rowcount(won) != 1:  # finished at the same moment by another request: that one sends the e-mail
            await s.rollback()
            fresh = await s.get(Integration, integration_id)
            return FinishResult(fresh or integration, True, None, None)
        state = await _link_state(s, integration_id)
        state.finished_at, state.finished_by = utcnow(), _by(principal)
        s.add(state)
        integration = await s.get(Integration, integration_id, populate_existing=True) or integration
        row, link = await _queue_link_mail(s, ctx, principal, integration, state.version, again=False)
        await s.commit()
        await s.refresh(integration)
    log.info("onboarding of integration %s finished by %s; settings link e-mailed to the contact",
             integration_id, _by(principal))
    return FinishResult(integration, False, await _after_commit(ctx, row), link.expires_at)


async def resend_settings_link(ctx: AppContext, principal: Principal, integration_id: str, *,
                               revoke_previous: bool = False) -> EmailOutbox:
    """A fresh link, e-mailed to the contact again (optionally revoking every earlier link)."""
    integration = await _authorised(ctx, principal, integration_id)
    if integration.status == IntegrationStatus.ONBOARDING.value:
        raise Conflict("onboarding is not finished yet: finishOnboarding sends the first link",
                       field="integrationId")
    async with ctx.db.session() as s:
        state = await _link_state(s, integration_id)
        if revoke_previous:
            state.version += 1
            s.add(state)
        row, _ = await _queue_link_mail(s, ctx, principal, integration, state.version, again=True)
        await s.commit()
    return await _after_commit(ctx, row)


async def list_sent_emails(ctx: AppContext, principal: Principal, integration_id: str,
                           first: int = 50) -> list[EmailOutbox]:
    """Newest first: what was sent or captured for the integration (operators, or the integration's partner)."""
    await _authorised(ctx, principal, integration_id)
    if not 1 <= first <= 500:
        raise InvalidInput("first is 1-500", field="first")
    async with ctx.db.session() as s:
        return list((await s.exec(select(EmailOutbox).where(EmailOutbox.integration_id == integration_id)
                                  .order_by(col(EmailOutbox.created_at).desc(), col(EmailOutbox.id))
                                  .limit(first))).all())


async def resend_email(ctx: AppContext, principal: Principal, email_id: str) -> EmailOutbox:
    """Try a FAILED (or never-sent) e-mail again, as it was."""
    principal.require_token()
    async with ctx.db.session() as s:
        row = await s.get(EmailOutbox, email_id)
    visible = row is not None and (principal.is_operator or (row.integration_id is not None
                                                             and principal.can_access(row.integration_id)))
    if row is None or not visible:
        raise NotFound(f"e-mail {email_id} not found")
    if row.status == EmailStatus.SENT.value:
        raise Conflict("this e-mail was sent already; resendSettingsLink sends a fresh link", field="id")
    if row.status == EmailStatus.CAPTURED.value:
        raise Conflict("this e-mail was captured (no SMTP server is configured); read it with sentEmails",
                       field="id")
    sent = await deliver(ctx, email_id)
    if sent.status == EmailStatus.SENDING.value:
        raise Conflict("this e-mail is being sent right now", field="id")
    return sent
