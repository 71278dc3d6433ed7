"""Stripe-shaped API errors.

The official SDK picks its exception class from the HTTP status and the
``error.type`` field (400/404 -> InvalidRequestError, 401 ->
AuthenticationError, 400 + type idempotency_error -> IdempotencyError,
402 -> CardError), so every failure must go through this module to keep that
mapping intact.
"""

from __future__ import annotations

from typing import Any


class StripeAPIError(Exception):
    """An error that is rendered as ``{"error": {...}}`` with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid_request(message: str, *, param: str | None = None, code: str | None = None) -> StripeAPIError:
    return StripeAPIError(400, message, param=param, code=code)


def missing_param(param: str) -> StripeAPIError:
    return StripeAPIError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid_param(param: str, message: str) -> StripeAPIError:
    return StripeAPIError(400, message, code="parameter_invalid", param=param)


def unknown_param(param: str) -> StripeAPIError:
    return StripeAPIError(400, f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def not_found(object_name: str, object_id: str, *, param: str = "id", status: int = 404) -> StripeAPIError:
    # Stripe answers 404 for an unknown id in the path and 400 for an unknown
    # id referenced in the body; both carry code resource_missing.
    return StripeAPIError(
        status,
        f"No such {object_name}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def authentication_error(message: str) -> StripeAPIError:
    # Real Stripe reports 401s with type invalid_request_error; the SDK keys
    # AuthenticationError off the status code alone.
    return StripeAPIError(401, message)


def idempotency_error(message: str) -> StripeAPIError:
    return StripeAPIError(400, message, type="idempotency_error")
