"""What an operator supporting many companies sees first: each integration's last transfer and its failures in the
last 24 hours (fields of Integration, one statement for all integrations of an answer), and transfers per hour
(succeeded / failed) grouped by the database — over real HTTP, on both back-ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlmodel import col

from backend.db.models import TransferAttempt
from tests.e2e.flow import Setup, book_invoice, onboard, set_faults, transfers, wait_for_transfer
from tests.support.backends import Backend
from tests.support.stack import GraphQLError, Stack, running_stack

LIST = """{ integrations { id companyName lastTransferAt lastTransferStatus lastTransferId failedLast24h } }"""
STATS = """query($id: ID!, $days: Int!) { transferStats(integrationId: $id, days: $days) { hour succeeded failed } }"""


def hour_floor(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def listed(stack: Stack, token: str | None = None) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in (await stack.gql(LIST, token=token))["integrations"]}


async def stats(stack: Stack, integration_id: str, days: int, token: str | None = None) -> list[dict[str, Any]]:
    before = hour_floor(datetime.now(UTC))
    buckets = (await stack.gql(STATS, {"id": integration_id, "days": days}, token=token))["transferStats"]
    after = hour_floor(datetime.now(UTC))
    # a complete axis: days * 24 consecutive hours, oldest first, ending with the current hour
    assert len(buckets) == days * 24
    hours = [parse(b["hour"]) for b in buckets]
    assert all(h.minute == h.second == 0 and h.utcoffset() == timedelta(0) for h in hours)
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(hours))
    assert before <= hours[-1] <= after
    return buckets  # type: ignore[no-any-return]


def totals(buckets: list[dict[str, Any]]) -> tuple[int, int]:
    return sum(b["succeeded"] for b in buckets), sum(b["failed"] for b in buckets)


async def antedate(stack: Stack, transfer_id: str, when: datetime) -> None:
    """Move a transfer's runs back in time, as if they had ended then (the test cannot wait a day)."""
    ctx = stack.app.state.ctx
    value = when.replace(tzinfo=None) if ctx.db.is_sqlite else when
    async with ctx.db.session() as s:
        await s.execute(update(TransferAttempt).where(col(TransferAttempt.transfer_id) == transfer_id)
                        .values(finished_at=value, started_at=value))
        await s.commit()


@contextmanager
def statements(stack: Stack) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends meanwhile."""
    seen: list[str] = []
    engine = stack.app.state.ctx.db.engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def without_bank_account(stack: Stack, setup: Setup, missing: bool) -> None:
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/bank-account",
                            json={"registered": not missing})
    assert r.status_code in (200, 204), r.text


async def test_last_transfer_failures_and_hourly_counts(stack: Stack) -> None:
    setup = await onboard(stack)
    other = await onboard(stack)
    quiet = (await stack.gql("""mutation { startOnboarding(input: {companyName: "Havbris Catering AS",
        contactPerson: "Ola", email: "ola@havbris.example", source: RACKBEAT, target: TRIPLETEX}) { id } }"""))[
        "startOnboarding"]["id"]

    # nothing transferred yet: no last transfer, no failures, an axis of zeros
    before = await listed(stack)
    assert before[setup.integration_id]["lastTransferAt"] is None
    assert before[setup.integration_id]["lastTransferStatus"] is None
    assert before[setup.integration_id]["failedLast24h"] == 0
    assert totals(await stats(stack, setup.integration_id, 3)) == (0, 0)

    # two invoices succeed, a third is refused by Tripletex (no bank account number): a permanent failure
    ok = [await book_invoice(stack, setup), await book_invoice(stack, setup)]
    for number in ok:
        await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",))
    await without_bank_account(stack, setup, True)
    bad_number = await book_invoice(stack, setup)
    bad = await wait_for_transfer(stack, setup, str(bad_number), ("FAILED",))
    other_number = await book_invoice(stack, other)
    await wait_for_transfer(stack, other, str(other_number), ("SUCCEEDED",))
    succeeded_in_log = len(await transfers(stack, setup, status=["SUCCEEDED"]))
    assert succeeded_in_log >= 2

    # the list: one statement for the last transfers and one for the failures, whatever the number of rows
    with statements(stack) as sent:
        rows = await listed(stack)
    assert len(rows) == 3
    assert sum("row_number" in q for q in sent) == 1, sent
    assert sum("transfer_attempt" in q and "count(" in q for q in sent) == 1, sent
    mine = rows[setup.integration_id]
    assert mine["lastTransferStatus"] == "FAILED" and mine["lastTransferId"] == bad["id"]
    assert mine["failedLast24h"] == 1
    assert abs(parse(mine["lastTransferAt"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert (rows[other.integration_id]["lastTransferStatus"], rows[other.integration_id]["failedLast24h"]) == (
        "SUCCEEDED", 0)
    assert (rows[quiet]["lastTransferAt"], rows[quiet]["lastTransferStatus"], rows[quiet]["failedLast24h"]) == (
        None, None, 0)

    # per hour: everything happened in the current hour (or, across an hour's turn, the one before)
    buckets = await stats(stack, setup.integration_id, 3)
    assert totals(buckets) == (succeeded_in_log, 1)
    assert totals(buckets[-2:]) == (succeeded_in_log, 1)
    assert totals(await stats(stack, other.integration_id, 3)) == (len(await transfers(
        stack, other, status=["SUCCEEDED"])), 0)

    # the cause fixed and the failure resent: it succeeds; the failure stays a failure of its hour
    await without_bank_account(stack, setup, False)
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": bad["id"]})
    await wait_for_transfer(stack, setup, str(bad_number), ("SUCCEEDED",))
    mine = (await listed(stack))[setup.integration_id]
    assert (mine["lastTransferStatus"], mine["lastTransferId"], mine["failedLast24h"]) == ("SUCCEEDED", bad["id"], 1)
    assert totals(await stats(stack, setup.integration_id, 3)) == (succeeded_in_log + 1, 1)

    # history: runs that ended 30 h ago (at :37) fall in that hour's bucket, outside 1 day and outside the 24 h
    log = {t["sourceRef"]: t for t in await transfers(stack, setup)}
    then = (datetime.now(UTC) - timedelta(hours=30)).replace(minute=37, second=5, microsecond=0)
    await antedate(stack, log[str(ok[0])]["id"], then)
    await antedate(stack, bad["id"], then)  # its failed attempt and its successful resend
    assert (await listed(stack))[setup.integration_id]["failedLast24h"] == 0
    week = await stats(stack, setup.integration_id, 7)
    assert totals(week) == (succeeded_in_log + 1, 1)
    at_then = [b for b in week if parse(b["hour"]) == hour_floor(then)]
    assert len(at_then) == 1 and (at_then[0]["succeeded"], at_then[0]["failed"]) == (2, 1)
    assert totals(await stats(stack, setup.integration_id, 1)) == (succeeded_in_log - 1, 0)

    # a partner token sees its own integration's stats, and nothing of the others
    token = (await stack.gql(
        "mutation($i: ApiTokenInput!) { createApiToken(input: $i) { token } }",
        {"i": {"name": "partner", "role": "PARTNER", "integrationIds": [setup.integration_id]}}))[
        "createApiToken"]["token"]
    seen = await listed(stack, token)
    assert list(seen) == [setup.integration_id] and seen[setup.integration_id]["lastTransferStatus"] == "SUCCEEDED"
    assert totals(await stats(stack, setup.integration_id, 7, token)) == (succeeded_in_log + 1, 1)
    for hidden in (other.integration_id, quiet):
        with pytest.raises(GraphQLError) as refused:
            await stack.gql(STATS, {"id": hidden, "days": 3}, token=token)
        assert refused.value.codes == ["NOT_FOUND"]


async def test_a_retried_transfer_counts_once_and_bad_periods_are_refused(be: Backend) -> None:
    async with running_stack(be, max_attempts=3) as stack:
        setup = await onboard(stack)
        await set_faults(stack, "tripletex", setup.tripletex["accountId"], error_5xx_rate=1.0)
        number = await book_invoice(stack, setup)
        failed = await wait_for_transfer(stack, setup, str(number), ("FAILED",))
        assert failed["attempts"] == 3  # two RETRYING runs, then the one that gave up
        assert (await listed(stack))[setup.integration_id]["failedLast24h"] == 1
        assert totals(await stats(stack, setup.integration_id, 3)) == (0, 1)

        for days in (0, 32, -1):
            with pytest.raises(GraphQLError) as refused:
                await stack.gql(STATS, {"id": setup.integration_id, "days": days})
            assert refused.value.codes == ["INVALID_INPUT"]
        with pytest.raises(GraphQLError) as missing:
            await stack.gql(STATS, {"id": "nosuchintegration", "days": 3})
        assert missing.value.codes == ["NOT_FOUND"]
