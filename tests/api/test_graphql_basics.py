"""GraphQL over real HTTP: authentication, typed errors, tenant isolation, limits, the committed schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.api.graphql_schema import schema
from tests.support.backends import Backend
from tests.support.stack import GraphQLError, Stack, running_stack

START = """mutation($input: StartOnboardingInput!) { startOnboarding(input: $input) { id companyName source target
  status webhookUrl settings { invoiceTransferMode sendInvoiceToCustomer } } }"""


def onboarding(name: str = "Fjord Verktøy AS", **kw: str) -> dict[str, object]:
    data: dict[str, object] = {"companyName": name, "contactPerson": "Ola Nordmann", "email": "ola@fjord.example",
                               "source": "RACKBEAT", "target": "TRIPLETEX"}
    data.update(kw)
    return {"input": data}


@pytest.fixture
async def api(be: Backend) -> AsyncIterator[Stack]:
    async with running_stack(be, sandboxes=False, embedded_worker=False) as s:
        yield s


async def test_requests_without_a_valid_token_are_refused(api: Stack) -> None:
    for token in ("", "wrong-token"):
        r = await api.http.post(f"{api.base_url}/graphql", json={"query": "{ integrations { id } }"},
                                headers={"Authorization": f"Bearer {token}"} if token else {})
        errors = r.json()["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_onboarding_creates_an_integration_with_default_settings(api: Stack) -> None:
    data = await api.gql(START, onboarding())
    integ = data["startOnboarding"]
    assert integ["source"] == "RACKBEAT" and integ["target"] == "TRIPLETEX" and integ["status"] == "ONBOARDING"
    assert integ["settings"] == {"invoiceTransferMode": "INVOICE", "sendInvoiceToCustomer": False}
    assert integ["webhookUrl"].endswith(f"/webhooks/rackbeat/{integ['id']}")
    listed = await api.gql("{ integrations { id companyName } }")
    assert [i["id"] for i in listed["integrations"]] == [integ["id"]]


@pytest.mark.parametrize(
    ("override", "field"),
    [({"email": "not-an-email"}, "email"), ({"companyName": "  "}, "companyName"),
     ({"source": "TRIPLETEX"}, "source"), ({"target": "MYSTORE"}, "target")],
)
async def test_invalid_input_is_a_typed_error_naming_the_field(api: Stack, override: dict[str, str],
                                                               field: str) -> None:
    with pytest.raises(GraphQLError) as err:
        await api.gql(START, onboarding(**override))
    assert err.value.codes == ["INVALID_INPUT"]
    assert err.value.errors[0]["extensions"]["field"] == field
    assert (await api.gql("{ integrations { id } }"))["integrations"] == []


async def test_an_unknown_enum_value_is_refused_before_anything_runs(api: Stack) -> None:
    with pytest.raises(GraphQLError) as err:
        await api.gql(START, onboarding(source="ECONOMIC"))
    assert "ECONOMIC" in err.value.errors[0]["message"]


async def test_a_partner_token_sees_only_its_own_integrations(api: Stack) -> None:
    mine = (await api.gql(START, onboarding("Partner's Kunde AS")))["startOnboarding"]["id"]
    other = (await api.gql(START, onboarding("Someone Else AS")))["startOnboarding"]["id"]
    created = await api.gql(
        "mutation($i: ApiTokenInput!) { createApiToken(input: $i) { token role integrationIds } }",
        {"i": {"name": "partner", "role": "PARTNER", "integrationIds": [mine]}})
    partner = created["createApiToken"]["token"]
    assert created["createApiToken"]["role"] == "PARTNER"
    seen = await api.gql("{ integrations { id } }", token=partner)
    assert [i["id"] for i in seen["integrations"]] == [mine]
    assert (await api.gql("query($id: ID!) { integration(id: $id) { id } }", {"id": other},
                          token=partner))["integration"] is None
    with pytest.raises(GraphQLError) as err:
        await api.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {invoiceTransferMode: ORDER})"
                      " { invoiceTransferMode } }", {"id": other}, token=partner)
    assert err.value.codes == ["NOT_FOUND"]
    with pytest.raises(GraphQLError) as err:
        await api.gql(START, onboarding("Sneaky AS"), token=partner)
    assert err.value.codes == ["FORBIDDEN"]
    # settings of its own integration are its to change
    changed = await api.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {invoiceTransferMode:"
                            " ORDER}) { invoiceTransferMode } }", {"id": mine}, token=partner)
    assert changed["updateSettings"]["invoiceTransferMode"] == "ORDER"


async def test_credentials_are_validated_and_never_returned(api: Stack) -> None:
    integ = (await api.gql(START, onboarding()))["startOnboarding"]["id"]
    save = """mutation($i: ConnectionInput!) { saveConnection(input: $i) { id system status baseUrl } }"""
    with pytest.raises(GraphQLError) as err:
        await api.gql(save, {"i": {"integrationId": integ, "system": "TRIPLETEX",
                                   "credentials": {"consumerToken": "x"}}})
    assert err.value.codes == ["INVALID_INPUT"] and "employeeToken" in err.value.errors[0]["message"]
    with pytest.raises(GraphQLError) as err:
        await api.gql(save, {"i": {"integrationId": integ, "system": "EACCOUNTING",
                                   "credentials": {"clientId": "a", "clientSecret": "b"}}})
    assert err.value.codes == ["INVALID_INPUT"]
    ok = await api.gql(save, {"i": {"integrationId": integ, "system": "RACKBEAT",
                                    "credentials": {"token": "rb-secret-value-123"}}})
    assert ok["saveConnection"]["status"] == "UNTESTED"
    r = await api.http.post(f"{api.base_url}/graphql", headers={"Authorization": f"Bearer {api.token}"},
                            json={"query": "{ integrations { connections { id system status baseUrl } } }"})
    assert "rb-secret-value-123" not in r.text


async def test_transfer_document_validates_the_reference(api: Stack) -> None:
    integ = (await api.gql(START, onboarding()))["startOnboarding"]["id"]
    q = ("mutation($id: ID!, $ref: String!) { transferDocument(integrationId: $id, kind: INVOICE, sourceRef: $ref)"
         " { id } }")
    for ref in ("", "12a"):
        with pytest.raises(GraphQLError) as err:
            await api.gql(q, {"id": integ, "ref": ref})
        assert err.value.codes == ["INVALID_INPUT"]
        assert err.value.errors[0]["extensions"]["field"] == "sourceRef"


async def test_query_depth_and_alias_limits(api: Stack) -> None:
    aliases = " ".join(f"a{i}: integrations {{ id }}" for i in range(40))
    with pytest.raises(GraphQLError):
        await api.gql(f"{{ {aliases} }}")
    deep = "{ integrations { connections { id } settings { integrationId } } }"
    await api.gql(deep)


async def test_transfers_paging_rejects_a_forged_cursor(api: Stack) -> None:
    with pytest.raises(GraphQLError) as err:
        await api.gql('{ transfers(after: "not-a-cursor") { edges { cursor } } }')
    assert err.value.codes == ["INVALID_INPUT"]


async def test_health_endpoints(api: Stack) -> None:
    assert (await api.http.get(f"{api.base_url}/healthz")).json() == {"status": "ok"}
    ready = await api.http.get(f"{api.base_url}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_committed_schema_matches_the_code() -> None:
    committed = Path(__file__).resolve().parents[2] / "schema.graphql"
    assert committed.read_text() == schema.as_str() + "\n", (
        "schema.graphql is out of date: run `bokbro export-schema` (make schema) and commit it")
