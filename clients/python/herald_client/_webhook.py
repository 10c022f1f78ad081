"""Verifying the webhooks Herald sends, with the Standard Webhooks reference library."""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError, WebhookVerificationError

from ._errors import WebhookError


@dataclass(frozen=True)
class VerifiedWebhook:
    """A webhook whose signature matched."""

    #: The webhook-id (the event id): deliveries are at least once, so deduplicate on it.
    id: str
    #: The webhook-timestamp (unix seconds) the delivery was signed at.
    timestamp: int


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes | str) -> VerifiedWebhook:
    """Verifies a delivery against the subscription's signing secret (``whsec_...``).

    ``headers`` are the request headers (any case), ``body`` the raw body exactly as received,
    before any parsing. Raises WebhookError when the delivery must be refused.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        Webhook(secret.strip()).verify(body, lowered, json_parse=False)
    # The library raises ValueError or binascii.Error, not its own error, for a malformed
    # secret or signature header; all of them mean "refuse the delivery".
    except (WebhookVerificationError, EmptyWebhookSecretError, ValueError, binascii.Error) as e:
        raise WebhookError(f"webhook not verified: {e or type(e).__name__}") from e
    return VerifiedWebhook(id=lowered["webhook-id"], timestamp=int(lowered["webhook-timestamp"]))
