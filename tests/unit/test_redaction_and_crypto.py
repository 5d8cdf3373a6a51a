from __future__ import annotations

import pytest

from backend.connectors.base import REDACTED, redact, redact_headers, redact_url
from backend.infra.crypto import SecretBox, hash_token


def test_secrets_are_redacted_deeply() -> None:
    body = {"consumerToken": "c-123", "nested": [{"employee_token": "e-456", "name": "ok"}],
            "access_token": "a", "refresh_token": "r", "value": {"token": "s"}}
    red = redact(body)
    assert red["consumerToken"] == REDACTED and red["nested"][0]["employee_token"] == REDACTED
    assert red["nested"][0]["name"] == "ok" and red["value"]["token"] == REDACTED
    assert redact_headers({"Authorization": "Basic xyz", "Accept": "json"}) == {"Authorization": REDACTED,
                                                                                 "Accept": "json"}
    url = redact_url("https://x/v2/token/session/:create?consumerToken=abc&employeeToken=def&expirationDate=2026")
    assert "abc" not in url and "def" not in url and "expirationDate=2026" in url


def test_credentials_round_trip_and_do_not_open_with_another_key() -> None:
    box = SecretBox("a" * 32)
    sealed = box.encrypt({"token": "secret"})
    assert "secret" not in sealed
    assert box.decrypt(sealed) == {"token": "secret"}
    with pytest.raises(ValueError):
        SecretBox("b" * 32).decrypt(sealed)
    with pytest.raises(ValueError):
        SecretBox("short")
    assert hash_token("x") != "x" and len(hash_token("x")) == 64
