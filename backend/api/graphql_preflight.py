"""GraphQL for the checks before the initial sync: Rackbeat prerequisites and the accounting side's preflight."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.api.graphql_common import System, principal_of
from backend.flows import preflight as rules
from backend.services import preflight as service

PreflightStatus = strawberry.enum(
    rules.Status, name="PreflightStatus",
    description="OK: in place; WARNING: look at it (or the API cannot tell: check by hand); FAILED: must be fixed "
                "before the initial sync; NOT_APPLICABLE: nothing to set up for this system.",
)


@strawberry.type(description="One check of the accounting side's set-up.")
class PreflightCheck:
    code: str = strawberry.field(description="Stable name of the check, e.g. BANK_ACCOUNT_NUMBER, FISCAL_YEAR.")
    title: str
    title_no: str
    status: PreflightStatus  # type: ignore[valid-type]
    found: str | None = strawberry.field(description="What was found (numbers, names), if anything.")
    explanation: str = strawberry.field(description="What it means and how to fix it, in English.")
    explanation_no: str = strawberry.field(description="The same in Norwegian.")
    verifiable: bool = strawberry.field(
        description="False when the published API cannot tell: the explanation says what to check by hand.")

    @staticmethod
    def of(c: rules.Check) -> PreflightCheck:
        return PreflightCheck(code=c.code, title=c.title, title_no=c.title_no, status=c.status, found=c.found,
                              explanation=c.explanation, explanation_no=c.explanation_no, verifiable=c.verifiable)


@strawberry.type
class PreflightReport:
    integration_id: strawberry.ID
    system: System  # type: ignore[valid-type]
    ok: bool = strawberry.field(description="No check FAILED.")
    checks: list[PreflightCheck]


@strawberry.type
class RackbeatGroup:
    number: str
    name: str


@strawberry.type(description="A group Rackbeat must have before the initial sync.")
class RackbeatRequirement:
    code: str = strawberry.field(
        description="CUSTOMER_GROUP, SUPPLIER_GROUP, STOCK_PRODUCT_GROUP or SERVICE_PRODUCT_GROUP.")
    title: str
    title_no: str
    status: PreflightStatus  # type: ignore[valid-type]
    found: list[RackbeatGroup]
    missing: bool | None = strawberry.field(description="True when missing; null when it could not be read.")
    message: str = strawberry.field(description="What was found, or how to create what is missing, in English.")
    message_no: str = strawberry.field(description="The same in Norwegian.")


@strawberry.type
class RackbeatPrerequisites:
    integration_id: strawberry.ID
    ready: bool = strawberry.field(description="Every requirement is met.")
    requirements: list[RackbeatRequirement]


@strawberry.type
class PreflightQuery:
    @strawberry.field(description="The groups Rackbeat needs before the initial sync: what is there, what is "
                                  "missing and how to create it.")
    async def rackbeat_prerequisites(self, info: Info, integration_id: strawberry.ID) -> RackbeatPrerequisites:
        report = await service.rackbeat_prerequisites(info.context.app, await principal_of(info), str(integration_id))
        return RackbeatPrerequisites(
            integration_id=strawberry.ID(report.integration_id), ready=report.ready,
            requirements=[RackbeatRequirement(
                code=r.code, title=r.title, title_no=r.title_no, status=r.status,
                found=[RackbeatGroup(number=g.number, name=g.name) for g in r.found], missing=r.missing,
                message=r.message, message_no=r.message_no) for r in report.requirements])

    @strawberry.field(description="Checks of the accounting system's set-up before the initial sync, each with "
                                  "the fix in English and Norwegian.")
    async def preflight_checks(self, info: Info, integration_id: strawberry.ID) -> PreflightReport:
        report = await service.preflight_checks(info.context.app, await principal_of(info), str(integration_id))
        return PreflightReport(integration_id=strawberry.ID(report.integration_id), system=report.system,
                               ok=report.ok, checks=[PreflightCheck.of(c) for c in report.checks])
