"""The settings page shows every setting that applies to the integration's source → target, each with a one-line
explanation, and nothing that does not apply: a Rackbeat → eAccounting integration has eAccounting's settings and
not Mystore's, a Mystore → Tripletex one has Mystore's and not eAccounting's or Rackbeat's. One setting of each kind
of control (radio group, checkbox, select, number) is changed, saved with a confirmation, and read back over
GraphQL; an invalid number is refused in the form before anything is sent."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import UI
from tests.support.stack import Stack

SETTINGS = """query($id: ID!) { integration(id: $id) { settings {
  invoiceTransferMode sendInvoiceToCustomer syncCustomers syncSuppliers syncProducts syncBoms eaccountingInvoiceStatus
  startOrderFlowFrom useExactQuantity transferPurchaseOrders customerNumberOffset customerMatch updateExistingCustomers
  invoiceNumberSource } } }"""

# labels of the settings that belong to one kind of integration only
EACCOUNTING_ONLY = ("What a transferred invoice becomes in eAccounting", "Keep exact quantities (more than 2 decimals)")
MYSTORE_ONLY = ("Customer number offset", "How an order's customer is found",
                "Update existing customers from the order")
RACKBEAT_ONLY = ("Start order flow from", "Transfer purchase orders", "Customers", "Suppliers", "Products",
                 "BOMs (bundles)")
TRIPLETEX_ONLY = ("Invoice numbers", "How booked invoices are transferred")


async def start(stack: Stack, company: str, source: str, target: str) -> str:
    answer = await stack.gql("""mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }""",
                             {"i": {"companyName": company, "contactPerson": "Kari Nordmann",
                                    "email": "kari@example.no", "source": source, "target": target}})
    return str(answer["startOnboarding"]["id"])


async def settings_of(stack: Stack, integration_id: str) -> dict[str, Any]:
    return (await stack.gql(SETTINGS, {"id": integration_id}))["integration"]["settings"]  # type: ignore[no-any-return]


async def open_settings(ui: UI, integration_id: str, company: str) -> Any:
    from playwright.async_api import expect

    await ui.open(f"#/integrations/{integration_id}/settings")
    await expect(ui.page.get_by_role("heading", name=company, level=1)).to_be_visible()
    form = ui.page.locator("form.settings")
    await expect(form.get_by_role("heading", name="Settings", level=2)).to_be_visible()
    return form


async def assert_present(form: Any, labels: tuple[str, ...]) -> None:
    """Each setting is there (a control labelled so, or a radio group with that legend)."""
    from playwright.async_api import expect

    for label in labels:
        control = form.get_by_label(label, exact=True).or_(form.get_by_role("group", name=label, exact=True))
        await expect(control.first).to_be_visible()


async def assert_absent(form: Any, labels: tuple[str, ...]) -> None:
    from playwright.async_api import expect

    for label in labels:
        await expect(form.get_by_label(label, exact=True)).to_have_count(0)
        await expect(form.get_by_role("group", name=label, exact=True)).to_have_count(0)


async def assert_each_explained(form: Any) -> None:
    """Every setting shown carries a one-line explanation."""
    settings = form.locator("[data-setting]")
    count = await settings.count()
    assert count > 0
    for i in range(count):
        help_text = (await settings.nth(i).locator(".help").first.inner_text()).strip()
        assert len(help_text) > 20, (await settings.nth(i).get_attribute("data-setting"), help_text)


async def save(ui: UI) -> None:
    from playwright.async_api import expect

    await expect(ui.page.get_by_text("You have unsaved changes.")).to_be_visible()
    await ui.page.get_by_role("button", name="Save settings").click()
    await expect(ui.page.get_by_test_id("settings-saved")).to_contain_text("Settings saved at")
    await expect(ui.page.get_by_text("You have unsaved changes.")).to_have_count(0)


async def test_rackbeat_to_eaccounting_settings(stack: Stack, ui: UI) -> None:
    from playwright.async_api import expect

    integration_id = await start(stack, "Havbris Catering AS", "RACKBEAT", "EACCOUNTING")
    before = await settings_of(stack, integration_id)
    page = ui.page
    await ui.open()
    await ui.sign_in()
    form = await open_settings(ui, integration_id, "Havbris Catering AS")

    # eAccounting's and Rackbeat's settings, not Mystore's nor Tripletex's
    await expect(form.get_by_role("heading", name="Visma eAccounting", level=3)).to_be_visible()
    await expect(form.get_by_role("heading", name="Webshop customers")).to_have_count(0)
    await assert_present(form, EACCOUNTING_ONLY + RACKBEAT_ONLY)
    await assert_absent(form, (*MYSTORE_ONLY, *TRIPLETEX_ONLY, "Send the invoice to the customer"))
    await assert_each_explained(form)
    await expect(form.get_by_text("eAccounting rows take 2 decimals.")).to_be_visible()
    await expect(form.get_by_test_id("not-synced")).to_contain_text(
        "Stock levels and the financial value of the inventory are not synchronised. They stay in Rackbeat.")
    await expect(form.get_by_label(
        {"DRAFT": "Invoice draft", "INVOICED": "Invoice",
         "INVOICED_AND_EMAIL": "Invoice, e-mailed to the customer by eAccounting"}[before["eaccountingInvoiceStatus"]],
        exact=True)).to_be_checked()
    await ui.shot("eaccounting")

    # one of each kind: a radio group, a checkbox, a select
    await form.get_by_label("Invoice, e-mailed to the customer by eAccounting", exact=True).check()
    await form.get_by_label("Keep exact quantities (more than 2 decimals)").set_checked(not before["useExactQuantity"])
    await form.get_by_label("Suppliers", exact=True).select_option("OFF")
    await form.get_by_label("Don't transfer invoices", exact=True).check()
    await save(ui)
    await expect(page.get_by_test_id("settings-saved")).to_be_focused()
    await ui.shot("eaccounting-saved")
    after = await settings_of(stack, integration_id)
    assert after["eaccountingInvoiceStatus"] == "INVOICED_AND_EMAIL"
    assert after["useExactQuantity"] is (not before["useExactQuantity"])
    assert after["syncSuppliers"] == "OFF"
    assert after["startOrderFlowFrom"] == "DONT_TRANSFER"
    # only what was changed was sent: everything else is as it was
    unchanged = {k: v for k, v in after.items()
                 if k not in ("eaccountingInvoiceStatus", "useExactQuantity", "syncSuppliers", "startOrderFlowFrom")}
    assert unchanged == {k: before[k] for k in unchanged}

    # the same in Norwegian, each setting still explained
    await page.get_by_role("button", name="Norsk").click()
    await expect(form.get_by_role("group", name="Hva en overført faktura blir i eAccounting")).to_be_visible()
    await expect(form.get_by_text("eAccounting-linjer har 2 desimaler.")).to_be_visible()
    await expect(form.get_by_test_id("not-synced")).to_contain_text("Lagerbeholdning og den finansielle lagerverdien")
    await assert_each_explained(form)
    await ui.shot("eaccounting-norsk")
    await page.get_by_role("button", name="English").click()

    # after a reload the page shows what was saved
    await page.reload()
    form = page.locator("form.settings")
    await expect(form.get_by_label("Invoice, e-mailed to the customer by eAccounting", exact=True)).to_be_checked()
    await expect(form.get_by_label("Suppliers", exact=True)).to_have_value("OFF")
    ui.assert_clean()


async def test_mystore_to_tripletex_settings(stack: Stack, ui: UI) -> None:
    from playwright.async_api import expect

    integration_id = await start(stack, "Nettbutikken AS", "MYSTORE", "TRIPLETEX")
    before = await settings_of(stack, integration_id)
    page = ui.page
    await ui.open()
    await ui.sign_in()
    form = await open_settings(ui, integration_id, "Nettbutikken AS")

    # Mystore's and Tripletex's settings, not eAccounting's nor Rackbeat's
    await expect(form.get_by_role("heading", name="Webshop customers", level=3)).to_be_visible()
    await expect(form.get_by_role("heading", name="Visma eAccounting")).to_have_count(0)
    await assert_present(form, (*MYSTORE_ONLY, "Invoice numbers"))
    await assert_absent(form, (*EACCOUNTING_ONLY, *RACKBEAT_ONLY, "How booked invoices are transferred"))
    await expect(form.get_by_test_id("webshop-mode-note")).to_contain_text("set per payment method under Mappings")
    await assert_each_explained(form)
    await expect(form.get_by_test_id("not-synced")).to_contain_text("They stay in Mystore.")
    offset = form.get_by_label("Customer number offset")
    await expect(offset).to_have_value(str(before["customerNumberOffset"]))
    await ui.shot("mystore")

    # a number that is not one is refused in the form, with the reason, before anything is sent
    await offset.fill("12x")
    await page.get_by_role("button", name="Save settings").click()
    await expect(form.get_by_role("alert")).to_contain_text("Enter a whole number from 0 to 1000000000.")
    await expect(offset).to_have_attribute("aria-invalid", "true")
    await expect(offset).to_be_focused()
    await expect(page.get_by_test_id("settings-saved")).to_have_text("")
    await ui.shot("mystore-invalid-number")
    assert (await settings_of(stack, integration_id))["customerNumberOffset"] == before["customerNumberOffset"]

    # one of each kind: a number, a radio group, a checkbox
    await offset.fill("200000")
    await expect(offset).not_to_have_attribute("aria-invalid", "true")
    await form.get_by_label("Businesses by organisation number first", exact=True).check()
    update = form.get_by_label("Update existing customers from the order")
    await update.set_checked(not before["updateExistingCustomers"])
    await form.get_by_label("The number of the Mystore document", exact=True).check()
    await save(ui)
    await ui.shot("mystore-saved")
    after = await settings_of(stack, integration_id)
    assert after["customerNumberOffset"] == 200000
    assert after["customerMatch"] == "ORGANIZATION_NUMBER"
    assert after["updateExistingCustomers"] is (not before["updateExistingCustomers"])
    assert after["invoiceNumberSource"] == "SOURCE"
    changed = ("customerNumberOffset", "customerMatch", "updateExistingCustomers", "invoiceNumberSource")
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}

    await page.reload()
    form = page.locator("form.settings")
    await expect(form.get_by_label("Customer number offset")).to_have_value("200000")
    await expect(form.get_by_label("Businesses by organisation number first", exact=True)).to_be_checked()
    ui.assert_clean()
