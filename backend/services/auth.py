"""API tokens: stored hashed; an operator token sees everything, a partner token only named integrations.

A signed settings link (``services/settings_link.py``) authenticates too: as a principal of kind SETTINGS_LINK that
sees its one integration (like a partner token naming only it) and is never an operator. The GraphQL layer lets it
use only the fields that read that integration and change its settings and mappings (``graphql_onboarding``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import select

from backend.db.models import ApiToken, Integration, SettingsLinkState, TokenRole
from backend.infra.crypto import hash_token, new_token
from backend.services import settings_link
from backend.services.context import AppContext
from backend.services.errors import Forbidden, InvalidInput, NotFound, Unauthenticated

KIND_TOKEN = "TOKEN"
KIND_SETTINGS_LINK = "SETTINGS_LINK"


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    role: TokenRole
    integration_ids: frozenset[str]
    kind: str = KIND_TOKEN  # TOKEN (an API token) | SETTINGS_LINK (a signed settings link)

    @property
    def is_operator(self) -> bool:
        return self.role is TokenRole.OPERATOR and self.kind == KIND_TOKEN

    @property
    def is_settings_link(self) -> bool:
        return self.kind == KIND_SETTINGS_LINK

    def require_token(self) -> None:
        """Only an API token, not a settings link (which reads and changes settings, nothing else)."""
        if self.is_settings_link:
            raise Forbidden("a settings link can only read this integration and change its settings and mappings")

    def can_access(self, integration_id: str) -> bool:
        return self.is_operator or integration_id in self.integration_ids

    def require(self, integration_id: str) -> None:
        if not self.can_access(integration_id):
            # Same answer as a missing integration: a partner learns nothing about other tenants.
            raise NotFound(f"integration {integration_id} not found")

    def require_operator(self) -> None:
        if not self.is_operator:
            raise Forbidden("this needs an operator token")


async def authenticate(ctx: AppContext, authorization: str | None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    token = authorization[7:].strip()
    if settings_link.looks_like_link(token):
        return await _authenticate_link(ctx, token)
    async with ctx.db.session() as s:
        row = (await s.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("unknown or revoked token")
    return Principal(row.id, row.name, TokenRole(row.role), frozenset(row.integration_ids))


async def _authenticate_link(ctx: AppContext, token: str) -> Principal:
    claims = settings_link.verify(ctx.settings.secret_key, token, now=datetime.now(UTC))
    async with ctx.db.session() as s:
        integration = await s.get(Integration, claims.integration_id)
        state = await s.get(SettingsLinkState, claims.integration_id)
    if integration is None or state is None:
        raise Unauthenticated("this settings link is no longer valid; ask for a new one")
    if state.version != claims.version:
        raise Unauthenticated("this settings link was revoked; ask for a new one")
    return Principal(f"link:{claims.nonce}", "settings link", TokenRole.PARTNER, frozenset({claims.integration_id}),
                     kind=KIND_SETTINGS_LINK)


async def ensure_bootstrap_token(ctx: AppContext, token: str) -> None:
    """Make sure an operator token with this value exists (BOKBRO_BOOTSTRAP_TOKEN)."""
    if not token:
        return
    digest = hash_token(token)
    async with ctx.db.session() as s:
        existing = (await s.exec(select(ApiToken).where(ApiToken.token_hash == digest))).first()
        if existing is None:
            s.add(ApiToken(name="bootstrap", token_hash=digest, role=TokenRole.OPERATOR.value))
            await s.commit()


async def create_token(
    ctx: AppContext, principal: Principal, name: str, role: TokenRole, integration_ids: list[str]
) -> tuple[ApiToken, str]:
    principal.require_operator()
    if not name.strip():
        raise InvalidInput("a token needs a name", field="name")
    if role is TokenRole.PARTNER and not integration_ids:
        raise InvalidInput("a partner token must name at least one integration", field="integrationIds")
    token = new_token()
    row = ApiToken(name=name.strip(), token_hash=hash_token(token), role=role.value,
                   integration_ids=sorted(set(integration_ids)))
    async with ctx.db.session() as s:
        s.add(row)
        await s.commit()
    return row, token
