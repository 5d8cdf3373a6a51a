"""Laravel-style validation: collect ``{"field": ["message", ...]}`` and answer 422 with all of them at once."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Invalid(Exception):
    """A 422: the request's data broke a validation or business rule."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def label(field: str) -> str:
    """How Laravel names an attribute in its messages: ``company_name`` → ``company name``."""
    return field if "." in field else field.replace("_", " ")


class Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def has(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    # -- typed readers: return the coerced value, or None (and record an error when one is due) -------------
    def string(self, body: dict[str, Any], field: str, *, required: bool = False, max_len: int = 255,
               path: str | None = None) -> str | None:
        name = path or field
        value = body.get(field)
        if value is None or value == "":
            if required:
                self.add(name, f"The {label(name)} field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(name, f"The {label(name)} must be a string.")
            return None
        text = str(value)
        if len(text) > max_len:
            self.add(name, f"The {label(name)} must not be greater than {max_len} characters.")
            return None
        return text

    def email(self, body: dict[str, Any], field: str) -> str | None:
        text = self.string(body, field)
        if text is not None and not _EMAIL.match(text):
            self.add(field, f"The {label(field)} must be a valid email address.")
            return None
        return text

    def url(self, body: dict[str, Any], field: str, *, required: bool = False) -> str | None:
        text = self.string(body, field, required=required, max_len=2000)
        if text is not None and not _URL.match(text):
            self.add(field, f"The {label(field)} format is invalid.")
            return None
        return text

    def integer(self, body: dict[str, Any], field: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, path: str | None = None) -> int | None:
        name = path or field
        value = body.get(field)
        if value is None or value == "":
            if required:
                self.add(name, f"The {label(name)} field is required.")
            return None
        number = as_int(value)
        if number is None:
            self.add(name, f"The {label(name)} must be an integer.")
            return None
        if minimum is not None and number < minimum:
            self.add(name, f"The {label(name)} must be at least {minimum}.")
            return None
        if maximum is not None and number > maximum:
            self.add(name, f"The {label(name)} must not be greater than {maximum}.")
            return None
        return number

    def decimal(self, body: dict[str, Any], field: str, *, required: bool = False,
                minimum: Decimal | None = None, maximum: Decimal | None = None,
                path: str | None = None) -> Decimal | None:
        name = path or field
        value = body.get(field)
        if value is None or value == "":
            if required:
                self.add(name, f"The {label(name)} field is required.")
            return None
        number = as_decimal(value)
        if number is None:
            self.add(name, f"The {label(name)} must be a number.")
            return None
        if minimum is not None and number < minimum:
            self.add(name, f"The {label(name)} must be at least {minimum}.")
            return None
        if maximum is not None and number > maximum:
            self.add(name, f"The {label(name)} must not be greater than {maximum}.")
            return None
        return number

    def boolean(self, body: dict[str, Any], field: str, *, required: bool = False) -> bool | None:
        value = body.get(field)
        if value is None:
            if required:
                self.add(field, f"The {label(field)} field is required.")
            return None
        parsed = as_bool(value)
        if parsed is None:
            self.add(field, f"The {label(field)} field must be true or false.")
        return parsed

    def date(self, body: dict[str, Any], field: str) -> date | None:
        value = body.get(field)
        if value is None or value == "":
            return None
        try:
            return date.fromisoformat(str(value)[:10]) if len(str(value)) >= 10 else date.fromisoformat(str(value))
        except ValueError:
            self.add(field, f"The {label(field)} is not a valid date.")
            return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


def as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
    return None
