"""Python client for Herald: publish events, manage teams, topics, keys and subscriptions, read
delivery history, replay, and verify the webhooks Herald sends (Standard Webhooks)."""

from ._client import BatchResult, Created, Event, Herald, Receipt
from ._errors import HeraldError, WebhookError
from ._webhook import VerifiedWebhook, verify_webhook

__all__ = [
    "BatchResult", "Created", "Event", "Herald", "HeraldError", "Receipt", "VerifiedWebhook",
    "WebhookError", "verify_webhook",
]
