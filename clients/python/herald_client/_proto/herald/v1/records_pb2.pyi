from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttemptOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTEMPT_OUTCOME_UNSPECIFIED: _ClassVar[AttemptOutcome]
    ATTEMPT_OUTCOME_SUCCEEDED: _ClassVar[AttemptOutcome]
    ATTEMPT_OUTCOME_RETRYING: _ClassVar[AttemptOutcome]
    ATTEMPT_OUTCOME_DEAD_LETTERED: _ClassVar[AttemptOutcome]
    ATTEMPT_OUTCOME_DISABLED: _ClassVar[AttemptOutcome]
    ATTEMPT_OUTCOME_SHORT_CIRCUITED: _ClassVar[AttemptOutcome]
ATTEMPT_OUTCOME_UNSPECIFIED: AttemptOutcome
ATTEMPT_OUTCOME_SUCCEEDED: AttemptOutcome
ATTEMPT_OUTCOME_RETRYING: AttemptOutcome
ATTEMPT_OUTCOME_DEAD_LETTERED: AttemptOutcome
ATTEMPT_OUTCOME_DISABLED: AttemptOutcome
ATTEMPT_OUTCOME_SHORT_CIRCUITED: AttemptOutcome

class RecordHeader(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: bytes
    def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...

class DeliveryTask(_message.Message):
    __slots__ = ("subscription_id", "team", "source_topic", "source_partition", "source_offset", "event_id", "event_type", "headers", "data", "attempt", "due_at_ms", "tier", "last_status", "last_error", "first_attempt_at_ms", "dead_lettered_at_ms", "dead_letter_reason", "replay", "dlq_partition", "dlq_offset", "redriven_at_ms", "key", "previous_offset")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TOPIC_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PARTITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_MS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    FIRST_ATTEMPT_AT_MS_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTER_REASON_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    DLQ_PARTITION_FIELD_NUMBER: _ClassVar[int]
    DLQ_OFFSET_FIELD_NUMBER: _ClassVar[int]
    REDRIVEN_AT_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_OFFSET_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    team: str
    source_topic: str
    source_partition: int
    source_offset: int
    event_id: str
    event_type: str
    headers: _containers.RepeatedCompositeFieldContainer[RecordHeader]
    data: bytes
    attempt: int
    due_at_ms: int
    tier: str
    last_status: int
    last_error: str
    first_attempt_at_ms: int
    dead_lettered_at_ms: int
    dead_letter_reason: str
    replay: bool
    dlq_partition: int
    dlq_offset: int
    redriven_at_ms: int
    key: bytes
    previous_offset: int
    def __init__(self, subscription_id: _Optional[str] = ..., team: _Optional[str] = ..., source_topic: _Optional[str] = ..., source_partition: _Optional[int] = ..., source_offset: _Optional[int] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[RecordHeader, _Mapping]]] = ..., data: _Optional[bytes] = ..., attempt: _Optional[int] = ..., due_at_ms: _Optional[int] = ..., tier: _Optional[str] = ..., last_status: _Optional[int] = ..., last_error: _Optional[str] = ..., first_attempt_at_ms: _Optional[int] = ..., dead_lettered_at_ms: _Optional[int] = ..., dead_letter_reason: _Optional[str] = ..., replay: _Optional[bool] = ..., dlq_partition: _Optional[int] = ..., dlq_offset: _Optional[int] = ..., redriven_at_ms: _Optional[int] = ..., key: _Optional[bytes] = ..., previous_offset: _Optional[int] = ...) -> None: ...

class DeadLetterRef(_message.Message):
    __slots__ = ("partition", "offset")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    partition: int
    offset: int
    def __init__(self, partition: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class Redrive(_message.Message):
    __slots__ = ("letters", "at_ms")
    LETTERS_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    letters: _containers.RepeatedCompositeFieldContainer[DeadLetterRef]
    at_ms: int
    def __init__(self, letters: _Optional[_Iterable[_Union[DeadLetterRef, _Mapping]]] = ..., at_ms: _Optional[int] = ...) -> None: ...

class AttemptRecord(_message.Message):
    __slots__ = ("subscription_id", "team", "event_id", "source_topic", "source_partition", "source_offset", "attempt", "status", "latency_ms", "error", "response_excerpt", "at_ms", "outcome", "url", "request_excerpt")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TOPIC_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PARTITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    team: str
    event_id: str
    source_topic: str
    source_partition: int
    source_offset: int
    attempt: int
    status: int
    latency_ms: int
    error: str
    response_excerpt: str
    at_ms: int
    outcome: AttemptOutcome
    url: str
    request_excerpt: str
    def __init__(self, subscription_id: _Optional[str] = ..., team: _Optional[str] = ..., event_id: _Optional[str] = ..., source_topic: _Optional[str] = ..., source_partition: _Optional[int] = ..., source_offset: _Optional[int] = ..., attempt: _Optional[int] = ..., status: _Optional[int] = ..., latency_ms: _Optional[int] = ..., error: _Optional[str] = ..., response_excerpt: _Optional[str] = ..., at_ms: _Optional[int] = ..., outcome: _Optional[_Union[AttemptOutcome, str]] = ..., url: _Optional[str] = ..., request_excerpt: _Optional[str] = ...) -> None: ...
