"""Known target errors, produced by the sandboxes over real HTTP, shown on the transfer with the explanation and
the fix (issue 5: "each explained error produced by the sandbox and shown with its explanation"): each refusal
fails at once (no retries), the fix it names is applied, and a resend makes exactly one invoice; 429 and 5xx are
explained while bokbro waits them out. The bank-account refusal is in test_rackbeat_to_tripletex.py, the taken
invoice number in test_mystore_customers_and_numbers.py, eAccounting's postal code in
test_rackbeat_to_eaccounting.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e.flow import (
    TRANSFER_FIELDS,
    Setup,
    book_invoice,
    book_invoice_with_lines,
    onboard,
    set_faults,
    transfers,
    tripletex_state,
)
from tests.support.stack import Stack, wait_for


async def invoice_transfer(stack: Stack, setup: Setup, number: int, statuses: tuple[str, ...]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        return next((t for t in await transfers(stack, setup) if t["kind"] == "INVOICE"
                     and t["sourceRef"] == str(number) and t["status"] in statuses), None)

    return await wait_for(done, timeout=30)  # type: ignore[no-any-return]


async def test_an_invalid_organisation_number_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    terms = (await stack.sandbox("rackbeat", "GET", "/api/payment-terms", headers=headers)).json()
    made = await stack.sandbox("rackbeat", "POST", "/api/customers", headers=headers,
                               json={"payment_terms_id": terms["payment_terms"][0]["number"],
                                     "company_name": "Åtte Siffer AS", "company_vat": "12345678",
                                     "contact_email": "post@atte.example", "address_street": "Kaia 1",
                                     "address_zipcode": "7010", "address_city": "Trondheim"})
    assert made.status_code == 201, made.text
    customer = int(made.json()["customer"]["number"])
    number = await book_invoice_with_lines(stack, setup, [{"quantity": 1, "line_price": 100}], customer=customer)
    failed = await invoice_transfer(stack, setup, number, ("FAILED", "SUCCEEDED"))
    assert failed["status"] == "FAILED" and failed["attempts"] == 1, json.dumps(failed)  # a refusal: no retries
    assert failed["error"]["code"].startswith("TRIPLETEX_422"), failed["error"]
    assert "organisation number" in failed["error"]["explanation"] and "Rackbeat" in failed["error"]["explanation"]
    assert "organisasjonsnummer" in failed["error"]["explanationNo"]
    assert failed["error"]["message"]  # Tripletex's own message is kept as well
    assert not (await tripletex_state(stack, setup))["invoices"]

    # the fix the explanation names: correct it in Rackbeat, resend → one invoice
    fixed = await stack.sandbox("rackbeat", "PUT", f"/api/customers/{customer}", headers=headers,
                                json={"company_vat": "923609016"})
    assert fixed.status_code == 200, fixed.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})
    await invoice_transfer(stack, setup, number, ("SUCCEEDED",))
    state = await tripletex_state(stack, setup)
    assert len(state["invoices"]) == 1
    assert [c["organizationNumber"] for c in state["customers"] if c["name"] == "Åtte Siffer AS"] == ["923609016"]


# -- shared steps ------------------------------------------------------------------------------------------

RESEND = "mutation($id: ID!) { resendTransfer(id: $id) { id } }"
FETCH = "mutation($i: ID!, $n: String!) { transferDocument(integrationId: $i, kind: INVOICE, sourceRef: $n) { id } }"
SAVE = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }"
LIVE = f"subscription($id: ID) {{ transferUpdated(integrationId: $id) {{ {TRANSFER_FIELDS} }} }}"
SALES_VAT_CODES = ("3", "31", "33", "5")  # every code bokbro puts on sales lines (flows/tripletex.py)


async def transfer_by_id(stack: Stack, setup: Setup, transfer_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        return next((t for t in await transfers(stack, setup) if t["id"] == transfer_id and t["status"] in statuses),
                    None)

    return await wait_for(done, timeout=30)  # type: ignore[no-any-return]


async def refused_at_once(stack: Stack, setup: Setup, transfer: dict[str, Any], code: str,
                          en: str, no: str) -> None:
    """FAILED on the first attempt with the system's own message and the explanation in both languages, and
    nothing retries it behind our back."""
    assert transfer["status"] == "FAILED" and transfer["attempts"] == 1, json.dumps(transfer)
    error = transfer["error"]
    assert error["code"].startswith(code), error
    assert error["message"], error  # the system's own words are kept beside the explanation
    assert en in error["explanation"] and no in error["explanationNo"], error
    await asyncio.sleep(0.6)  # several backoff periods of the test settings
    again = next(t for t in await transfers(stack, setup) if t["id"] == transfer["id"])
    assert again["status"] == "FAILED" and again["attempts"] == 1, again


async def resent(stack: Stack, setup: Setup, transfer: dict[str, Any]) -> dict[str, Any]:
    await stack.gql(RESEND, {"id": transfer["id"]})
    done = await transfer_by_id(stack, setup, transfer["id"], ("SUCCEEDED", "FAILED"))
    assert done["status"] == "SUCCEEDED" and done["attempts"] == 2 and done["error"] is None, json.dumps(done)
    return done


async def one_invoice(stack: Stack, setup: Setup) -> None:
    state = await tripletex_state(stack, setup)
    assert len(state["invoices"]) == 1 and len(state["orders"]) == 1, (state["counts"])


async def control(stack: Stack, setup: Setup, what: str, body: dict[str, Any]) -> None:
    r = await stack.sandbox("tripletex", "POST", f"/_control/accounts/{setup.tripletex['accountId']}/{what}",
                            json=body)
    assert r.status_code == 200, r.text


async def save_credentials(stack: Stack, setup: Setup, system: str, credentials: dict[str, str]) -> None:
    await stack.gql(SAVE, {"i": {"integrationId": setup.integration_id, "system": system,
                                 "credentials": credentials}})


def tripletex_keys(setup: Setup, employee_token: str | None = None) -> dict[str, str]:
    return {"consumerToken": setup.tripletex["consumerToken"],
            "employeeToken": employee_token or setup.tripletex["employeeToken"]}


# -- Tripletex refusals: fail at once, explained; the fix the explanation names; resend → exactly one invoice ---


async def test_an_inactive_vat_code_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    for code in SALES_VAT_CODES:  # the company turned its sales VAT codes off (Regnskap → Mva-innstillinger)
        await control(stack, setup, "vat-types", {"number": code, "active": False})
    number = await book_invoice_with_lines(stack, setup, [{"quantity": 1, "line_price": 100}])
    failed = await invoice_transfer(stack, setup, number, ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "TRIPLETEX_422", "VAT code is invalid or inactive", "Mva-koden")
    assert not (await tripletex_state(stack, setup))["products"]  # refused as the product was made: nothing half-done

    for code in SALES_VAT_CODES:  # the fix: activate the VAT code in Tripletex
        await control(stack, setup, "vat-types", {"number": code, "active": True})
    await resent(stack, setup, failed)
    await one_invoice(stack, setup)


async def test_a_closed_period_in_tripletex_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await control(stack, setup, "locked-period", {"until": "2099-12-31"})  # the company closed the period
    number = await book_invoice_with_lines(stack, setup, [{"quantity": 1, "line_price": 100}])
    failed = await invoice_transfer(stack, setup, number, ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "TRIPLETEX_409_10000", "period that is closed", "lukket (låst)")
    state = await tripletex_state(stack, setup)
    assert state["invoices"] == [] and state["orders"] == []  # refused as a whole: no order left behind

    await control(stack, setup, "locked-period", {"until": None})  # the fix: the period opened again
    await resent(stack, setup, failed)
    await one_invoice(stack, setup)


async def test_an_api_key_without_invoice_access_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await control(stack, setup, "access", {"denied": ["invoice"]})  # the employee token lost "Faktura"
    number = await book_invoice_with_lines(stack, setup, [{"quantity": 2, "line_price": 50}])
    failed = await invoice_transfer(stack, setup, number, ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "TRIPLETEX_403", "lacks a permission", "mangler en tilgang")
    assert not (await tripletex_state(stack, setup))["invoices"]

    await control(stack, setup, "access", {"denied": []})  # the fix: give the key access
    await resent(stack, setup, failed)
    await one_invoice(stack, setup)  # the order made before the refusal is found again, not made twice


async def test_a_wrong_employee_token_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    wrong = "test-00000000-0000-0000-0000-000000000000"
    await save_credentials(stack, setup, "TRIPLETEX", tripletex_keys(setup, wrong))
    number = await book_invoice_with_lines(stack, setup, [{"quantity": 1, "line_price": 100}])
    failed = await invoice_transfer(stack, setup, number, ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "TRIPLETEX_401", "did not accept the API keys",
                          "godtok ikke API-nøklene")

    await save_credentials(stack, setup, "TRIPLETEX", tripletex_keys(setup))  # the fix: a working token
    await resent(stack, setup, failed)
    await one_invoice(stack, setup)


# -- Rackbeat refusals -----------------------------------------------------------------------------------------


async def test_an_unknown_rackbeat_number_fails_with_the_explanation(stack: Stack) -> None:
    """Rackbeat answers 404; the source pipe turns that into its own explanation naming the number (so the
    ``rackbeat_not_found`` rule of explanations.py is never reached for documents)."""
    setup = await onboard(stack, mode="INVOICE")
    asked = (await stack.gql(FETCH, {"i": setup.integration_id, "n": "987654"}))["transferDocument"]
    failed = await transfer_by_id(stack, setup, asked["id"], ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "NOT_TRANSFERABLE", "Rackbeat has no customer invoice number 987654",
                          "Rackbeat har ingen kundefaktura med nummer 987654")
    assert not (await tripletex_state(stack, setup))["orders"]

    number = await book_invoice(stack, setup, lines=1, suppress_webhooks=True)  # the fix: the right number
    asked = (await stack.gql(FETCH, {"i": setup.integration_id, "n": str(number)}))["transferDocument"]
    done = await transfer_by_id(stack, setup, asked["id"], ("FAILED", "SUCCEEDED"))
    assert done["status"] == "SUCCEEDED" and done["attempts"] == 1, json.dumps(done)
    await one_invoice(stack, setup)


async def test_a_wrong_rackbeat_key_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    number = await book_invoice(stack, setup, lines=1, suppress_webhooks=True)
    await save_credentials(stack, setup, "RACKBEAT", {"token": "not-a-rackbeat-key"})
    asked = (await stack.gql(FETCH, {"i": setup.integration_id, "n": str(number)}))["transferDocument"]
    failed = await transfer_by_id(stack, setup, asked["id"], ("FAILED", "SUCCEEDED"))
    await refused_at_once(stack, setup, failed, "RACKBEAT_401", "did not accept the API key",
                          "godtok ikke API-nøkkelen")

    await save_credentials(stack, setup, "RACKBEAT", {"token": setup.rackbeat["token"]})  # the fix
    await resent(stack, setup, failed)
    await one_invoice(stack, setup)


# -- what bokbro waits out by itself: explained while RETRYING, then SUCCEEDED without a storm ---------------


async def retried_then_done(stack: Stack, setup: Setup, en: str, no: str, *,
                            on_retrying: Callable[[], Awaitable[None]] | None = None) -> list[dict[str, Any]]:
    """Book an invoice and follow it live: RETRYING shows the explanation, then it SUCCEEDS by itself."""
    seen: list[dict[str, Any]] = []
    async with stack.subscribe(LIVE, {"id": setup.integration_id}) as events:
        await book_invoice_with_lines(stack, setup, [{"quantity": 1, "line_price": 100}])
        async with asyncio.timeout(30):
            while not seen or seen[-1]["status"] not in ("SUCCEEDED", "FAILED"):
                event = await events.get()
                assert "errors" not in event, event
                update = event["transferUpdated"]
                if update["kind"] != "INVOICE":
                    continue
                if update["status"] == "RETRYING" and on_retrying is not None \
                        and not any(s["status"] == "RETRYING" for s in seen):
                    await on_retrying()
                seen.append(update)
    retrying = [s for s in seen if s["status"] == "RETRYING"]
    assert retrying and seen[-1]["status"] == "SUCCEEDED", json.dumps(seen)
    for s in retrying:
        assert en in s["error"]["explanation"] and no in s["error"]["explanationNo"], s["error"]
    assert seen[-1]["error"] is None
    await one_invoice(stack, setup)
    return seen


async def test_a_rate_limited_transfer_is_explained_while_it_waits_then_succeeds(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await set_faults(stack, "tripletex", setup.tripletex["accountId"], rate_limit_storm=2,
                     rate_limit_reset_seconds=1)
    seen = await retried_then_done(stack, setup, "asked us to slow down", "ba oss vente")
    assert all(s["error"]["code"].startswith("TRIPLETEX_429") for s in seen if s["status"] == "RETRYING")
    assert seen[-1]["attempts"] <= 3  # one attempt per 429 answer at most: no storm of its own


async def test_a_tripletex_outage_is_explained_while_it_waits_then_succeeds(stack: Stack) -> None:
    setup = await onboard(stack, mode="INVOICE")
    await set_faults(stack, "tripletex", setup.tripletex["accountId"], error_5xx_rate=1.0)

    async def back_up() -> None:
        r = await stack.sandbox("tripletex", "DELETE", f"/_control/accounts/{setup.tripletex['accountId']}/faults")
        assert r.status_code == 204, r.text

    seen = await retried_then_done(stack, setup, "did not answer properly", "svarte ikke som det skulle",
                                   on_retrying=back_up)
    assert all(s["error"]["code"].startswith("TRIPLETEX_500") for s in seen if s["status"] == "RETRYING")
    assert seen[-1]["attempts"] <= 3
