"""The once-only initial sync Tripletex → Rackbeat over real HTTP, on both back-ends: groups required and
suggested, the preview's counts equal what the run writes, conflicts linked not duplicated, live progress in order
to 100 %, a second start refused by the database, failed records retried without re-running the sync."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.initial_sync_flow import (
    PREVIEW,
    PROGRESS,
    RECORDS,
    START,
    SUBSCRIBE,
    SyncSetup,
    accept_suggested_groups,
    make_groups,
    onboard_for_sync,
    rackbeat,
    rackbeat_state,
)
from tests.e2e.test_rackbeat_to_eaccounting import onboard as onboard_eaccounting
from tests.support.backends import Backend
from tests.support.stack import GraphQLError, Stack, running_stack, wait_for


async def _progress_until_done(queue: asyncio.Queue[dict[str, Any]], timeout: float = 120) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while True:
        event = await asyncio.wait_for(queue.get(), timeout)
        assert "errors" not in event, event
        seen.append(event["initialSyncProgress"])
        if seen[-1]["status"] != "RUNNING":
            return seen


COUNTED = {"customers": "customers", "suppliers": "suppliers", "products": "products", "employees": "employees",
           "payment_terms": "paymentTerms", "units": "units", "product_groups": "productGroups"}


async def run_as_previewed(stack: Stack, setup: SyncSetup, plan: dict[str, dict[str, Any]],
                           timeout: float = 120) -> list[dict[str, Any]]:
    """Start the sync, watch its progress to the end (in order, never backwards, ending at 100 %), and check that
    what it wrote is exactly what the preview said — in its counters and in Rackbeat itself. Returns the events."""
    before = await rackbeat_state(stack, setup)
    async with stack.subscribe(SUBSCRIBE, {"id": setup.integration_id}) as queue:
        started = (await stack.gql(START, {"id": setup.integration_id}))["startInitialSync"]
        assert started["status"] in ("RUNNING", "SUCCEEDED")
        events = await _progress_until_done(queue, timeout)
    final = events[-1]
    assert final["status"] == "SUCCEEDED" and final["percent"] == 100, final
    percents = [e["percent"] for e in events]
    assert percents == sorted(percents), percents
    dones = [sum(x["done"] for x in e["entities"]) for e in events]
    assert dones == sorted(dones), dones
    done = {e["entity"]: e for e in final["entities"]}
    after = await rackbeat_state(stack, setup)
    for entity, p in plan.items():
        assert (done[entity]["created"], done[entity]["linked"], done[entity]["skipped"]) == \
            (p["create"], p["link"], p["skip"]), (entity, done[entity], p)
        key = COUNTED[entity]
        assert after["counts"][key] - before["counts"][key] == p["create"], (entity, after["counts"])
    return events


async def raise_rackbeat_budget(stack: Stack, setup: SyncSetup) -> None:
    """The demo companies are large: lift the Rackbeat sandbox's limit (bokbro's own is raised by the stack)."""
    r = await stack.sandbox("rackbeat", "POST", f"/_control/accounts/{setup.rackbeat['accountId']}/rate-limit",
                            json={"limit": 100_000, "periodSeconds": 60})
    assert r.status_code in (200, 204), r.text


async def test_initial_sync_tripletex_to_rackbeat(stack: Stack) -> None:
    setup = await onboard_for_sync(stack)
    iid = setup.integration_id

    # Nothing can start before the groups exist and are mapped.
    before = (await stack.gql(PREVIEW, {"id": iid}))["previewInitialSync"]
    assert before["ready"] is False and len(before["blocking"]) == 4, before
    try:
        await stack.gql(START, {"id": iid})
        raise AssertionError("started without group mappings")
    except GraphQLError as exc:
        assert exc.codes == ["INVALID_INPUT"]

    # The user makes the groups in Rackbeat; a payment term and one customer are there already.
    await make_groups(stack, setup.rackbeat["token"])
    term = await rackbeat(stack, setup, "POST", "payment-terms",
                          json={"name": "Netto 14 dager", "type": "net", "maturity_days": 14})
    assert term.status_code == 201, term.text
    taken = await rackbeat(stack, setup, "POST", "customers",
                           json={"number": 10003, "company_name": "Kunde 3 (fra før)",
                                 "payment_terms_id": term.json()["payment_term"]["number"]})
    assert taken.status_code == 201, taken.text
    suggested = await accept_suggested_groups(stack, iid)
    by_kind = {s["kind"]: s for s in suggested if s["sourceKey"] == "default"}
    assert by_kind["service_group"]["targetName"] == "Tjenester"
    assert by_kind["product_group"]["targetName"] == "Lagervarer"
    terms = {s["sourceKey"]: s for s in suggested if s["kind"] == "payment_term"}
    assert terms["14 DAYS"]["targetName"] == "Netto 14 dager" and terms["30 DAYS"]["targetKey"] is None

    preview = (await stack.gql(PREVIEW, {"id": iid}))["previewInitialSync"]
    assert preview["ready"] and not preview["blocking"], preview
    assert preview["direction"] == "TRIPLETEX→RACKBEAT"
    plan = {e["entity"]: e for e in preview["entities"]}
    assert list(plan) == ["payment_terms", "employees", "customers", "suppliers", "products"]
    assert (plan["payment_terms"]["create"], plan["payment_terms"]["link"]) == (1, 1)  # 30 days new, 14 days there
    assert (plan["customers"]["total"], plan["customers"]["create"], plan["customers"]["link"]) == (24, 23, 1)
    assert (plan["suppliers"]["create"], plan["products"]["create"]) == (6, 30)
    assert plan["customers"]["sample"][0]["customer_group_id"] == int(by_kind["customer_group"]["targetKey"])
    codes = {(c["sourceKey"], c["code"]) for c in preview["conflicts"]}
    assert ("10003", "ALREADY_IN_RACKBEAT") in codes and ("10005", "INVALID_VALUE") in codes, codes
    assert any("projects" in n for n in preview["notSupported"])
    await run_as_previewed(stack, setup, plan)
    kept = (await rackbeat(stack, setup, "GET", "customers/10003")).json()["customer"]
    assert kept["company_name"] == "Kunde 3 (fra før)"  # linked, not overwritten
    service = (await rackbeat(stack, setup, "GET", "products/1000")).json()["product"]
    assert service["group"]["name"] == "Tjenester"  # not a stock item in Tripletex
    stock = (await rackbeat(stack, setup, "GET", "products/1001")).json()["product"]
    assert stock["group"]["name"] == "Lagervarer"
    thirty = (await rackbeat(stack, setup, "GET", "customers/10001")).json()["customer"]
    assert thirty["payment_terms"]["maturity_days"] == 30

    records = (await stack.gql(RECORDS, {"id": iid, "s": ["LINKED", "CREATED"]}))["initialSyncRecords"]
    by_key = {(r["entity"], r["sourceKey"]): r for r in records}
    assert by_key[("customers", "10003")]["status"] == "LINKED"
    assert "not valid" in by_key[("customers", "10005")]["notes"][0]

    # Once only: a second start is refused, by the database's key.
    try:
        await stack.gql(START, {"id": iid})
        raise AssertionError("second start accepted")
    except GraphQLError as exc:
        assert exc.codes == ["CONFLICT"]
    again = (await stack.gql(PREVIEW, {"id": iid}))["previewInitialSync"]
    assert again["alreadyStarted"] is True and again["ready"] is False


async def test_failed_records_are_listed_and_retried_without_rerunning(stack: Stack) -> None:
    setup = await onboard_for_sync(stack)
    iid = setup.integration_id
    await make_groups(stack, setup.rackbeat["token"], ("customer-groups", "supplier-groups", "product-groups"))
    await accept_suggested_groups(stack, iid)
    # no service group in Rackbeat yet: the user maps a wrong number, and Rackbeat refuses the non-stock products
    await stack.gql("mutation($id: ID!) { setMappings(integrationId: $id, input: [{kind: \"service_group\", "
                    "sourceKey: \"default\", targetKey: \"999\"}]) { id } }", {"id": iid})
    await stack.gql(START, {"id": iid, "e": ["products"]})

    async def finished() -> dict[str, Any] | None:
        p = (await stack.gql(PROGRESS, {"id": iid}))["initialSync"]
        return p if p["status"] != "RUNNING" else None

    first = await wait_for(finished, timeout=120)
    assert first["status"] == "COMPLETED_WITH_FAILURES", first
    products = first["entities"][0]
    assert (products["created"], products["failed"]) == (24, 6), products
    failed = (await stack.gql(RECORDS, {"id": iid, "s": ["FAILED"]}))["initialSyncRecords"]
    assert len(failed) == 6 and all("group" in f["errorMessage"] for f in failed), failed

    # The cause is fixed: the service group exists and is mapped; only the failed records are written again.
    await make_groups(stack, setup.rackbeat["token"], ("product-groups#service",))
    groups = (await rackbeat(stack, setup, "GET", "product-groups")).json()["product_groups"]
    service = next(g for g in groups if g["name"] == "Tjenester")
    await stack.gql("mutation($id: ID!, $n: String!) { setMappings(integrationId: $id, input: [{kind: "
                    "\"service_group\", sourceKey: \"default\", targetKey: $n}]) { id } }",
                    {"id": iid, "n": str(service["number"])})
    await stack.gql("mutation($id: ID!) { retryInitialSyncFailures(integrationId: $id) { status } }", {"id": iid})
    second = await wait_for(finished, timeout=120)
    assert second["status"] == "SUCCEEDED", second
    products = second["entities"][0]
    assert (products["created"], products["failed"], products["done"]) == (30, 0, 30), products
    state = await rackbeat_state(stack, setup)
    assert state["counts"]["products"] == 30


async def test_initial_sync_of_the_tripletex_demo_company(be: Backend) -> None:
    """Tripletex's demo company into Rackbeat's demo company (which has groups, terms and data of its own):
    everything previewed is written, linked or skipped exactly as previewed. Rackbeat's request budget is raised
    here (the sandbox's and ours) to keep the test short."""
    async with running_stack(be, rackbeat_requests_per_minute=100_000) as stack:
        setup = await onboard_for_sync(stack, demo=True)
        iid = setup.integration_id
        await raise_rackbeat_budget(stack, setup)
        await accept_suggested_groups(stack, iid)
        preview = (await stack.gql(PREVIEW, {"id": iid}))["previewInitialSync"]
        assert preview["ready"], preview
        plan = {e["entity"]: e for e in preview["entities"]}
        assert plan["customers"]["total"] >= 200 and plan["suppliers"]["total"] >= 50
        assert plan["products"]["total"] >= 1000 and plan["employees"]["total"] >= 10
        await run_as_previewed(stack, setup, plan, timeout=300)


async def test_initial_sync_eaccounting_to_rackbeat(be: Backend) -> None:
    """eAccounting's demo company into a Rackbeat that already has data: article labels become product groups, units
    and terms of payment are linked or made, customers and articles whose numbers Rackbeat has are linked, the
    rest created. Rackbeat's request budget is raised here (the sandbox's and ours) to keep the test short."""
    async with running_stack(be, rackbeat_requests_per_minute=100_000) as stack:
        ea = await onboard_eaccounting(stack, ea_seed="demo")
        setup = SyncSetup(ea.integration_id, ea.rackbeat, ea.eaccounting, stack.base_url)
        await raise_rackbeat_budget(stack, setup)
        await accept_suggested_groups(stack, setup.integration_id)
        preview = (await stack.gql(PREVIEW, {"id": setup.integration_id}))["previewInitialSync"]
        assert preview["ready"], preview
        assert preview["direction"] == "EACCOUNTING→RACKBEAT"
        plan = {e["entity"]: e for e in preview["entities"]}
        assert list(plan) == ["product_groups", "units", "payment_terms", "customers", "products"]
        assert plan["customers"]["total"] >= 220 and plan["products"]["total"] >= 1050  # the demo company
        # the two demo companies share customer numbers (linked, not overwritten) but no article numbers
        assert plan["customers"]["link"] > 0 and plan["products"]["create"] == plan["products"]["total"]
        assert plan["units"]["link"] > 0 and plan["product_groups"]["create"] > 0
        await run_as_previewed(stack, setup, plan, timeout=300)


async def test_mapping_choices_list_what_a_mapping_may_point_at(stack: Stack) -> None:
    setup = await onboard_for_sync(stack)
    await make_groups(stack, setup.rackbeat["token"])
    query = "query($id: ID!, $k: String!) { mappingChoices(integrationId: $id, kind: $k) { key name detail } }"
    service = (await stack.gql(query, {"id": setup.integration_id, "k": "service_group"}))["mappingChoices"]
    assert {(c["name"], c["detail"]) for c in service} == {("Lagervarer", "holds stock"), ("Tjenester", "no stock")}
    customers = (await stack.gql(query, {"id": setup.integration_id, "k": "customer_group"}))["mappingChoices"]
    assert [c["name"] for c in customers] == ["Kunder"]
    try:
        await stack.gql(query, {"id": setup.integration_id, "k": "payment_method"})  # Tripletex: payment types
    except GraphQLError as exc:
        raise AssertionError(exc) from exc
    try:
        await stack.gql(query, {"id": setup.integration_id, "k": "colour"})
        raise AssertionError("an unknown kind was accepted")
    except GraphQLError as exc:
        assert exc.codes == ["INVALID_INPUT"]


async def test_tripletex_search_limit_products_in_price_ranges_customers_explained(stack: Stack) -> None:
    """Tripletex refuses a search matching more than 10,000 objects (here: 8, a sandbox option). Products are read
    in price ranges that fit; customers cannot be split, and the preview says so in words, not as a crash."""
    setup = await onboard_for_sync(stack, tripletex_account={"maxResultSet": 8})
    await make_groups(stack, setup.rackbeat["token"])
    await accept_suggested_groups(stack, setup.integration_id)
    products = (await stack.gql(PREVIEW, {"id": setup.integration_id, "e": ["products"]}))["previewInitialSync"]
    assert products["entities"][0]["total"] == 30 and products["entities"][0]["create"] == 30, products
    try:
        await stack.gql(PREVIEW, {"id": setup.integration_id, "e": ["customers"]})
        raise AssertionError("a search past Tripletex's limit was not reported")
    except GraphQLError as exc:
        assert exc.codes == ["EXTERNAL_SYSTEM_ERROR"]
        assert "at most 10,000 records" in exc.errors[0]["message"]
