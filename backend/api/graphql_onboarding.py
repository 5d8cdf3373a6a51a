"""GraphQL for finishing onboarding: the e-mail with the signed settings link, the outbox, the settings audit.

A settings link (``Authorization: Bearer bbl1.…``) is a principal scoped to one integration. ``SettingsLinkScope``
(a schema extension) lets it use only the root fields in ``SETTINGS_LINK_FIELDS``: reading its integration, its
settings, mappings, transfer log and audit, and changing its settings and mappings. Anything else, including every
root field added later, answers FORBIDDEN before any resolver runs (deny by default). Which integration it may see
is then the services' usual ``principal.require`` / ``can_access``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from backend.api.graphql_common import IntegrationStatus, ctx_of, principal_of, utc
from backend.db import models
from backend.services import audit as audit_service
from backend.services import onboarding as onboarding_service
from backend.services import settings_link
from backend.services.errors import Forbidden, ServiceError

EmailStatus = strawberry.enum(
    models.EmailStatus,
    description="CAPTURED: kept in the outbox only (no SMTP configured); SENT; FAILED (see error; resendEmail); "
                "PENDING / SENDING: on its way.")

# What a settings link may do, by operation type: root field names (aliases do not count).
SETTINGS_LINK_FIELDS: dict[OperationType, frozenset[str]] = {
    OperationType.QUERY: frozenset({"integration", "integrations", "transfers", "transfer", "mappings",
                                    "suggestMappings", "mappingChoices", "settingChanges", "__typename", "__schema",
                                    "__type"}),
    OperationType.MUTATION: frozenset({"updateSettings", "setMappings", "__typename"}),
    OperationType.SUBSCRIPTION: frozenset({"transferUpdated"}),
}


def _root_fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
                 seen: set[str]) -> set[str]:
    names: set[str] = set()
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            names.add(node.name.value)
        elif isinstance(node, InlineFragmentNode):
            names |= _root_fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                names |= _root_fields(fragment.selection_set, fragments, seen)
    return names


def _authorization(context: object) -> str:
    if not isinstance(context, dict):
        return ""
    header = context.get("authorization")
    params = context.get("connection_params")
    if not header and isinstance(params, dict):
        header = params.get("Authorization") or params.get("authorization")
    return header if isinstance(header, str) else ""


class SettingsLinkScope(SchemaExtension):
    """Refuses every root field a settings link may not use, before anything is resolved."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        header = _authorization(ec.context)
        if settings_link.PREFIX + "." in header and ec.graphql_document is not None:
            try:
                principal = await ec.context.principal()
            except ServiceError:
                principal = None  # every resolver will answer UNAUTHENTICATED, saying why
            operation = get_operation_ast(ec.graphql_document, ec.operation_name)
            if principal is not None and principal.is_settings_link and operation is not None:
                kind = OperationType(operation.operation.value)
                fragments = {d.name.value: d for d in ec.graphql_document.definitions
                             if isinstance(d, FragmentDefinitionNode)}
                denied = sorted(_root_fields(operation.selection_set, fragments, set())
                                - SETTINGS_LINK_FIELDS.get(kind, frozenset()))
                if denied:
                    reason = Forbidden(f"a settings link can only read its integration and change its settings "
                                       f"and mappings; not allowed: {', '.join(denied)}")
                    error = GraphQLError(reason.message, original_error=reason)
                    if kind is OperationType.SUBSCRIPTION:
                        raise error
                    ec.result = ExecutionResult(data=None, errors=[error])
        yield


# -- types ------------------------------------------------------------------------------------------------------


@strawberry.type(description="An e-mail bokbro sent, or captured in its outbox when no SMTP server is configured.")
class SentEmail:
    id: strawberry.ID
    integration_id: strawberry.ID | None
    purpose: str = strawberry.field(description="settings_link")
    to: str
    subject: str
    text_body: str
    html_body: str | None
    status: EmailStatus  # type: ignore[valid-type]
    error: str | None = strawberry.field(description="Why sending failed (never contains credentials).")
    attempts: int
    created_by: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: models.EmailOutbox) -> SentEmail:
        return cls(id=strawberry.ID(row.id),
                   integration_id=strawberry.ID(row.integration_id) if row.integration_id else None,
                   purpose=row.purpose, to=row.to_address, subject=row.subject, text_body=row.body_text,
                   html_body=row.body_html, status=models.EmailStatus(row.status), error=row.error,
                   attempts=row.attempts, created_by=row.created_by,
                   created_at=utc(row.created_at), sent_at=utc(row.sent_at))  # type: ignore[arg-type]


@strawberry.type(description="One change of a setting or mapping: who, when, what, from → to.")
class SettingChange:
    id: strawberry.ID
    integration_id: strawberry.ID
    field: str = strawberry.field(description="A settings field (snake_case), or mapping.<kind>.<source key>.")
    old_value: str | None
    new_value: str | None
    changed_by: str = strawberry.field(description="The API token's name, or \"settings link\".")
    actor_kind: str = strawberry.field(description="TOKEN, SETTINGS_LINK or SYSTEM.")
    actor_id: str = strawberry.field(description="The API token's id, or link:<the link's nonce>.")
    changed_at: datetime

    @classmethod
    def of(cls, row: models.SettingChange) -> SettingChange:
        return cls(id=strawberry.ID(row.id), integration_id=strawberry.ID(row.integration_id), field=row.field,
                   old_value=row.old_value, new_value=row.new_value, changed_by=row.actor_name,
                   actor_kind=row.actor_kind, actor_id=row.actor_id,
                   changed_at=utc(row.changed_at))  # type: ignore[arg-type]


@strawberry.type
class OnboardingFinished:
    integration_id: strawberry.ID
    status: IntegrationStatus  # type: ignore[valid-type]
    already_finished: bool = strawberry.field(
        description="True when onboarding was finished before: nothing was changed or sent this time.")
    email: SentEmail | None = strawberry.field(description="The e-mail with the settings link, if one was sent.")
    settings_link_expires_at: datetime | None


# -- root fields ------------------------------------------------------------------------------------------------


@strawberry.type
class OnboardingQuery:
    @strawberry.field(description="E-mails sent (or captured) for an integration, newest first. Operators, or the "
                                  "integration's partner.")
    async def sent_emails(self, info: Info, integration_id: strawberry.ID, first: int = 50) -> list[SentEmail]:
        rows = await onboarding_service.list_sent_emails(ctx_of(info).app, await principal_of(info),
                                                         str(integration_id), first)
        return [SentEmail.of(r) for r in rows]

    @strawberry.field(description="Who changed which setting or mapping of an integration, newest first.")
    async def setting_changes(self, info: Info, integration_id: strawberry.ID,
                              first: int = 100) -> list[SettingChange]:
        rows = await audit_service.list_changes(ctx_of(info).app, await principal_of(info), str(integration_id),
                                                first)
        return [SettingChange.of(r) for r in rows]


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(description="Finish onboarding: the integration becomes ACTIVE and its contact is e-mailed "
                                     "a signed link to its settings (valid BOKBRO_SETTINGS_LINK_DAYS). Finishing "
                                     "again sends nothing; resendSettingsLink does.")
    async def finish_onboarding(self, info: Info, integration_id: strawberry.ID) -> OnboardingFinished:
        done = await onboarding_service.finish_onboarding(ctx_of(info).app, await principal_of(info),
                                                          str(integration_id))
        return OnboardingFinished(
            integration_id=strawberry.ID(done.integration.id),
            status=models.IntegrationStatus(done.integration.status), already_finished=done.already_finished,
            email=SentEmail.of(done.email) if done.email else None,
            settings_link_expires_at=done.link_expires_at)

    @strawberry.mutation(description="E-mail the contact a fresh settings link; with revokePrevious, every "
                                     "earlier link stops working.")
    async def resend_settings_link(self, info: Info, integration_id: strawberry.ID,
                                   revoke_previous: bool = False) -> SentEmail:
        row = await onboarding_service.resend_settings_link(ctx_of(info).app, await principal_of(info),
                                                            str(integration_id), revoke_previous=revoke_previous)
        return SentEmail.of(row)

    @strawberry.mutation(description="Every settings link of the integration made so far stops working.")
    async def revoke_settings_links(self, info: Info, integration_id: strawberry.ID) -> bool:
        await onboarding_service.revoke_settings_links(ctx_of(info).app, await principal_of(info),
                                                       str(integration_id))
        return True

    @strawberry.mutation(description="Try a FAILED e-mail again, as it was.")
    async def resend_email(self, info: Info, id: strawberry.ID) -> SentEmail:
        return SentEmail.of(await onboarding_service.resend_email(ctx_of(info).app, await principal_of(info),
                                                                  str(id)))
