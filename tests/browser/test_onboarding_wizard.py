"""Issue 6: an operator onboards a Rackbeat → Tripletex company with the wizard, in a real browser against a real
bokbro and fresh sandbox accounts: the company, the credentials typed into the form and tested, Rackbeat's groups,
the accounting checks, the suggested mappings accepted, the initial sync previewed and run (the bars reach 100 %,
live), the operating settings, and finishing (the e-mail with the settings link). Then an invoice booked in
Rackbeat appears in the live log as SUCCEEDED without a reload, and the customer opens the settings link from the
e-mail and sees that one company only."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import UI
from tests.e2e.flow import Setup, book_invoice, wait_for_transfer
from tests.e2e.initial_sync_flow import fill_tripletex, make_groups
from tests.support.stack import Stack

EMAILS = "query($id: ID!) { sentEmails(integrationId: $id) { to purpose status textBody } }"
LINK_TOKEN = re.compile(r"#/settings-link\?token=(bbl1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
WIZARD_SIZE = {"width": 1280, "height": 800}


async def step_heading(ui: UI, name: str) -> Any:
    """The step's heading: shown, and given the focus when the step changed."""
    from playwright.async_api import expect

    heading = ui.page.locator("#wizard-step-heading")
    await expect(heading).to_have_text(name)
    await expect(heading).to_be_focused()
    return heading


async def test_operator_onboards_a_company_and_the_customer_opens_the_settings_link(stack: Stack, ui: UI,
                                                                                     browser: Any) -> None:
    from playwright.async_api import expect

    page = ui.page
    await page.set_viewport_size(WIZARD_SIZE)

    # fresh sandbox accounts, as the customer has them: an empty Rackbeat with the four groups made by hand, and a
    # Tripletex company with customers, suppliers and products
    rb = (await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": "empty"}))
    assert rb.status_code == 201, rb.text
    rackbeat = rb.json()
    await make_groups(stack, rackbeat["token"])
    tx = await stack.sandbox("tripletex", "POST", "/_control/accounts", json={"seed": "empty"})
    assert tx.status_code == 201, tx.text
    tripletex = tx.json()
    await fill_tripletex(stack.base_url, tripletex)

    # -- sign in, start the wizard from the main navigation
    await ui.open()
    await ui.sign_in()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Onboard a company").click()
    await expect(page.get_by_role("heading", name="Onboarding a new company", level=1)).to_be_visible()
    steps_nav = page.get_by_role("navigation", name="Onboarding steps")
    await expect(steps_nav.locator("li")).to_have_count(9)

    # -- 1 company
    await page.get_by_role("button", name="Start onboarding").click()
    await expect(page.get_by_role("alert")).to_contain_text("Company name is required.")
    await expect(page.get_by_label("Company name")).to_be_focused()
    await page.get_by_label("Company name").fill("Fjellsport AS")
    await page.get_by_label("Contact person").fill("Kari Nordmann")
    await page.get_by_label("Contact e-mail").fill("kari@fjellsport.example")
    await expect(page.get_by_label("Source (warehouse or webshop)")).to_have_value("RACKBEAT")
    await expect(page.get_by_label("Accounting system")).to_have_value("TRIPLETEX")
    await ui.shot("company")
    await page.get_by_role("button", name="Start onboarding").click()

    # -- 2 credentials, typed into the form; each tested, with every check shown
    await step_heading(ui, "Credentials")
    await expect(page).to_have_url(re.compile(r"#/integrations/[^/]+/onboarding/credentials$"))
    integration_id = re.search(r"#/integrations/([^/]+)/", page.url).group(1)  # type: ignore[union-attr]
    await expect(page.get_by_role("heading", name="Onboarding Fjellsport AS", level=1)).to_be_visible()
    rb_card = page.locator("section.credential[data-system=RACKBEAT]")
    tx_card = page.locator("section.credential[data-system=TRIPLETEX]")
    await rb_card.get_by_label("API token").fill(rackbeat["token"])
    await rb_card.get_by_role("button", name="Save and test Rackbeat").click()
    await expect(rb_card.get_by_text("Rackbeat: every check passed.")).to_be_visible(timeout=30_000)
    await expect(rb_card.get_by_text("Webhooks registered")).to_be_visible()
    await tx_card.get_by_label("Consumer token").fill(tripletex["consumerToken"])
    await tx_card.get_by_label("Employee token").fill(tripletex["employeeToken"])
    await tx_card.get_by_role("button", name="Save and test Tripletex").click()
    await expect(tx_card.get_by_text("Tripletex: every check passed.")).to_be_visible(timeout=30_000)
    await expect(tx_card.locator(".checks li")).not_to_have_count(0)
    await ui.shot("credentials")

    # -- the wizard resumes where the integration stands: from its page, "Continue onboarding" opens the groups
    await ui.open(f"#/integrations/{integration_id}")
    await expect(page.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
    await page.get_by_role("link", name="Continue onboarding").click()
    await expect(page).to_have_url(re.compile(r"/onboarding/groups$"))
    await expect(page.locator("#wizard-step-heading")).to_have_text("Rackbeat groups")
    await expect(steps_nav.locator("li.is-done")).to_have_count(2)  # company and credentials

    # -- 3 Rackbeat's groups are there
    await expect(page.get_by_test_id("groups-result")).to_have_text("Every group is in place.")
    await expect(page.locator(".requirement")).to_have_count(4)
    await page.get_by_role("button", name="Check again").click()
    await expect(page.get_by_test_id("groups-result")).to_have_text("Every group is in place.")
    await ui.shot("groups")
    await page.get_by_role("button", name="I have the groups, next").click()

    # -- 4 the accounting preflight, each check with its status and explanation
    await step_heading(ui, "Accounting checks")
    await expect(page.get_by_test_id("preflight-result")).to_be_visible()
    await expect(page.locator(".preflight-table tbody tr[data-code=BANK_ACCOUNT_NUMBER]")).to_contain_text("OK")
    await ui.shot("preflight")
    await page.get_by_role("button", name="Norsk").click()
    await expect(page.locator("#wizard-step-heading")).to_have_text("Kontroll av regnskapet")
    await expect(page.get_by_role("columnheader", name="Hva det betyr og hvordan det rettes")).to_be_visible()
    await ui.shot("preflight-norsk")
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("button", name="Next", exact=True).click()

    # -- 5 mappings: the suggestions are filled in; accept them
    await step_heading(ui, "Mappings")
    for label in ("Customer group for new customers", "Supplier group for new suppliers",
                  "Product group for stock products", "Service group for products without stock"):
        await expect(page.get_by_label(label)).not_to_have_value("")
    await expect(page.locator("#map-service_group option:checked")).to_contain_text("Tjenester")
    # every select offers all of Rackbeat's choices (mappingChoices), not only the suggested one: each product
    # select lists both product groups, with the suggestion selected
    for select in ("#map-product_group", "#map-service_group"):
        await expect(page.locator(f"{select} option")).to_have_text(
            ["— not mapped —", re.compile(r"^Lagervarer \(\d+\) — holds stock$"),
             re.compile(r"^Tjenester \(\d+\) — no stock$")])
    await expect(page.locator("#map-product_group option:checked")).to_contain_text("Lagervarer")
    await ui.shot("mappings")
    await page.get_by_role("button", name="Save the mappings").click()

    # -- 6 the preview: counts per entity, samples, conflicts
    await step_heading(ui, "Initial sync preview")
    counts = page.get_by_test_id("preview-counts")
    await expect(counts.locator("tr[data-entity=customers]")).to_contain_text("24")
    await expect(counts.locator("tr[data-entity=suppliers]")).to_contain_text("6")
    await expect(counts.locator("tr[data-entity=products]")).to_contain_text("30")
    await expect(page.get_by_role("heading", name=re.compile(r"^Conflicts \(\d+\)$"))).to_be_visible()
    await ui.shot("preview")
    await page.get_by_role("button", name="Next: run it").click()

    # -- 7 run: said to be once-only before the start; then the bars move live up to 100 %
    await step_heading(ui, "Run the initial sync")
    await expect(page.get_by_test_id("once-only")).to_contain_text("runs only once")
    await ui.shot("run-before-start")
    await page.evaluate("window.__sameDocument = true")
    await page.get_by_role("button", name="Start the initial sync").click()
    await expect(page.get_by_role("button", name="Yes, start it now")).to_be_focused()
    # every value the overall bar shows, as the page renders it
    await page.evaluate("""() => {
        window.__seen = [];
        const watch = () => {
          const bar = document.querySelector('.bar-row[data-entity=overall] [role=progressbar]');
          if (bar) window.__seen.push(Number(bar.getAttribute('aria-valuenow')));
        };
        new MutationObserver(watch).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                            attributeFilter: ['aria-valuenow']});
      }""")
    await page.get_by_role("button", name="Yes, start it now").click()
    overall = page.get_by_role("progressbar", name="All together")
    await expect(overall).to_be_visible()
    await expect(page.get_by_role("button", name="Start the initial sync")).to_have_count(0)
    await expect(overall).to_have_attribute("aria-valuenow", "100", timeout=90_000)
    for entity in ("Customers", "Suppliers", "Products"):
        await expect(page.get_by_role("progressbar", name=entity, exact=True)).to_have_attribute("aria-valuenow", "100")
    await expect(page.get_by_test_id("sync-status")).to_have_attribute("data-status", "SUCCEEDED")
    seen = await page.evaluate("window.__seen")
    assert seen and seen[-1] == 100 and min(seen) < 100, seen  # it moved, it was not just drawn finished
    await ui.shot("run-finished")
    await page.get_by_role("button", name="Next", exact=True).click()

    # -- 8 operating settings: the integration's settings form
    await step_heading(ui, "Operating settings")
    await page.get_by_label("Booked invoice", exact=True).check()
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_test_id("settings-saved")).to_contain_text("Settings saved at")
    await ui.shot("settings")
    await page.get_by_role("button", name="Next", exact=True).click()

    # -- 9 done: finishing sends the e-mail with the settings link, and says to whom
    await step_heading(ui, "Done")
    await page.get_by_role("button", name="Finish onboarding and send the e-mail").click()
    await expect(page.get_by_test_id("finish-result")).to_contain_text(
        "The e-mail with the settings link was sent to kari@fjellsport.example.")
    await expect(steps_nav.locator("li.is-done")).to_have_count(8)
    await ui.shot("done")
    emails = (await stack.gql(EMAILS, {"id": integration_id}))["sentEmails"]
    assert [e["to"] for e in emails] == ["kari@fjellsport.example"] and emails[0]["purpose"] == "settings_link"
    token = LINK_TOKEN.search(emails[0]["textBody"]).group(1)  # type: ignore[union-attr]

    # -- the live log: an invoice booked in Rackbeat arrives and succeeds without a reload
    await page.get_by_role("link", name="Open the transfer log").click()
    await expect(page.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
    await expect(page.locator(".live")).to_have_attribute("data-live", "live")
    await page.wait_for_timeout(500)  # the subscription takes effect on the server just after the socket is up
    setup = Setup(integration_id, rackbeat, tripletex)
    number = await book_invoice(stack, setup)
    row = page.locator(".vbody [role=row]").filter(
        has=page.get_by_role("button", name=f"Open invoice {number}", exact=True))
    await expect(row).to_have_attribute("data-status", "SUCCEEDED", timeout=30_000)
    await ui.shot("log-invoice-succeeded")
    assert await page.evaluate("window.__sameDocument === true")
    assert (await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED",)))["mode"] == "INVOICE"

    # -- the customer opens the settings link in a fresh browser: that one company, nothing else
    context = await browser.new_context(viewport=WIZARD_SIZE, locale="en-GB")
    try:
        customer = await context.new_page()
        errors: list[str] = []
        customer.on("pageerror", lambda exc: errors.append(str(exc)))
        await customer.goto(f"{stack.base_url}/#/settings-link?token={token}")
        await expect(customer.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
        await expect(customer).to_have_url(re.compile(r"#/settings-link$"))  # the token left the address bar
        await expect(customer.get_by_role("navigation", name="Main")).to_have_count(0)
        await expect(customer.get_by_role("button", name="Sign out")).to_have_count(0)
        await expect(customer.get_by_label("Booked invoice", exact=True)).to_be_checked()
        customer_link = UI(page=customer, base_url=stack.base_url, prefix=ui.prefix, shots=ui.shots)
        await customer_link.shot("settings-link")
        await customer.get_by_label("Editable sales order", exact=True).check()
        await customer.get_by_role("button", name="Save settings").click()
        await expect(customer.get_by_test_id("settings-saved")).to_contain_text("Settings saved at")
        settings = await stack.gql("query($id: ID!) { integration(id: $id) { settings { invoiceTransferMode } } }",
                                   {"id": integration_id})
        assert settings["integration"]["settings"]["invoiceTransferMode"] == "ORDER"
        # a reload keeps working (the token stays in this tab), an altered link is refused plainly
        await customer.reload()
        await expect(customer.get_by_role("heading", name="Fjellsport AS", level=1)).to_be_visible()
        await customer.goto(f"{stack.base_url}/#/settings-link?token={token[:-3]}abc")
        await expect(customer.get_by_role("heading", name="This settings link does not work", level=1)).to_be_visible()
        await expect(customer.get_by_role("alert")).to_contain_text("expired, was revoked, or is incomplete")
        await customer_link.shot("settings-link-altered")
        assert not errors, errors
    finally:
        await context.close()
    ui.assert_clean()
