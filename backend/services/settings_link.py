"""Signed, expiring settings links: a bearer credential that opens one integration's settings and nothing else.

A link token is ``bbl1.<payload>.<signature>``: the payload is base64url JSON ``{"i": integration id, "p": purpose,
"v": the integration's link version, "n": nonce, "e": expiry (unix seconds)}``; the signature is HMAC-SHA256 over
``bbl1.<payload>`` with a key derived from ``BOKBRO_SECRET_KEY`` for this purpose only (so it can sign nothing else
bokbro signs). Raising the integration's version (``settings_link_state.version``) revokes every earlier link.

The link the customer gets is ``{BOKBRO_PUBLIC_URL}/#/settings-link?token=<token>``: the admin app is served at ``/``
with hash routes, and a fragment never reaches a server (nor its access log).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.services.errors import Unauthenticated

PREFIX = "bbl1"
PURPOSE = "settings"


@dataclass(frozen=True)
class LinkClaims:
    integration_id: str
    purpose: str
    version: int
    nonce: str
    expires_at: datetime


def looks_like_link(token: str) -> bool:
    return token.startswith(PREFIX + ".")


def _key(secret_key: str) -> bytes:
    if not secret_key:
        raise ValueError("BOKBRO_SECRET_KEY must be set to sign settings links")
    return hashlib.sha256(("bokbro-settings-link:v1:" + secret_key).encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret_key: str, signed: str) -> str:
    return _b64(hmac.new(_key(secret_key), signed.encode(), hashlib.sha256).digest())


def mint(secret_key: str, integration_id: str, version: int, expires_at: datetime,
         purpose: str = PURPOSE) -> tuple[str, LinkClaims]:
    nonce = secrets.token_urlsafe(9)
    claims = LinkClaims(integration_id, purpose, version, nonce, expires_at)
    payload = _b64(json.dumps({"i": integration_id, "p": purpose, "v": version, "n": nonce,
                               "e": int(expires_at.timestamp())}, separators=(",", ":")).encode())
    signed = f"{PREFIX}.{payload}"
    return f"{signed}.{_signature(secret_key, signed)}", claims


def verify(secret_key: str, token: str, purpose: str = PURPOSE, now: datetime | None = None) -> LinkClaims:
    """The claims of a genuine, unexpired link for ``purpose``; else Unauthenticated saying which it is not."""
    invalid = Unauthenticated("this settings link is not valid (it was altered or is incomplete); "
                              "ask for a new one")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise invalid
    if not hmac.compare_digest(_signature(secret_key, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise invalid
    try:
        data = json.loads(_unb64(parts[1]))
        claims = LinkClaims(str(data["i"]), str(data["p"]), int(data["v"]), str(data["n"]),
                            datetime.fromtimestamp(int(data["e"]), UTC))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise invalid from exc
    if claims.purpose != purpose:
        raise invalid
    if claims.expires_at <= (now or datetime.now(UTC)):
        raise Unauthenticated(f"this settings link expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC; "
                              "ask for a new one")
    return claims


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/#/settings-link?token={token}"
