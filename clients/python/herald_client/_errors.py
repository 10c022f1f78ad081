"""The errors of the Herald client, each saying whether a retry can help."""

from __future__ import annotations

import grpc

# Herald answers RESOURCE_EXHAUSTED for events that are too large, so unlike generic gRPC retry
# policies it is not retried here.
_RETRYABLE = frozenset({
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.CANCELLED,
})


class HeraldError(Exception):
    """A failed call: ``code`` is the gRPC status code (None when the server never answered)."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None):
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def retryable(self) -> bool:
        """Whether repeating the call can succeed (a retried publish with an id is safe)."""
        return self.code in _RETRYABLE

    def __str__(self) -> str:
        return f"{self.message} (grpc status {self.code.name})" if self.code else self.message


class WebhookError(HeraldError):
    """A webhook did not verify: a wrong secret, a tampered body, or a stale timestamp."""


def from_rpc(error: grpc.RpcError) -> HeraldError:
    """The HeraldError for a failed gRPC call."""
    return HeraldError(error.details() or "the call failed", error.code())


def from_code(code: int, message: str) -> HeraldError:
    """The HeraldError for one event of a batch (a google.rpc.Code number)."""
    by_number = {c.value[0]: c for c in grpc.StatusCode}
    return HeraldError(message, by_number.get(code, grpc.StatusCode.UNKNOWN))
