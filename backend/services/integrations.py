"""Integrations: a company's pairing of one source system with one target system."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlmodel import col, select

from backend.db.models import SOURCES, TARGETS, Integration, IntegrationSettings, System
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def start_onboarding(
    ctx: AppContext, principal: Principal, *, company_name: str, contact_person: str, email: str,
    source: System, target: System,
) -> Integration:
    principal.require_operator()
    if not company_name.strip():
        raise InvalidInput("company name is required", field="companyName")
    if not contact_person.strip():
        raise InvalidInput("contact person is required", field="contactPerson")
    if not _EMAIL.match(email.strip()):
        raise InvalidInput(f"'{email}' is not an e-mail address", field="email")
    if source not in SOURCES:
        raise InvalidInput(f"{source.value} cannot be a source; choose RACKBEAT or MYSTORE", field="source")
    if target not in TARGETS:
        raise InvalidInput(f"{target.value} cannot be a target; choose TRIPLETEX or EACCOUNTING", field="target")
    integration = Integration(company_name=company_name.strip(), contact_person=contact_person.strip(),
                              email=email.strip(), source=source.value, target=target.value)
    async with ctx.db.session() as s:
        s.add(integration)
        await s.flush()
        s.add(IntegrationSettings(integration_id=integration.id))
        await s.commit()
    return integration


async def list_integrations(ctx: AppContext, principal: Principal) -> Sequence[Integration]:
    stmt = select(Integration).order_by(col(Integration.created_at), col(Integration.id))
    if not principal.is_operator:
        stmt = stmt.where(col(Integration.id).in_(principal.integration_ids or {""}))
    async with ctx.db.session() as s:
        return (await s.exec(stmt)).all()


async def get_integration(ctx: AppContext, principal: Principal, integration_id: str) -> Integration:
    principal.require(integration_id)
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    return integration
