"""Errors the services raise; the GraphQL layer turns each into a typed error (``extensions.code``)."""

from __future__ import annotations


class ServiceError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, str]:
        """Read by graphql-core: becomes the GraphQL error's ``extensions``."""
        out = {"code": self.code}
        if self.field:
            out["field"] = self.field
        return out


class NotFound(ServiceError):
    code = "NOT_FOUND"


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"


class InvalidInput(ServiceError):
    code = "INVALID_INPUT"


class Conflict(ServiceError):
    code = "CONFLICT"


class ExternalSystemError(ServiceError):
    """An external system could not answer what was asked (and retrying will not change that)."""

    code = "EXTERNAL_SYSTEM_ERROR"
