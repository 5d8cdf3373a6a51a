"""Rackbeat → Visma eAccounting end to end, over real HTTP on both back-ends: a booked Rackbeat invoice becomes an
eAccounting invoice draft, a booked invoice, or a booked and e-mailed invoice — exactly once, whatever repeats."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.connectors.eaccounting import EAccountingClient, exchange_code
from tests.e2e.flow import (
    TRANSFER_FIELDS,
    Setup,
    book_invoice,
    book_invoice_with_lines,
    rackbeat_get,
    set_faults,
    wait_for,
)
from tests.support.backends import Backend
from tests.support.stack import Stack, running_stack

FIELDS = """id kind sourceRef targetRef status attempts notes error { code message explanation explanationNo }"""
SAVE = "mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }"
TEST = "mutation($id: ID!) { testConnection(id: $id) { status webhooksRegistered checks { name ok message } } }"


@dataclass
class EaSetup:
    integration_id: str
    rackbeat: dict[str, Any]
    eaccounting: dict[str, Any]

    @property
    def rb(self) -> Setup:  # what the Rackbeat helpers of flow.py need
        return Setup(self.integration_id, self.rackbeat, {})


async def onboard(stack: Stack, *, status: str = "INVOICED", exact: bool = True, ea_seed: str = "empty") -> EaSetup:
    rb = await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": "demo"})
    assert rb.status_code == 201, rb.text
    ea = await stack.sandbox("eaccounting", "POST", "/_control/accounts",
                             json={"seed": ea_seed, "redirectUri": f"{stack.base_url}/oauth/eaccounting/callback"})
    assert ea.status_code == 201, ea.text
    integ = await stack.gql(
        "mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }",
        {"i": {"companyName": "Kontorrekvisita AS", "contactPerson": "Per Hansen", "email": "per@kontor.example",
               "source": "RACKBEAT", "target": "EACCOUNTING"}})
    integration_id = integ["startOnboarding"]["id"]
    conn = await stack.gql(SAVE, {"i": {"integrationId": integration_id, "system": "RACKBEAT",
                                        "credentials": {"token": rb.json()["token"]}}})
    tested = (await stack.gql(TEST, {"id": conn["saveConnection"]["id"]}))["testConnection"]
    assert tested["status"] == "OK" and tested["webhooksRegistered"], tested
    conn = await stack.gql(SAVE, {"i": {"integrationId": integration_id, "system": "EACCOUNTING",
                                        "credentials": {"clientId": ea.json()["clientId"],
                                                        "clientSecret": ea.json()["clientSecret"]}}})
    conn_id = conn["saveConnection"]["id"]
    url = (await stack.gql("mutation($id: ID!) { authorizeEAccounting(connectionId: $id) }",
                           {"id": conn_id}))["authorizeEAccounting"]
    page = await stack.http.get(url, follow_redirects=True)  # the customer's browser, through the real redirect
    assert page.status_code == 200 and "eAccounting is connected" in page.text, page.text
    tested = (await stack.gql(TEST, {"id": conn_id}))["testConnection"]
    assert tested["status"] == "OK", tested
    setup = EaSetup(integration_id, rb.json(), ea.json())
    await settings(stack, setup, status=status, exact=exact)
    return setup


async def settings(stack: Stack, setup: EaSetup, *, status: str, exact: bool = True) -> None:
    await stack.gql("mutation($id: ID!, $s: EAccountingInvoiceStatus!, $e: Boolean!) { updateSettings("
                    "integrationId: $id, input: {eaccountingInvoiceStatus: $s, useExactQuantity: $e}) "
                    "{ eaccountingInvoiceStatus useExactQuantity } }",
                    {"id": setup.integration_id, "s": status, "e": exact})


async def state(stack: Stack, setup: EaSetup) -> dict[str, Any]:
    r = await stack.sandbox("eaccounting", "GET", f"/_control/accounts/{setup.eaccounting['accountId']}/state")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def transfers(stack: Stack, setup: EaSetup) -> list[dict[str, Any]]:
    data = await stack.gql(f"query($id: ID) {{ transfers(integrationId: $id) {{ edges {{ node {{ {FIELDS} }} }} }} }}",
                           {"id": setup.integration_id})
    return [e["node"] for e in data["transfers"]["edges"]]


async def settled(stack: Stack, setup: EaSetup, number: int, *, attempts: int | None = None,
                  timeout: float = 30) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        for t in await transfers(stack, setup):
            if t["kind"] == "INVOICE" and t["sourceRef"] == str(number) and \
                    t["status"] in ("SUCCEEDED", "FAILED") and (attempts is None or t["attempts"] >= attempts):
                return t
        return None

    transfer: dict[str, Any] = await wait_for(done, timeout=timeout)
    return transfer


def by_reference(items: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    return [i for i in items if i.get("OurReference") == f"RB-{number}"]


async def test_each_status_and_customer_and_articles_made_once(stack: Stack) -> None:
    setup = await onboard(stack, status="DRAFT")
    drafted = await book_invoice(stack, setup.rb)
    t = await settled(stack, setup, drafted)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    s = await state(stack, setup)
    assert s["counts"]["drafts"] == 1 and s["counts"]["invoices"] == 0, s["counts"]
    draft = s["drafts"][0]
    assert draft["Id"] == t["targetRef"] and draft["OurReference"] == f"RB-{drafted}"
    # the amounts match Rackbeat's: 2 × 100 − 10 % + 3 × 110 = 510 excl. VAT; the discount went as a fraction
    assert [r["DiscountPercentage"] for r in draft["Rows"]] == [0.1, 0]
    assert Decimal(str(draft["TotalAmount"])) - Decimal(str(draft["TotalVatAmount"])) == Decimal("510")

    await settings(stack, setup, status="INVOICED")
    invoiced = await book_invoice(stack, setup.rb)
    t = await settled(stack, setup, invoiced)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], invoiced)
    assert invoice["Id"] == t["targetRef"] and invoice["createdVia"] == "convert" and invoice["emailCount"] == 0

    await settings(stack, setup, status="INVOICED_AND_EMAIL")
    mailed = await book_invoice(stack, setup.rb)
    t = await settled(stack, setup, mailed)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], mailed)
    assert invoice["emailCount"] == 1 and len(s["emails"]) == 1, s["emails"]
    assert s["counts"] == {**s["counts"], "drafts": 1, "invoices": 2, "emails": 1}
    # the customer and both articles were made once, for three documents
    assert s["counts"]["customers"] == 1 and s["counts"]["articles"] == 2, s["counts"]
    assert {a["IsServiceArticle"] for a in s["articles"]} <= {False, True}


async def test_a_draft_is_booked_when_the_setting_asks_for_invoices_later(stack: Stack) -> None:
    setup = await onboard(stack, status="DRAFT")
    number = await book_invoice(stack, setup.rb)
    first = await settled(stack, setup, number)
    assert first["status"] == "SUCCEEDED", json.dumps(first)
    await settings(stack, setup, status="INVOICED")
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": first["id"]})
    again = await settled(stack, setup, number, attempts=2)
    assert again["status"] == "SUCCEEDED", json.dumps(again)
    s = await state(stack, setup)
    assert s["counts"]["drafts"] == 0 and s["counts"]["invoices"] == 1, s["counts"]
    assert s["invoices"][0]["CreatedFromDraftId"] == first["targetRef"] == s["invoices"][0]["CreatedFromDraftId"]
    assert again["targetRef"] == s["invoices"][0]["Id"]


async def test_three_decimal_quantity_exact_and_rounded(stack: Stack) -> None:
    setup = await onboard(stack, status="INVOICED", exact=True)
    lines = [{"quantity": 1.234, "line_price": 100, "discount_percentage": 10}, {"quantity": 3, "line_price": 110}]
    exact = await book_invoice_with_lines(stack, setup.rb, lines)
    t = await settled(stack, setup, exact)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    rb = (await rackbeat_get(stack, setup.rb, f"customer-invoices/{exact}"))["customer_invoice"]
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], exact)
    # one unit at the exact line amount (1.234 × 100 − 10 % = 111.06), the real quantity and price in the text
    row = invoice["Rows"][0]
    assert row["Quantity"] == 1 and Decimal(str(row["UnitPrice"])) == Decimal("111.06"), row
    assert row["DiscountPercentage"] == 0 and "1.234 × 100.00" in row["Text"], row
    total = Decimal(str(invoice["TotalAmountInvoiceCurrency"]))
    vat = Decimal(str(invoice["TotalVatAmountInvoiceCurrency"]))
    assert total - vat == Decimal(str(rb["total_subtotal"])) == Decimal("441.06")
    assert total == Decimal(str(rb["total_total"])), (invoice, rb)
    assert len(t["notes"]) == 1 and "Line 1" in t["notes"][0] and "1.234" in t["notes"][0] \
        and "quantity 1 at 111.06" in t["notes"][0], t["notes"]

    await settings(stack, setup, status="INVOICED", exact=False)
    rounded = await book_invoice_with_lines(stack, setup.rb, lines)
    t = await settled(stack, setup, rounded)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], rounded)
    row = invoice["Rows"][0]
    assert row["Quantity"] == 1.23 and row["UnitPrice"] == 100 and row["DiscountPercentage"] == 0.1, row
    total = Decimal(str(invoice["TotalAmountInvoiceCurrency"])) - Decimal(str(invoice["TotalVatAmountInvoiceCurrency"]))
    assert total == Decimal("110.70") + Decimal("330")  # 1.23 × 100 − 10 %
    assert len(t["notes"]) == 1 and "rounded to 1.23" in t["notes"][0] and "110.70 instead of 111.06" in \
        t["notes"][0], t["notes"]


async def test_repeats_of_every_kind_leave_one_invoice_and_one_email(stack: Stack) -> None:
    setup = await onboard(stack, status="INVOICED_AND_EMAIL")
    await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_duplicate_rate=1.0, seed=1)
    number = await book_invoice(stack, setup.rb)
    first = await settled(stack, setup, number)
    assert first["status"] == "SUCCEEDED", json.dumps(first)
    mutation = ("mutation($id: ID!, $ref: String!) { transferDocument(integrationId: $id, kind: INVOICE, "
                "sourceRef: $ref) { id } }")
    again = [await stack.gql(mutation, {"id": setup.integration_id, "ref": str(number)}) for _ in range(2)]
    assert {a["transferDocument"]["id"] for a in again} == {first["id"]}
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": first["id"]})
    done = await settled(stack, setup, number, attempts=2)
    assert done["status"] == "SUCCEEDED" and done["targetRef"] == first["targetRef"], json.dumps(done)
    assert [t["kind"] for t in await transfers(stack, setup)] == ["INVOICE"]
    s = await state(stack, setup)
    assert s["counts"]["invoices"] == 1 and s["counts"]["drafts"] == 0, s["counts"]
    assert s["counts"]["emails"] == 1 and s["invoices"][0]["emailCount"] == 1, s["emails"]
    assert s["counts"]["customers"] == 1 and s["counts"]["articles"] == 2


async def test_outages_commit_then_500_and_timeouts_end_in_exactly_one_invoice(be: Backend) -> None:
    """eAccounting fails in every way a network service can: some calls answer 500 without acting, some act and
    then answer 500, some hang past our timeout. Retries must end in one invoice per document, never two."""
    async with running_stack(be, http_timeout_seconds=0.5, max_attempts=30, retry_max_seconds=0.5) as stack:
        setup = await onboard(stack, status="INVOICED")
        await set_faults(stack, "eaccounting", setup.eaccounting["accountId"], error_5xx_rate=0.05,
                         commit_then_500_rate=0.1, timeout_rate=0.05, timeout_seconds=1.0, seed=11)
        numbers = [await book_invoice(stack, setup.rb) for _ in range(3)]
        for number in numbers:
            done = await settled(stack, setup, number, timeout=90)
            assert done["status"] == "SUCCEEDED", json.dumps(done)
        faults = (await stack.sandbox("eaccounting", "GET",
                                      f"/_control/accounts/{setup.eaccounting['accountId']}/faults")).json()
        injected = faults.get("injected") or {}
        assert injected.get("commit_then_500", 0) >= 1, faults  # the dangerous case did happen
        await set_faults(stack, "eaccounting", setup.eaccounting["accountId"])
        s = await state(stack, setup)
        for number in numbers:
            assert len(by_reference(s["invoices"], number)) == 1, [i["OurReference"] for i in s["invoices"]]
        assert s["counts"]["invoices"] == 3 and s["counts"]["drafts"] == 0, s["counts"]
        assert s["counts"]["customers"] == 1 and s["counts"]["articles"] == 2, s["counts"]
        assert sum(t["attempts"] for t in await transfers(stack, setup)) > 3  # it really had to retry


async def test_a_customer_without_postal_code_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, status="INVOICED")
    headers = {"Authorization": f"Bearer {setup.rackbeat['token']}"}
    terms = (await rackbeat_get(stack, setup.rb, "payment-terms"))["payment_terms"][0]["number"]
    made = await stack.sandbox("rackbeat", "POST", "/api/customers", headers=headers,
                               json={"company_name": "Adresseløs AS", "contact_email": "post@adresselos.example",
                                     "payment_terms_id": terms})
    assert made.status_code == 201, made.text
    customer = int(made.json()["customer"]["number"])
    number = await book_invoice_with_lines(stack, setup.rb, [{"quantity": 1, "line_price": 100}], customer=customer)
    failed = await settled(stack, setup, number)
    everything = await transfers(stack, setup)  # with the CUSTOMER transfers the customer webhooks made
    assert failed["status"] == "FAILED" and failed["attempts"] == 1, json.dumps(everything)  # not retried
    assert "postal code" in failed["error"]["explanation"] and "Rackbeat" in failed["error"]["explanation"]
    assert "postnummer" in failed["error"]["explanationNo"]
    assert (await state(stack, setup))["counts"]["customers"] == 0
    fixed = await stack.sandbox("rackbeat", "PUT", f"/api/customers/{customer}", headers=headers,
                                json={"address_street": "Storgata 1", "address_zipcode": "0155",
                                      "address_city": "OSLO"})
    assert fixed.status_code == 200, fixed.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})
    done = await settled(stack, setup, number, attempts=2)
    assert done["status"] == "SUCCEEDED", json.dumps(await transfers(stack, setup))
    s = await state(stack, setup)
    assert s["customers"][0]["InvoicePostalCode"] == "0155" and s["counts"]["invoices"] == 1


async def _refused_then_fixed(stack: Stack, setup: EaSetup, control: str, refuse: dict[str, Any],
                              fix: dict[str, Any], words: tuple[str, str]) -> None:
    """Make eAccounting refuse through its control API, book an invoice, see it FAILED at once with the
    explanation (English and Norwegian), apply the fix, resend: one invoice."""
    path = f"/_control/accounts/{setup.eaccounting['accountId']}/{control}"
    r = await stack.sandbox("eaccounting", "POST", path, json=refuse)
    assert r.status_code == 200, r.text
    number = await book_invoice_with_lines(stack, setup.rb, [{"quantity": 1, "line_price": 100}])
    failed = await settled(stack, setup, number)
    assert failed["status"] == "FAILED" and failed["attempts"] == 1, failed  # a refusal is not retried
    assert words[0] in failed["error"]["explanation"] and words[1] in failed["error"]["explanationNo"], failed
    assert (await state(stack, setup))["counts"]["invoices"] == 0
    r = await stack.sandbox("eaccounting", "POST", path, json=fix)
    assert r.status_code == 200, r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": failed["id"]})
    done = await settled(stack, setup, number, attempts=2)
    assert done["status"] == "SUCCEEDED" and done["error"] is None, done
    assert (await state(stack, setup))["counts"]["invoices"] == 1


async def test_no_fiscal_year_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, status="INVOICED")
    await _refused_then_fixed(stack, setup, "fiscal-year", {"present": False}, {"present": True},
                              ("no fiscal year", "regnskapsår"))


async def test_a_locked_period_fails_with_the_fix_then_goes_through(stack: Stack) -> None:
    setup = await onboard(stack, status="INVOICED")
    await _refused_then_fixed(stack, setup, "locked-period", {"until": "2099-12-31"}, {"until": None},
                              ("locked", "låst"))


async def test_invoices_for_one_new_customer_at_the_same_moment_make_one_customer(stack: Stack) -> None:
    """Four invoices of one customer booked at once, the customer and articles new to eAccounting: the transfers
    run side by side, and one customer and one article per product come out (eAccounting refuses a second
    CustomerNumber / article Number; the loser finds the winner's)."""
    setup = await onboard(stack, status="INVOICED")
    numbers = await asyncio.gather(*(book_invoice(stack, setup.rb) for _ in range(4)))
    for number in numbers:
        done = await settled(stack, setup, number)
        assert done["status"] == "SUCCEEDED" and done["attempts"] == 1, json.dumps(done)
    s = await state(stack, setup)
    assert s["counts"]["invoices"] == 4 and s["counts"]["customers"] == 1 and s["counts"]["articles"] == 2, s["counts"]


async def test_resend_and_transfer_document_choose_whether_the_customer_is_mailed(stack: Stack) -> None:
    """INVOICED_AND_EMAIL mails every invoice, unless the transfer says ``sendEmail: false`` (a resend when the
    customer was already told); with INVOICED nothing is mailed, unless a transfer says ``sendEmail: true``."""
    setup = await onboard(stack, status="INVOICED_AND_EMAIL")
    r = await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{setup.eaccounting['accountId']}/fiscal-year",
                            json={"present": False})
    assert r.status_code == 200, r.text
    told = await book_invoice(stack, setup.rb)
    failed = await settled(stack, setup, told)
    assert failed["status"] == "FAILED", json.dumps(failed)
    r = await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{setup.eaccounting['accountId']}/fiscal-year",
                            json={"present": True})
    assert r.status_code == 200, r.text
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id, sendEmail: false) { id } }", {"id": failed["id"]})
    assert (await settled(stack, setup, told, attempts=2))["status"] == "SUCCEEDED"
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], told)
    assert invoice["emailCount"] == 0 and s["emails"] == [], s["emails"]

    await settings(stack, setup, status="INVOICED")
    await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], webhook_drop_rate=1.0)
    asked = await book_invoice(stack, setup.rb)
    await stack.gql("mutation($id: ID!, $ref: String!) { transferDocument(integrationId: $id, kind: INVOICE, "
                    "sourceRef: $ref, sendEmail: true) { id } }", {"id": setup.integration_id, "ref": str(asked)})
    assert (await settled(stack, setup, asked))["status"] == "SUCCEEDED"
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], asked)
    assert invoice["emailCount"] == 1 and len(s["emails"]) == 1, s["emails"]


async def test_an_invoice_with_a_bom_line_is_exact_in_eaccounting(stack: Stack) -> None:
    """A BOM (Rackbeat "lot") on an invoice: eAccounting has no BOMs either; the BOM is an article of its own and
    the row refers to it, with Rackbeat's amounts."""
    setup = await onboard(stack, status="INVOICED")
    lot = (await rackbeat_get(stack, setup.rb, "lots?limit=1"))["lots"][0]
    number = await book_invoice_with_lines(stack, setup.rb, [
        {"item_id": lot["number"], "quantity": 2, "line_price": 450}, {"quantity": 1, "line_price": 200}])
    assert (await settled(stack, setup, number))["status"] == "SUCCEEDED"
    rb = (await rackbeat_get(stack, setup.rb, f"customer-invoices/{number}"))["customer_invoice"]
    s = await state(stack, setup)
    [invoice] = by_reference(s["invoices"], number)
    net = Decimal(str(invoice["TotalAmountInvoiceCurrency"])) - Decimal(str(invoice["TotalVatAmountInvoiceCurrency"]))
    assert net == Decimal(str(rb["total_subtotal"])) == Decimal("1100")
    [article] = [a for a in s["articles"] if a["Number"] == str(lot["number"])]
    assert article["Name"] == lot["name"][:50]
    [row] = [r for r in invoice["Rows"] if r["ArticleId"] == article["Id"]]
    assert (row["Quantity"], row["UnitPrice"]) == (2, 450)


SUGGEST = """query($id: ID!) { suggestMappings(integrationId: $id) { kind sourceKey sourceName targetKey } }"""
SET_MAPPINGS = """mutation($id: ID!, $m: [MappingInput!]!) { setMappings(integrationId: $id, input: $m) { id } }"""


async def test_payment_terms_follow_the_mappings(stack: Stack) -> None:
    """A Rackbeat customer's payment terms become the eAccounting terms they are mapped to (``payment_term``
    mappings pair eAccounting's terms with Rackbeat's): on a customer made for an invoice, and when the customer's
    terms are changed in Rackbeat later."""
    setup = await onboard(stack, status="INVOICED")
    customer = (await rackbeat_get(stack, setup.rb, "customers?limit=1"))["customers"][0]
    rb_terms = str(customer.get("payment_terms_id") or (customer.get("payment_terms") or {}).get("number"))
    ea_terms = [s for s in (await stack.gql(SUGGEST, {"id": setup.integration_id}))["suggestMappings"]
                if s["kind"] == "payment_term"]
    assert len(ea_terms) >= 2, ea_terms
    chosen = ea_terms[-1]["sourceKey"]  # not the company's default (the first)
    await stack.gql(SET_MAPPINGS, {"id": setup.integration_id, "m": [
        {"kind": "payment_term", "sourceKey": chosen, "targetKey": rb_terms}]})

    number = await book_invoice(stack, setup.rb)
    assert (await settled(stack, setup, number))["status"] == "SUCCEEDED"
    [made] = [c for c in (await state(stack, setup))["customers"] if c["CustomerNumber"] == str(customer["number"])]
    assert made["TermsOfPaymentId"] == chosen, (made["TermsOfPaymentId"], chosen)

    # the customer gets other terms in Rackbeat, mapped to other eAccounting terms: the change brings them over
    other, rb_other = ea_terms[-2]["sourceKey"], "2" if rb_terms == "1" else "1"
    await stack.gql(SET_MAPPINGS, {"id": setup.integration_id, "m": [
        {"kind": "payment_term", "sourceKey": other, "targetKey": rb_other}]})
    await rackbeat_put(stack, setup, f"customers/{customer['number']}", {"payment_terms_id": int(rb_other)})

    async def updated() -> bool:
        found = [c for c in (await state(stack, setup))["customers"] if c["CustomerNumber"] == str(customer["number"])]
        return len(found) == 1 and found[0]["TermsOfPaymentId"] == other

    await wait_for(updated)


async def rackbeat_put(stack: Stack, setup: EaSetup, path: str, body: dict[str, Any]) -> None:
    r = await stack.sandbox("rackbeat", "PUT", f"/api/{path}", json=body,
                            headers={"Authorization": f"Bearer {setup.rackbeat['token']}"})
    assert r.status_code == 200, r.text


async def test_a_rate_limited_transfer_is_explained_while_it_waits_then_succeeds(stack: Stack) -> None:
    """eAccounting answers 429 (ErrorCode 4010) a few times: followed live, the transfer shows RETRYING with the
    explanation in both languages, then succeeds by itself — one invoice."""
    setup = await onboard(stack, status="INVOICED")
    await set_faults(stack, "eaccounting", setup.eaccounting["accountId"], rate_limit_storm=2,
                     rate_limit_reset_seconds=1)
    seen: list[dict[str, Any]] = []
    live = f"subscription($id: ID) {{ transferUpdated(integrationId: $id) {{ {TRANSFER_FIELDS} }} }}"
    async with stack.subscribe(live, {"id": setup.integration_id}) as events:
        number = await book_invoice(stack, setup.rb)
        async with asyncio.timeout(30):
            while not seen or seen[-1]["status"] not in ("SUCCEEDED", "FAILED"):
                update = (await events.get())["transferUpdated"]
                if update["kind"] == "INVOICE":
                    seen.append(update)
    retrying = [s for s in seen if s["status"] == "RETRYING"]
    assert retrying and seen[-1]["status"] == "SUCCEEDED", json.dumps(seen)
    for s in retrying:
        assert s["error"]["code"].startswith("EACCOUNTING_429"), s["error"]
        assert "asked us to slow down" in s["error"]["explanation"] and "ba oss vente" in s["error"]["explanationNo"]
    assert len(by_reference((await state(stack, setup))["invoices"], number)) == 1


async def test_a_draft_deleted_in_eaccounting_is_made_again_on_resend(stack: Stack) -> None:
    """The bookkeeper deleted bokbro's draft in eAccounting. A resend makes it again — one draft, not two; a
    resend while it is there makes nothing."""
    setup = await onboard(stack, status="DRAFT")
    number = await book_invoice(stack, setup.rb)
    first = await settled(stack, setup, number)
    assert first["status"] == "SUCCEEDED", json.dumps(first)
    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": first["id"]})
    again = await settled(stack, setup, number, attempts=2)
    assert again["targetRef"] == first["targetRef"]
    assert [d["Id"] for d in by_reference((await state(stack, setup))["drafts"], number)] == [first["targetRef"]]

    account = setup.eaccounting
    code = (await stack.sandbox("eaccounting", "POST", f"/_control/accounts/{account['accountId']}/authorize",
                                json={"scopes": ["ea:api", "ea:sales", "offline_access"]})).json()["code"]
    tokens = await exchange_code(stack.http, account["tokenUrl"], account["clientId"], account["clientSecret"], code,
                                 account["redirectUri"])
    async with EAccountingClient(account["apiBaseUrl"], client_id=account["clientId"],
                                 client_secret=account["clientSecret"], token_url=account["tokenUrl"],
                                 refresh_token=tokens.refresh_token, access_token=tokens.access_token,
                                 access_token_expires_at=tokens.expires_at) as bookkeeper:
        await bookkeeper.delete_invoice_draft(first["targetRef"])
    assert by_reference((await state(stack, setup))["drafts"], number) == []

    await stack.gql("mutation($id: ID!) { resendTransfer(id: $id) { id } }", {"id": first["id"]})
    remade = await settled(stack, setup, number, attempts=3)
    assert remade["status"] == "SUCCEEDED" and remade["targetRef"] != first["targetRef"], json.dumps(remade)
    assert [d["Id"] for d in by_reference((await state(stack, setup))["drafts"], number)] == [remade["targetRef"]]
