"""The Herald class: publishing and the control plane over gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import grpc

from ._errors import HeraldError, from_code, from_rpc
from ._proto.herald.v1 import control_pb2 as control
from ._proto.herald.v1 import control_pb2_grpc
from ._proto.herald.v1 import publish_pb2 as publish
from ._proto.herald.v1 import publish_pb2_grpc
from ._proto.herald.v1 import records_pb2 as records

_SCOPES = {
    "publish": control.SCOPE_PUBLISH,
    "subscribe": control.SCOPE_SUBSCRIBE,
    "admin": control.SCOPE_ADMIN,
}


@dataclass
class Event:
    """An event to publish (CloudEvents 1.0 attributes); empty attributes get the server's defaults.

    ``data`` is sent as is when bytes or str, else encoded as JSON. An ``id`` of your own makes
    a retried publish safe: the same id within the server's idempotency window returns the
    first receipt with ``duplicate=True`` instead of storing a copy.
    """

    type: str
    data: Any = b""
    id: str = ""
    source: str = ""
    subject: str = ""
    time: str = ""
    content_type: str = ""
    key: str = ""
    extensions: Mapping[str, str] = field(default_factory=dict)

    def to_proto(self) -> publish.Event:
        """The wire message."""
        if isinstance(self.data, bytes):
            data = self.data
        elif isinstance(self.data, str):
            data = self.data.encode()
        else:
            data = json.dumps(self.data, separators=(",", ":")).encode()
        return publish.Event(
            id=self.id, type=self.type, source=self.source, subject=self.subject,
            time=self.time, data_content_type=self.content_type, data=data, key=self.key,
            extensions=dict(self.extensions),
        )


@dataclass(frozen=True)
class Receipt:
    """Where Kafka stored an event; ``duplicate`` when the id was published before."""

    id: str
    partition: int
    offset: int
    duplicate: bool

    @classmethod
    def from_proto(cls, r: publish.EventReceipt) -> Receipt:
        return cls(id=r.id, partition=r.partition, offset=r.offset, duplicate=r.duplicate)


@dataclass(frozen=True)
class BatchResult:
    """One event's outcome in a batch: a receipt, or the error it was refused with."""

    receipt: Receipt | None
    error: HeraldError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Created:
    """Something created with a secret shown only once: an API key (``item`` is the
    ``ApiKey``, ``secret`` the key) or a subscription (``Subscription``, ``whsec_...``)."""

    item: Any
    secret: str


def _channel(server: str) -> grpc.Channel:
    """A channel for ``http://host:port`` (plaintext) or ``https://host:port`` (TLS)."""
    url = urlsplit(server if "://" in server else f"http://{server}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in ("http", "https") or not url.hostname or not port:
        raise HeraldError(f"invalid server {server!r}: use e.g. http://127.0.0.1:50051")
    target = f"{url.hostname}:{port}"
    if url.scheme == "https":
        return grpc.secure_channel(target, grpc.ssl_channel_credentials())
    return grpc.insecure_channel(target)


class Herald:
    """A connection to Herald's gRPC API with one API key (a team's key or the root key).

    ``server`` is the gRPC endpoint as ``herald dev`` prints it (``HERALD_SERVER``), e.g.
    ``http://127.0.0.1:50051``; ``timeout`` bounds every call, in seconds. Use it as a context
    manager, or call ``close()``. Errors are HeraldError, with ``retryable`` saying whether to
    try again.
    """

    def __init__(self, server: str, key: str, *, timeout: float = 60.0):
        self._metadata = (("authorization", f"Bearer {key.strip()}"),)
        self._timeout = timeout
        self._channel = _channel(server)
        self._publisher = publish_pb2_grpc.PublisherStub(self._channel)
        self._control = control_pb2_grpc.ControlStub(self._channel)

    def close(self) -> None:
        """Closes the connection."""
        self._channel.close()

    def __enter__(self) -> Herald:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method, request):
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as e:
            raise from_rpc(e) from None

    # --- publishing ---

    def publish(self, team: str, topic: str, event: Event) -> Receipt:
        """Publishes one event; returns once Kafka has stored it."""
        answer = self._call(self._publisher.Publish, publish.PublishRequest(
            team=team, topic=topic, event=event.to_proto()))
        return Receipt.from_proto(answer.receipt)

    def publish_batch(self, team: str, topic: str, events: Iterable[Event]) -> list[BatchResult]:
        """Publishes several events to one topic, one result per event in order.

        Raises HeraldError when the call fails as a whole (nothing stored: an invalid event, a
        bad key); a batch is not a transaction, so otherwise check each result.
        """
        answer = self._call(self._publisher.PublishBatch, publish.PublishBatchRequest(
            team=team, topic=topic, events=[e.to_proto() for e in events]))
        return [
            BatchResult(Receipt.from_proto(r.receipt), None) if r.code == 0
            else BatchResult(None, from_code(r.code, r.error))
            for r in answer.results
        ]

    # --- teams ---

    def create_team(self, name: str, display_name: str = "") -> control.Team:
        """Creates a team (root key only)."""
        return self._call(self._control.CreateTeam,
                          control.CreateTeamRequest(name=name, display_name=display_name))

    def get_team(self, name: str) -> control.Team:
        """One team."""
        return self._call(self._control.GetTeam, control.GetTeamRequest(name=name))

    def list_teams(self) -> list[control.Team]:
        """Every team for the root key, its own for a team key."""
        return list(self._call(self._control.ListTeams, control.ListTeamsRequest()).teams)

    def delete_team(self, name: str) -> None:
        """Deletes a team without topics or subscriptions (root key only)."""
        self._call(self._control.DeleteTeam, control.DeleteTeamRequest(name=name))

    # --- topics ---

    def create_topic(self, team: str, name: str, *, partitions: int = 0,
                     retention_ms: int = 0) -> control.Topic:
        """Creates a topic and its Kafka topic ``<team>.<name>`` (0: the server's defaults)."""
        return self._call(self._control.CreateTopic, control.CreateTopicRequest(
            team=team, name=name, partitions=partitions, retention_ms=retention_ms))

    def list_topics(self, team: str) -> list[control.Topic]:
        """A team's topics."""
        return list(self._call(self._control.ListTopics, control.ListTopicsRequest(team=team)).topics)

    def describe_topic(self, team: str, name: str) -> control.TopicDescription:
        """A topic with its partitions' low and high offsets."""
        return self._call(self._control.DescribeTopic,
                          control.DescribeTopicRequest(team=team, name=name))

    def delete_topic(self, team: str, name: str) -> None:
        """Deletes a topic no subscription uses."""
        self._call(self._control.DeleteTopic, control.DeleteTopicRequest(team=team, name=name))

    # --- API keys ---

    def create_api_key(self, team: str, name: str, scopes: Sequence[str],
                       topics: Sequence[str] = ()) -> Created:
        """Creates an API key with scopes ``publish``, ``subscribe``, ``admin``, optionally
        limited to some topics. The key (``secret``) is returned only this once."""
        unknown = [s for s in scopes if s not in _SCOPES]
        if unknown:
            raise HeraldError(f"unknown scopes {unknown}: use publish, subscribe or admin")
        answer = self._call(self._control.CreateApiKey, control.CreateApiKeyRequest(
            team=team, name=name, scopes=[_SCOPES[s] for s in scopes], topics=list(topics)))
        return Created(answer.key, answer.secret)

    def list_api_keys(self, team: str) -> list[control.ApiKey]:
        """A team's keys (never the keys themselves)."""
        return list(self._call(self._control.ListApiKeys, control.ListApiKeysRequest(team=team)).keys)

    def revoke_api_key(self, team: str, id: str) -> None:
        """Revokes a key by its id."""
        self._call(self._control.RevokeApiKey, control.RevokeApiKeyRequest(team=team, id=id))

    # --- subscriptions ---

    def create_subscription(self, team: str, topics: Sequence[str], url: str, *,
                            event_types: Sequence[str] = (), headers: Mapping[str, str] | None = None,
                            rate_limit: int = 0, max_in_flight: int = 0, ordering: str = "",
                            on_dead_letter: str = "", content_mode: str = "") -> Created:
        """Subscribes a webhook URL to topics; the signing secret is returned only this once.

        ``event_types``: exact (``order.created``) or prefix (``order.*``); empty = all.
        ``headers``: sent with every webhook (endpoint credentials belong here).
        ``ordering``: ``unordered`` (default) or ``key``; ``on_dead_letter``: ``skip`` (default)
        or ``hold``; ``content_mode``: ``binary`` (default) or ``structured`` (docs/ordering.md).
        """
        answer = self._call(self._control.CreateSubscription, control.CreateSubscriptionRequest(
            team=team, topics=list(topics), url=url, event_types=list(event_types),
            headers=dict(headers or {}), rate_limit=rate_limit, max_in_flight=max_in_flight,
            ordering=ordering, on_dead_letter=on_dead_letter, content_mode=content_mode))
        return Created(answer.subscription, answer.secret)

    def get_subscription(self, team: str, id: str) -> control.Subscription:
        """One subscription."""
        return self._call(self._control.GetSubscription,
                          control.GetSubscriptionRequest(team=team, id=id))

    def list_subscriptions(self, team: str) -> list[control.Subscription]:
        """A team's subscriptions."""
        return list(self._call(self._control.ListSubscriptions,
                               control.ListSubscriptionsRequest(team=team)).subscriptions)

    def update_subscription(self, team: str, id: str, *, url: str | None = None,
                            topics: Sequence[str] | None = None,
                            event_types: Sequence[str] | None = None,
                            headers: Mapping[str, str] | None = None,
                            rate_limit: int | None = None,
                            max_in_flight: int | None = None,
                            ordering: str | None = None,
                            on_dead_letter: str | None = None,
                            content_mode: str | None = None) -> control.Subscription:
        """Replaces the fields given (an empty list or 0 clears one); the others stay."""
        given = {"url": url, "topics": topics, "event_types": event_types, "headers": headers,
                 "rate_limit": rate_limit, "max_in_flight": max_in_flight, "ordering": ordering,
                 "on_dead_letter": on_dead_letter, "content_mode": content_mode}
        mask = [name for name, value in given.items() if value is not None]
        if not mask:
            raise HeraldError("update_subscription needs at least one field to change")
        request = control.UpdateSubscriptionRequest(
            team=team, id=id, url=url or "", topics=list(topics or ()),
            event_types=list(event_types or ()), headers=dict(headers or {}),
            rate_limit=rate_limit or 0, max_in_flight=max_in_flight or 0,
            ordering=ordering or "", on_dead_letter=on_dead_letter or "",
            content_mode=content_mode or "", update_mask=mask)
        return self._call(self._control.UpdateSubscription, request)

    def pause_subscription(self, team: str, id: str) -> control.Subscription:
        """Stops deliveries; events wait in Kafka until resumed."""
        return self._call(self._control.PauseSubscription,
                          control.PauseSubscriptionRequest(team=team, id=id))

    def resume_subscription(self, team: str, id: str) -> control.Subscription:
        """Resumes a paused or disabled subscription."""
        return self._call(self._control.ResumeSubscription,
                          control.ResumeSubscriptionRequest(team=team, id=id))

    def rotate_secret(self, team: str, id: str, *, overlap_ms: int | None = None) -> Created:
        """Issues a new signing secret (returned only this once). The old ones keep signing for
        ``overlap_ms`` (None: the server's default of 24 hours; 0: they stop at once)."""
        request = control.RotateSecretRequest(team=team, id=id)
        if overlap_ms is not None:
            request.overlap_ms = overlap_ms
        answer = self._call(self._control.RotateSecret, request)
        return Created(answer.subscription, answer.secret)

    def delete_subscription(self, team: str, id: str) -> None:
        """Deletes a subscription."""
        self._call(self._control.DeleteSubscription,
                   control.DeleteSubscriptionRequest(team=team, id=id))

    # --- history and replay ---

    def list_attempts(self, team: str, subscription_id: str, *,
                      limit: int = 0) -> list[records.AttemptRecord]:
        """A subscription's delivery attempts, most recent first (limit 0: the server's 50)."""
        return list(self._call(self._control.ListAttempts, control.ListAttemptsRequest(
            team=team, subscription_id=subscription_id, limit=limit)).attempts)

    def list_dead_letters(self, team: str, subscription_id: str, *, limit: int = 0,
                          since_ms: int = 0, until_ms: int = 0) -> list[records.DeliveryTask]:
        """A subscription's dead letters, most recent first (times in unix ms; 0: no bound)."""
        return list(self._call(self._control.ListDeadLetters, control.ListDeadLettersRequest(
            team=team, subscription_id=subscription_id, limit=limit, since_ms=since_ms,
            until_ms=until_ms)).tasks)

    def replay_dead_letters(self, team: str, subscription_id: str, *, since_ms: int = 0,
                            until_ms: int = 0, limit: int = 0, include_redriven: bool = False,
                            event_ids: Sequence[str] = ()) -> control.ReplayResponse:
        """Sends a subscription's dead letters (all, a time range, or some events) back to
        delivery; already redriven ones only with ``include_redriven``."""
        return self._call(self._control.ReplayDeadLetters, control.ReplayDeadLettersRequest(
            team=team, subscription_id=subscription_id, since_ms=since_ms, until_ms=until_ms,
            limit=limit, include_redriven=include_redriven, event_ids=list(event_ids)))

    def replay_topic(self, team: str, subscription_id: str, topic: str, *,
                     from_offset: int | None = None, from_time_ms: int | None = None,
                     limit: int = 0) -> control.ReplayResponse:
        """Re-delivers a topic to one subscription from an offset or a time (exactly one)."""
        if (from_offset is None) == (from_time_ms is None):
            raise HeraldError("replay_topic needs exactly one of from_offset and from_time_ms")
        request = control.ReplayTopicRequest(team=team, subscription_id=subscription_id,
                                             topic=topic, limit=limit)
        if from_offset is not None:
            request.from_offset = from_offset
        else:
            request.from_time_ms = from_time_ms
        return self._call(self._control.ReplayTopic, request)

    # --- the web console ---

    def who_am_i(self) -> control.WhoAmIResponse:
        """Who the client's key is: its kind, team, scopes and expiry (0: never)."""
        return self._call(self._control.WhoAmI, control.WhoAmIRequest())

    def create_portal_token(self, team: str, *, ttl_ms: int = 0,
                            name: str = "") -> control.CreatePortalTokenResponse:
        """Mints a short-lived portal token for a team (admin); ``token`` is shown only this
        once (ttl_ms 0: one hour; at least one minute, at most 24 hours)."""
        return self._call(self._control.CreatePortalToken, control.CreatePortalTokenRequest(
            team=team, ttl_ms=ttl_ms, name=name))

    def subscription_health(self, team: str, subscription_id: str, *,
                            window_ms: int = 0) -> control.SubscriptionHealth:
        """A subscription's delivery health over a window ending now (0: one hour)."""
        return self._call(self._control.GetSubscriptionHealth,
                          control.GetSubscriptionHealthRequest(
                              team=team, subscription_id=subscription_id, window_ms=window_ms))

    def send_test_event(self, team: str, subscription_id: str, *, event_type: str = "",
                        data_json: str = "") -> str:
        """Sends a test event to one subscription only; returns the new event's id."""
        return self._call(self._control.SendTestEvent, control.SendTestEventRequest(
            team=team, subscription_id=subscription_id, event_type=event_type,
            data_json=data_json)).event_id
