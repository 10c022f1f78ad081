from herald_client._proto.herald.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Scope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCOPE_UNSPECIFIED: _ClassVar[Scope]
    SCOPE_PUBLISH: _ClassVar[Scope]
    SCOPE_SUBSCRIBE: _ClassVar[Scope]
    SCOPE_ADMIN: _ClassVar[Scope]

class SubscriptionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATE_UNSPECIFIED: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_ACTIVE: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_PAUSED: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_DISABLED: _ClassVar[SubscriptionState]

class PrincipalKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRINCIPAL_KIND_UNSPECIFIED: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_ROOT: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_INTERNAL: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_KEY: _ClassVar[PrincipalKind]

class SchemaPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEMA_POLICY_OFF: _ClassVar[SchemaPolicy]
    SCHEMA_POLICY_ENFORCE: _ClassVar[SchemaPolicy]
    SCHEMA_POLICY_COUNT: _ClassVar[SchemaPolicy]
SCOPE_UNSPECIFIED: Scope
SCOPE_PUBLISH: Scope
SCOPE_SUBSCRIBE: Scope
SCOPE_ADMIN: Scope
SUBSCRIPTION_STATE_UNSPECIFIED: SubscriptionState
SUBSCRIPTION_STATE_ACTIVE: SubscriptionState
SUBSCRIPTION_STATE_PAUSED: SubscriptionState
SUBSCRIPTION_STATE_DISABLED: SubscriptionState
PRINCIPAL_KIND_UNSPECIFIED: PrincipalKind
PRINCIPAL_KIND_ROOT: PrincipalKind
PRINCIPAL_KIND_INTERNAL: PrincipalKind
PRINCIPAL_KIND_KEY: PrincipalKind
SCHEMA_POLICY_OFF: SchemaPolicy
SCHEMA_POLICY_ENFORCE: SchemaPolicy
SCHEMA_POLICY_COUNT: SchemaPolicy

class Team(_message.Message):
    __slots__ = ("name", "display_name", "created_at_ms")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    created_at_ms: int
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class CreateTeamRequest(_message.Message):
    __slots__ = ("name", "display_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class GetTeamRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListTeamsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTeamsResponse(_message.Message):
    __slots__ = ("teams",)
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ...) -> None: ...

class DeleteTeamRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteTeamResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Topic(_message.Message):
    __slots__ = ("team", "name", "partitions", "retention_ms", "created_at_ms", "kafka_topic", "schema_policy")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_MS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    KAFKA_TOPIC_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_POLICY_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    partitions: int
    retention_ms: int
    created_at_ms: int
    kafka_topic: str
    schema_policy: SchemaPolicy
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., partitions: _Optional[int] = ..., retention_ms: _Optional[int] = ..., created_at_ms: _Optional[int] = ..., kafka_topic: _Optional[str] = ..., schema_policy: _Optional[_Union[SchemaPolicy, str]] = ...) -> None: ...

class CreateTopicRequest(_message.Message):
    __slots__ = ("team", "name", "partitions", "retention_ms", "schema_policy")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_MS_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_POLICY_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    partitions: int
    retention_ms: int
    schema_policy: SchemaPolicy
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., partitions: _Optional[int] = ..., retention_ms: _Optional[int] = ..., schema_policy: _Optional[_Union[SchemaPolicy, str]] = ...) -> None: ...

class ListTopicsRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: str
    def __init__(self, team: _Optional[str] = ...) -> None: ...

class ListTopicsResponse(_message.Message):
    __slots__ = ("topics",)
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    topics: _containers.RepeatedCompositeFieldContainer[Topic]
    def __init__(self, topics: _Optional[_Iterable[_Union[Topic, _Mapping]]] = ...) -> None: ...

class DescribeTopicRequest(_message.Message):
    __slots__ = ("team", "name")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class PartitionInfo(_message.Message):
    __slots__ = ("partition", "low_offset", "high_offset", "committed_offset", "lag")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    LOW_OFFSET_FIELD_NUMBER: _ClassVar[int]
    HIGH_OFFSET_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_OFFSET_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    partition: int
    low_offset: int
    high_offset: int
    committed_offset: int
    lag: int
    def __init__(self, partition: _Optional[int] = ..., low_offset: _Optional[int] = ..., high_offset: _Optional[int] = ..., committed_offset: _Optional[int] = ..., lag: _Optional[int] = ...) -> None: ...

class TopicDescription(_message.Message):
    __slots__ = ("topic", "partitions")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    topic: Topic
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionInfo]
    def __init__(self, topic: _Optional[_Union[Topic, _Mapping]] = ..., partitions: _Optional[_Iterable[_Union[PartitionInfo, _Mapping]]] = ...) -> None: ...

class DeleteTopicRequest(_message.Message):
    __slots__ = ("team", "name")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteTopicResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("id", "team", "name", "scopes", "topics", "created_at_ms", "key_hash", "expires_at_ms", "portal")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    PORTAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    team: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[Scope]
    topics: _containers.RepeatedScalarFieldContainer[str]
    created_at_ms: int
    key_hash: str
    expires_at_ms: int
    portal: bool
    def __init__(self, id: _Optional[str] = ..., team: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[Scope, str]]] = ..., topics: _Optional[_Iterable[str]] = ..., created_at_ms: _Optional[int] = ..., key_hash: _Optional[str] = ..., expires_at_ms: _Optional[int] = ..., portal: _Optional[bool] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("team", "name", "scopes", "topics")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[Scope]
    topics: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[Scope, str]]] = ..., topics: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("key", "secret")
    KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    key: ApiKey
    secret: str
    def __init__(self, key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: str
    def __init__(self, team: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Grant(_message.Message):
    __slots__ = ("id", "team", "topic", "grantee", "created_at_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    team: str
    topic: str
    grantee: str
    created_at_ms: int
    def __init__(self, id: _Optional[str] = ..., team: _Optional[str] = ..., topic: _Optional[str] = ..., grantee: _Optional[str] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class CreateGrantRequest(_message.Message):
    __slots__ = ("team", "topic", "grantee")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    team: str
    topic: str
    grantee: str
    def __init__(self, team: _Optional[str] = ..., topic: _Optional[str] = ..., grantee: _Optional[str] = ...) -> None: ...

class ListGrantsRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: str
    def __init__(self, team: _Optional[str] = ...) -> None: ...

class ListGrantsResponse(_message.Message):
    __slots__ = ("grants",)
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class RevokeGrantRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class RevokeGrantResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigningSecret(_message.Message):
    __slots__ = ("secret", "expires_at_ms")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    secret: str
    expires_at_ms: int
    def __init__(self, secret: _Optional[str] = ..., expires_at_ms: _Optional[int] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "team", "topics", "url", "event_types", "headers", "rate_limit", "max_in_flight", "state", "disabled_reason", "created_at_ms", "updated_at_ms", "secrets", "description", "ordering", "on_dead_letter", "content_mode", "filter")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    ON_DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MODE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    id: str
    team: str
    topics: _containers.RepeatedScalarFieldContainer[str]
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    headers: _containers.ScalarMap[str, str]
    rate_limit: int
    max_in_flight: int
    state: SubscriptionState
    disabled_reason: str
    created_at_ms: int
    updated_at_ms: int
    secrets: _containers.RepeatedCompositeFieldContainer[SigningSecret]
    description: str
    ordering: str
    on_dead_letter: str
    content_mode: str
    filter: str
    def __init__(self, id: _Optional[str] = ..., team: _Optional[str] = ..., topics: _Optional[_Iterable[str]] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., headers: _Optional[_Mapping[str, str]] = ..., rate_limit: _Optional[int] = ..., max_in_flight: _Optional[int] = ..., state: _Optional[_Union[SubscriptionState, str]] = ..., disabled_reason: _Optional[str] = ..., created_at_ms: _Optional[int] = ..., updated_at_ms: _Optional[int] = ..., secrets: _Optional[_Iterable[_Union[SigningSecret, _Mapping]]] = ..., description: _Optional[str] = ..., ordering: _Optional[str] = ..., on_dead_letter: _Optional[str] = ..., content_mode: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("team", "topics", "url", "event_types", "headers", "rate_limit", "max_in_flight", "secret", "description", "verify_endpoint", "ordering", "on_dead_letter", "content_mode", "filter")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERIFY_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    ON_DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MODE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    team: str
    topics: _containers.RepeatedScalarFieldContainer[str]
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    headers: _containers.ScalarMap[str, str]
    rate_limit: int
    max_in_flight: int
    secret: str
    description: str
    verify_endpoint: bool
    ordering: str
    on_dead_letter: str
    content_mode: str
    filter: str
    def __init__(self, team: _Optional[str] = ..., topics: _Optional[_Iterable[str]] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., headers: _Optional[_Mapping[str, str]] = ..., rate_limit: _Optional[int] = ..., max_in_flight: _Optional[int] = ..., secret: _Optional[str] = ..., description: _Optional[str] = ..., verify_endpoint: _Optional[bool] = ..., ordering: _Optional[str] = ..., on_dead_letter: _Optional[str] = ..., content_mode: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: str
    def __init__(self, team: _Optional[str] = ...) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ...) -> None: ...

class UpdateSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id", "event_types", "headers", "rate_limit", "max_in_flight", "url", "update_mask", "topics", "description", "verify_endpoint", "ordering", "on_dead_letter", "content_mode", "filter")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERIFY_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    ON_DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MODE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    headers: _containers.ScalarMap[str, str]
    rate_limit: int
    max_in_flight: int
    url: str
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    topics: _containers.RepeatedScalarFieldContainer[str]
    description: str
    verify_endpoint: bool
    ordering: str
    on_dead_letter: str
    content_mode: str
    filter: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., headers: _Optional[_Mapping[str, str]] = ..., rate_limit: _Optional[int] = ..., max_in_flight: _Optional[int] = ..., url: _Optional[str] = ..., update_mask: _Optional[_Iterable[str]] = ..., topics: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ..., verify_endpoint: _Optional[bool] = ..., ordering: _Optional[str] = ..., on_dead_letter: _Optional[str] = ..., content_mode: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class PauseSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class ResumeSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class DisableSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id", "reason")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    reason: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RotateSecretRequest(_message.Message):
    __slots__ = ("team", "id", "overlap_ms")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_MS_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    overlap_ms: int
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ..., overlap_ms: _Optional[int] = ...) -> None: ...

class RotateSecretResponse(_message.Message):
    __slots__ = ("subscription", "secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class DeleteSubscriptionRequest(_message.Message):
    __slots__ = ("team", "id")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    team: str
    id: str
    def __init__(self, team: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class DeleteSubscriptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Entity(_message.Message):
    __slots__ = ("team", "topic", "api_key", "grant", "subscription", "event_type")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    GRANT_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    team: Team
    topic: Topic
    api_key: ApiKey
    grant: Grant
    subscription: Subscription
    event_type: EventType
    def __init__(self, team: _Optional[_Union[Team, _Mapping]] = ..., topic: _Optional[_Union[Topic, _Mapping]] = ..., api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., grant: _Optional[_Union[Grant, _Mapping]] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ..., event_type: _Optional[_Union[EventType, _Mapping]] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("revision", "snapshot", "upsert", "deleted")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    revision: int
    snapshot: Snapshot
    upsert: Entity
    deleted: str
    def __init__(self, revision: _Optional[int] = ..., snapshot: _Optional[_Union[Snapshot, _Mapping]] = ..., upsert: _Optional[_Union[Entity, _Mapping]] = ..., deleted: _Optional[str] = ...) -> None: ...

class Snapshot(_message.Message):
    __slots__ = ("entities",)
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    def __init__(self, entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ...) -> None: ...

class ListAttemptsRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "limit", "outcome", "event_id", "page_token")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    limit: int
    outcome: _records_pb2.AttemptOutcome
    event_id: str
    page_token: str
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., limit: _Optional[int] = ..., outcome: _Optional[_Union[_records_pb2.AttemptOutcome, str]] = ..., event_id: _Optional[str] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAttemptsResponse(_message.Message):
    __slots__ = ("attempts", "truncated", "next_page_token")
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    attempts: _containers.RepeatedCompositeFieldContainer[_records_pb2.AttemptRecord]
    truncated: bool
    next_page_token: str
    def __init__(self, attempts: _Optional[_Iterable[_Union[_records_pb2.AttemptRecord, _Mapping]]] = ..., truncated: _Optional[bool] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "limit", "since_ms", "until_ms", "page_token")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    limit: int
    since_ms: int
    until_ms: int
    page_token: str
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., limit: _Optional[int] = ..., since_ms: _Optional[int] = ..., until_ms: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("tasks", "truncated", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_records_pb2.DeliveryTask]
    truncated: bool
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[_records_pb2.DeliveryTask, _Mapping]]] = ..., truncated: _Optional[bool] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReplayDeadLettersRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "since_ms", "until_ms", "limit", "include_redriven", "event_ids")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REDRIVEN_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    since_ms: int
    until_ms: int
    limit: int
    include_redriven: bool
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., since_ms: _Optional[int] = ..., until_ms: _Optional[int] = ..., limit: _Optional[int] = ..., include_redriven: _Optional[bool] = ..., event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ReplayTopicRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "topic", "from_offset", "from_time_ms", "limit")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    FROM_OFFSET_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    topic: str
    from_offset: int
    from_time_ms: int
    limit: int
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., topic: _Optional[str] = ..., from_offset: _Optional[int] = ..., from_time_ms: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ReplayResponse(_message.Message):
    __slots__ = ("replayed", "scanned", "truncated")
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    replayed: int
    scanned: int
    truncated: bool
    def __init__(self, replayed: _Optional[int] = ..., scanned: _Optional[int] = ..., truncated: _Optional[bool] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("principal", "team", "key_id", "name", "scopes", "topics", "expires_at_ms", "portal")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    PORTAL_FIELD_NUMBER: _ClassVar[int]
    principal: PrincipalKind
    team: str
    key_id: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[Scope]
    topics: _containers.RepeatedScalarFieldContainer[str]
    expires_at_ms: int
    portal: bool
    def __init__(self, principal: _Optional[_Union[PrincipalKind, str]] = ..., team: _Optional[str] = ..., key_id: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[Scope, str]]] = ..., topics: _Optional[_Iterable[str]] = ..., expires_at_ms: _Optional[int] = ..., portal: _Optional[bool] = ...) -> None: ...

class CreatePortalTokenRequest(_message.Message):
    __slots__ = ("team", "ttl_ms", "name")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    team: str
    ttl_ms: int
    name: str
    def __init__(self, team: _Optional[str] = ..., ttl_ms: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class CreatePortalTokenResponse(_message.Message):
    __slots__ = ("token", "key", "expires_at_ms", "console_path")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    CONSOLE_PATH_FIELD_NUMBER: _ClassVar[int]
    token: str
    key: ApiKey
    expires_at_ms: int
    console_path: str
    def __init__(self, token: _Optional[str] = ..., key: _Optional[_Union[ApiKey, _Mapping]] = ..., expires_at_ms: _Optional[int] = ..., console_path: _Optional[str] = ...) -> None: ...

class GetSubscriptionHealthRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "window_ms")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    window_ms: int
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., window_ms: _Optional[int] = ...) -> None: ...

class HealthBucket(_message.Message):
    __slots__ = ("start_ms", "succeeded", "failed", "latency_p50_ms")
    START_MS_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    start_ms: int
    succeeded: int
    failed: int
    latency_p50_ms: int
    def __init__(self, start_ms: _Optional[int] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ..., latency_p50_ms: _Optional[int] = ...) -> None: ...

class SubscriptionHealth(_message.Message):
    __slots__ = ("window_ms", "since_ms", "attempts", "succeeded", "failed", "short_circuited", "success_rate", "latency_p50_ms", "latency_p99_ms", "circuit_open", "circuit_since_ms", "last_errors", "buckets", "truncated")
    WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    SHORT_CIRCUITED_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_OPEN_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERRORS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    window_ms: int
    since_ms: int
    attempts: int
    succeeded: int
    failed: int
    short_circuited: int
    success_rate: float
    latency_p50_ms: int
    latency_p99_ms: int
    circuit_open: bool
    circuit_since_ms: int
    last_errors: _containers.RepeatedCompositeFieldContainer[_records_pb2.AttemptRecord]
    buckets: _containers.RepeatedCompositeFieldContainer[HealthBucket]
    truncated: bool
    def __init__(self, window_ms: _Optional[int] = ..., since_ms: _Optional[int] = ..., attempts: _Optional[int] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ..., short_circuited: _Optional[int] = ..., success_rate: _Optional[float] = ..., latency_p50_ms: _Optional[int] = ..., latency_p99_ms: _Optional[int] = ..., circuit_open: _Optional[bool] = ..., circuit_since_ms: _Optional[int] = ..., last_errors: _Optional[_Iterable[_Union[_records_pb2.AttemptRecord, _Mapping]]] = ..., buckets: _Optional[_Iterable[_Union[HealthBucket, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class SendTestEventRequest(_message.Message):
    __slots__ = ("team", "subscription_id", "event_type", "data_json")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    team: str
    subscription_id: str
    event_type: str
    data_json: str
    def __init__(self, team: _Optional[str] = ..., subscription_id: _Optional[str] = ..., event_type: _Optional[str] = ..., data_json: _Optional[str] = ...) -> None: ...

class SendTestEventResponse(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class EncryptedSecret(_message.Message):
    __slots__ = ("nonce", "ciphertext", "expires_at_ms")
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    nonce: bytes
    ciphertext: bytes
    expires_at_ms: int
    def __init__(self, nonce: _Optional[bytes] = ..., ciphertext: _Optional[bytes] = ..., expires_at_ms: _Optional[int] = ...) -> None: ...

class StoredSubscription(_message.Message):
    __slots__ = ("subscription", "secrets", "headers")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secrets: _containers.RepeatedCompositeFieldContainer[EncryptedSecret]
    headers: EncryptedSecret
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secrets: _Optional[_Iterable[_Union[EncryptedSecret, _Mapping]]] = ..., headers: _Optional[_Union[EncryptedSecret, _Mapping]] = ...) -> None: ...

class HeaderValues(_message.Message):
    __slots__ = ("headers",)
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    headers: _containers.ScalarMap[str, str]
    def __init__(self, headers: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ControlRecord(_message.Message):
    __slots__ = ("team", "topic", "api_key", "grant", "subscription", "event_type")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    GRANT_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    team: Team
    topic: Topic
    api_key: ApiKey
    grant: Grant
    subscription: StoredSubscription
    event_type: EventType
    def __init__(self, team: _Optional[_Union[Team, _Mapping]] = ..., topic: _Optional[_Union[Topic, _Mapping]] = ..., api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., grant: _Optional[_Union[Grant, _Mapping]] = ..., subscription: _Optional[_Union[StoredSubscription, _Mapping]] = ..., event_type: _Optional[_Union[EventType, _Mapping]] = ...) -> None: ...

class SetSchemaPolicyRequest(_message.Message):
    __slots__ = ("team", "topic", "schema_policy")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_POLICY_FIELD_NUMBER: _ClassVar[int]
    team: str
    topic: str
    schema_policy: SchemaPolicy
    def __init__(self, team: _Optional[str] = ..., topic: _Optional[str] = ..., schema_policy: _Optional[_Union[SchemaPolicy, str]] = ...) -> None: ...

class EventTypeVersion(_message.Message):
    __slots__ = ("version", "schema", "created_at_ms")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    version: int
    schema: str
    created_at_ms: int
    def __init__(self, version: _Optional[int] = ..., schema: _Optional[str] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class EventType(_message.Message):
    __slots__ = ("team", "name", "description", "versions", "created_at_ms", "updated_at_ms")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    description: str
    versions: _containers.RepeatedCompositeFieldContainer[EventTypeVersion]
    created_at_ms: int
    updated_at_ms: int
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[EventTypeVersion, _Mapping]]] = ..., created_at_ms: _Optional[int] = ..., updated_at_ms: _Optional[int] = ...) -> None: ...

class CreateEventTypeRequest(_message.Message):
    __slots__ = ("team", "name", "description", "schema")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    description: str
    schema: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., schema: _Optional[str] = ...) -> None: ...

class AddEventTypeVersionRequest(_message.Message):
    __slots__ = ("team", "name", "schema")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    schema: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ..., schema: _Optional[str] = ...) -> None: ...

class GetEventTypeRequest(_message.Message):
    __slots__ = ("team", "name")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListEventTypesRequest(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: str
    def __init__(self, team: _Optional[str] = ...) -> None: ...

class ListEventTypesResponse(_message.Message):
    __slots__ = ("event_types",)
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    event_types: _containers.RepeatedCompositeFieldContainer[EventType]
    def __init__(self, event_types: _Optional[_Iterable[_Union[EventType, _Mapping]]] = ...) -> None: ...

class DeleteEventTypeRequest(_message.Message):
    __slots__ = ("team", "name")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    team: str
    name: str
    def __init__(self, team: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteEventTypeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
