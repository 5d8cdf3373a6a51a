"""Known Tripletex refusals, produced by the sandbox over real HTTP, shown on the transfer with the explanation and
the fix (issue 5: "each explained error produced by the sandbox and shown with its explanation"). The bank-account
refusal is in test_rackbeat_to_tripletex.py, the taken invoice number in test_mystore_customers_and_numbers.py,
eAccounting's postal code in test_rackbeat_to_eaccounting.py."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.flow import Setup, book_invoice_with_lines, onboard, transfers, tripletex_state
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
