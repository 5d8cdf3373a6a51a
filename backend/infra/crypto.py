"""Encryption of credentials at rest (Fernet, key derived from BOKBRO_SECRET_KEY) and token hashing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        if not secret_key or len(secret_key) < 16:
            raise ValueError("BOKBRO_SECRET_KEY must be set to at least 16 characters")
        digest = hashlib.sha256(("bokbro-credentials:" + secret_key).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._sign_key = hashlib.sha256(("bokbro-signing:" + secret_key).encode()).digest()

    def encrypt(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def decrypt(self, token: str) -> Any:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("stored credentials cannot be decrypted with the current BOKBRO_SECRET_KEY") from exc

    def sign(self, message: str) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._sign_key, message.encode(), hashlib.sha256).digest()).decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "bb") -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def generate_secret_key() -> str:
    return secrets.token_urlsafe(48)
