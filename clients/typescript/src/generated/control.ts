import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddEventTypeVersionRequest as _herald_v1_AddEventTypeVersionRequest, AddEventTypeVersionRequest__Output as _herald_v1_AddEventTypeVersionRequest__Output } from './herald/v1/AddEventTypeVersionRequest';
import type { ApiKey as _herald_v1_ApiKey, ApiKey__Output as _herald_v1_ApiKey__Output } from './herald/v1/ApiKey';
import type { AttemptRecord as _herald_v1_AttemptRecord, AttemptRecord__Output as _herald_v1_AttemptRecord__Output } from './herald/v1/AttemptRecord';
import type { ControlClient as _herald_v1_ControlClient, ControlDefinition as _herald_v1_ControlDefinition } from './herald/v1/Control';
import type { ControlRecord as _herald_v1_ControlRecord, ControlRecord__Output as _herald_v1_ControlRecord__Output } from './herald/v1/ControlRecord';
import type { CreateApiKeyRequest as _herald_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _herald_v1_CreateApiKeyRequest__Output } from './herald/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _herald_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _herald_v1_CreateApiKeyResponse__Output } from './herald/v1/CreateApiKeyResponse';
import type { CreateEventTypeRequest as _herald_v1_CreateEventTypeRequest, CreateEventTypeRequest__Output as _herald_v1_CreateEventTypeRequest__Output } from './herald/v1/CreateEventTypeRequest';
import type { CreateGrantRequest as _herald_v1_CreateGrantRequest, CreateGrantRequest__Output as _herald_v1_CreateGrantRequest__Output } from './herald/v1/CreateGrantRequest';
import type { CreatePortalTokenRequest as _herald_v1_CreatePortalTokenRequest, CreatePortalTokenRequest__Output as _herald_v1_CreatePortalTokenRequest__Output } from './herald/v1/CreatePortalTokenRequest';
import type { CreatePortalTokenResponse as _herald_v1_CreatePortalTokenResponse, CreatePortalTokenResponse__Output as _herald_v1_CreatePortalTokenResponse__Output } from './herald/v1/CreatePortalTokenResponse';
import type { CreateSubscriptionRequest as _herald_v1_CreateSubscriptionRequest, CreateSubscriptionRequest__Output as _herald_v1_CreateSubscriptionRequest__Output } from './herald/v1/CreateSubscriptionRequest';
import type { CreateSubscriptionResponse as _herald_v1_CreateSubscriptionResponse, CreateSubscriptionResponse__Output as _herald_v1_CreateSubscriptionResponse__Output } from './herald/v1/CreateSubscriptionResponse';
import type { CreateTeamRequest as _herald_v1_CreateTeamRequest, CreateTeamRequest__Output as _herald_v1_CreateTeamRequest__Output } from './herald/v1/CreateTeamRequest';
import type { CreateTopicRequest as _herald_v1_CreateTopicRequest, CreateTopicRequest__Output as _herald_v1_CreateTopicRequest__Output } from './herald/v1/CreateTopicRequest';
import type { DeadLetterRef as _herald_v1_DeadLetterRef, DeadLetterRef__Output as _herald_v1_DeadLetterRef__Output } from './herald/v1/DeadLetterRef';
import type { DeleteEventTypeRequest as _herald_v1_DeleteEventTypeRequest, DeleteEventTypeRequest__Output as _herald_v1_DeleteEventTypeRequest__Output } from './herald/v1/DeleteEventTypeRequest';
import type { DeleteEventTypeResponse as _herald_v1_DeleteEventTypeResponse, DeleteEventTypeResponse__Output as _herald_v1_DeleteEventTypeResponse__Output } from './herald/v1/DeleteEventTypeResponse';
import type { DeleteSubscriptionRequest as _herald_v1_DeleteSubscriptionRequest, DeleteSubscriptionRequest__Output as _herald_v1_DeleteSubscriptionRequest__Output } from './herald/v1/DeleteSubscriptionRequest';
import type { DeleteSubscriptionResponse as _herald_v1_DeleteSubscriptionResponse, DeleteSubscriptionResponse__Output as _herald_v1_DeleteSubscriptionResponse__Output } from './herald/v1/DeleteSubscriptionResponse';
import type { DeleteTeamRequest as _herald_v1_DeleteTeamRequest, DeleteTeamRequest__Output as _herald_v1_DeleteTeamRequest__Output } from './herald/v1/DeleteTeamRequest';
import type { DeleteTeamResponse as _herald_v1_DeleteTeamResponse, DeleteTeamResponse__Output as _herald_v1_DeleteTeamResponse__Output } from './herald/v1/DeleteTeamResponse';
import type { DeleteTopicRequest as _herald_v1_DeleteTopicRequest, DeleteTopicRequest__Output as _herald_v1_DeleteTopicRequest__Output } from './herald/v1/DeleteTopicRequest';
import type { DeleteTopicResponse as _herald_v1_DeleteTopicResponse, DeleteTopicResponse__Output as _herald_v1_DeleteTopicResponse__Output } from './herald/v1/DeleteTopicResponse';
import type { DeliveryTask as _herald_v1_DeliveryTask, DeliveryTask__Output as _herald_v1_DeliveryTask__Output } from './herald/v1/DeliveryTask';
import type { DescribeTopicRequest as _herald_v1_DescribeTopicRequest, DescribeTopicRequest__Output as _herald_v1_DescribeTopicRequest__Output } from './herald/v1/DescribeTopicRequest';
import type { DisableSubscriptionRequest as _herald_v1_DisableSubscriptionRequest, DisableSubscriptionRequest__Output as _herald_v1_DisableSubscriptionRequest__Output } from './herald/v1/DisableSubscriptionRequest';
import type { EncryptedSecret as _herald_v1_EncryptedSecret, EncryptedSecret__Output as _herald_v1_EncryptedSecret__Output } from './herald/v1/EncryptedSecret';
import type { Entity as _herald_v1_Entity, Entity__Output as _herald_v1_Entity__Output } from './herald/v1/Entity';
import type { EventType as _herald_v1_EventType, EventType__Output as _herald_v1_EventType__Output } from './herald/v1/EventType';
import type { EventTypeVersion as _herald_v1_EventTypeVersion, EventTypeVersion__Output as _herald_v1_EventTypeVersion__Output } from './herald/v1/EventTypeVersion';
import type { GetEventTypeRequest as _herald_v1_GetEventTypeRequest, GetEventTypeRequest__Output as _herald_v1_GetEventTypeRequest__Output } from './herald/v1/GetEventTypeRequest';
import type { GetSubscriptionHealthRequest as _herald_v1_GetSubscriptionHealthRequest, GetSubscriptionHealthRequest__Output as _herald_v1_GetSubscriptionHealthRequest__Output } from './herald/v1/GetSubscriptionHealthRequest';
import type { GetSubscriptionRequest as _herald_v1_GetSubscriptionRequest, GetSubscriptionRequest__Output as _herald_v1_GetSubscriptionRequest__Output } from './herald/v1/GetSubscriptionRequest';
import type { GetTeamRequest as _herald_v1_GetTeamRequest, GetTeamRequest__Output as _herald_v1_GetTeamRequest__Output } from './herald/v1/GetTeamRequest';
import type { Grant as _herald_v1_Grant, Grant__Output as _herald_v1_Grant__Output } from './herald/v1/Grant';
import type { HeaderValues as _herald_v1_HeaderValues, HeaderValues__Output as _herald_v1_HeaderValues__Output } from './herald/v1/HeaderValues';
import type { HealthBucket as _herald_v1_HealthBucket, HealthBucket__Output as _herald_v1_HealthBucket__Output } from './herald/v1/HealthBucket';
import type { ListApiKeysRequest as _herald_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _herald_v1_ListApiKeysRequest__Output } from './herald/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _herald_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _herald_v1_ListApiKeysResponse__Output } from './herald/v1/ListApiKeysResponse';
import type { ListAttemptsRequest as _herald_v1_ListAttemptsRequest, ListAttemptsRequest__Output as _herald_v1_ListAttemptsRequest__Output } from './herald/v1/ListAttemptsRequest';
import type { ListAttemptsResponse as _herald_v1_ListAttemptsResponse, ListAttemptsResponse__Output as _herald_v1_ListAttemptsResponse__Output } from './herald/v1/ListAttemptsResponse';
import type { ListDeadLettersRequest as _herald_v1_ListDeadLettersRequest, ListDeadLettersRequest__Output as _herald_v1_ListDeadLettersRequest__Output } from './herald/v1/ListDeadLettersRequest';
import type { ListDeadLettersResponse as _herald_v1_ListDeadLettersResponse, ListDeadLettersResponse__Output as _herald_v1_ListDeadLettersResponse__Output } from './herald/v1/ListDeadLettersResponse';
import type { ListEventTypesRequest as _herald_v1_ListEventTypesRequest, ListEventTypesRequest__Output as _herald_v1_ListEventTypesRequest__Output } from './herald/v1/ListEventTypesRequest';
import type { ListEventTypesResponse as _herald_v1_ListEventTypesResponse, ListEventTypesResponse__Output as _herald_v1_ListEventTypesResponse__Output } from './herald/v1/ListEventTypesResponse';
import type { ListGrantsRequest as _herald_v1_ListGrantsRequest, ListGrantsRequest__Output as _herald_v1_ListGrantsRequest__Output } from './herald/v1/ListGrantsRequest';
import type { ListGrantsResponse as _herald_v1_ListGrantsResponse, ListGrantsResponse__Output as _herald_v1_ListGrantsResponse__Output } from './herald/v1/ListGrantsResponse';
import type { ListSubscriptionsRequest as _herald_v1_ListSubscriptionsRequest, ListSubscriptionsRequest__Output as _herald_v1_ListSubscriptionsRequest__Output } from './herald/v1/ListSubscriptionsRequest';
import type { ListSubscriptionsResponse as _herald_v1_ListSubscriptionsResponse, ListSubscriptionsResponse__Output as _herald_v1_ListSubscriptionsResponse__Output } from './herald/v1/ListSubscriptionsResponse';
import type { ListTeamsRequest as _herald_v1_ListTeamsRequest, ListTeamsRequest__Output as _herald_v1_ListTeamsRequest__Output } from './herald/v1/ListTeamsRequest';
import type { ListTeamsResponse as _herald_v1_ListTeamsResponse, ListTeamsResponse__Output as _herald_v1_ListTeamsResponse__Output } from './herald/v1/ListTeamsResponse';
import type { ListTopicsRequest as _herald_v1_ListTopicsRequest, ListTopicsRequest__Output as _herald_v1_ListTopicsRequest__Output } from './herald/v1/ListTopicsRequest';
import type { ListTopicsResponse as _herald_v1_ListTopicsResponse, ListTopicsResponse__Output as _herald_v1_ListTopicsResponse__Output } from './herald/v1/ListTopicsResponse';
import type { PartitionInfo as _herald_v1_PartitionInfo, PartitionInfo__Output as _herald_v1_PartitionInfo__Output } from './herald/v1/PartitionInfo';
import type { PauseSubscriptionRequest as _herald_v1_PauseSubscriptionRequest, PauseSubscriptionRequest__Output as _herald_v1_PauseSubscriptionRequest__Output } from './herald/v1/PauseSubscriptionRequest';
import type { RecordHeader as _herald_v1_RecordHeader, RecordHeader__Output as _herald_v1_RecordHeader__Output } from './herald/v1/RecordHeader';
import type { Redrive as _herald_v1_Redrive, Redrive__Output as _herald_v1_Redrive__Output } from './herald/v1/Redrive';
import type { ReplayDeadLettersRequest as _herald_v1_ReplayDeadLettersRequest, ReplayDeadLettersRequest__Output as _herald_v1_ReplayDeadLettersRequest__Output } from './herald/v1/ReplayDeadLettersRequest';
import type { ReplayResponse as _herald_v1_ReplayResponse, ReplayResponse__Output as _herald_v1_ReplayResponse__Output } from './herald/v1/ReplayResponse';
import type { ReplayTopicRequest as _herald_v1_ReplayTopicRequest, ReplayTopicRequest__Output as _herald_v1_ReplayTopicRequest__Output } from './herald/v1/ReplayTopicRequest';
import type { ResumeSubscriptionRequest as _herald_v1_ResumeSubscriptionRequest, ResumeSubscriptionRequest__Output as _herald_v1_ResumeSubscriptionRequest__Output } from './herald/v1/ResumeSubscriptionRequest';
import type { RevokeApiKeyRequest as _herald_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _herald_v1_RevokeApiKeyRequest__Output } from './herald/v1/RevokeApiKeyRequest';
import type { RevokeApiKeyResponse as _herald_v1_RevokeApiKeyResponse, RevokeApiKeyResponse__Output as _herald_v1_RevokeApiKeyResponse__Output } from './herald/v1/RevokeApiKeyResponse';
import type { RevokeGrantRequest as _herald_v1_RevokeGrantRequest, RevokeGrantRequest__Output as _herald_v1_RevokeGrantRequest__Output } from './herald/v1/RevokeGrantRequest';
import type { RevokeGrantResponse as _herald_v1_RevokeGrantResponse, RevokeGrantResponse__Output as _herald_v1_RevokeGrantResponse__Output } from './herald/v1/RevokeGrantResponse';
import type { RotateSecretRequest as _herald_v1_RotateSecretRequest, RotateSecretRequest__Output as _herald_v1_RotateSecretRequest__Output } from './herald/v1/RotateSecretRequest';
import type { RotateSecretResponse as _herald_v1_RotateSecretResponse, RotateSecretResponse__Output as _herald_v1_RotateSecretResponse__Output } from './herald/v1/RotateSecretResponse';
import type { SendTestEventRequest as _herald_v1_SendTestEventRequest, SendTestEventRequest__Output as _herald_v1_SendTestEventRequest__Output } from './herald/v1/SendTestEventRequest';
import type { SendTestEventResponse as _herald_v1_SendTestEventResponse, SendTestEventResponse__Output as _herald_v1_SendTestEventResponse__Output } from './herald/v1/SendTestEventResponse';
import type { SetSchemaPolicyRequest as _herald_v1_SetSchemaPolicyRequest, SetSchemaPolicyRequest__Output as _herald_v1_SetSchemaPolicyRequest__Output } from './herald/v1/SetSchemaPolicyRequest';
import type { SigningSecret as _herald_v1_SigningSecret, SigningSecret__Output as _herald_v1_SigningSecret__Output } from './herald/v1/SigningSecret';
import type { Snapshot as _herald_v1_Snapshot, Snapshot__Output as _herald_v1_Snapshot__Output } from './herald/v1/Snapshot';
import type { StoredSubscription as _herald_v1_StoredSubscription, StoredSubscription__Output as _herald_v1_StoredSubscription__Output } from './herald/v1/StoredSubscription';
import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from './herald/v1/Subscription';
import type { SubscriptionHealth as _herald_v1_SubscriptionHealth, SubscriptionHealth__Output as _herald_v1_SubscriptionHealth__Output } from './herald/v1/SubscriptionHealth';
import type { Team as _herald_v1_Team, Team__Output as _herald_v1_Team__Output } from './herald/v1/Team';
import type { Topic as _herald_v1_Topic, Topic__Output as _herald_v1_Topic__Output } from './herald/v1/Topic';
import type { TopicDescription as _herald_v1_TopicDescription, TopicDescription__Output as _herald_v1_TopicDescription__Output } from './herald/v1/TopicDescription';
import type { UpdateSubscriptionRequest as _herald_v1_UpdateSubscriptionRequest, UpdateSubscriptionRequest__Output as _herald_v1_UpdateSubscriptionRequest__Output } from './herald/v1/UpdateSubscriptionRequest';
import type { WatchEvent as _herald_v1_WatchEvent, WatchEvent__Output as _herald_v1_WatchEvent__Output } from './herald/v1/WatchEvent';
import type { WatchRequest as _herald_v1_WatchRequest, WatchRequest__Output as _herald_v1_WatchRequest__Output } from './herald/v1/WatchRequest';
import type { WhoAmIRequest as _herald_v1_WhoAmIRequest, WhoAmIRequest__Output as _herald_v1_WhoAmIRequest__Output } from './herald/v1/WhoAmIRequest';
import type { WhoAmIResponse as _herald_v1_WhoAmIResponse, WhoAmIResponse__Output as _herald_v1_WhoAmIResponse__Output } from './herald/v1/WhoAmIResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  herald: {
    v1: {
      AddEventTypeVersionRequest: MessageTypeDefinition<_herald_v1_AddEventTypeVersionRequest, _herald_v1_AddEventTypeVersionRequest__Output>
      ApiKey: MessageTypeDefinition<_herald_v1_ApiKey, _herald_v1_ApiKey__Output>
      AttemptOutcome: EnumTypeDefinition
      AttemptRecord: MessageTypeDefinition<_herald_v1_AttemptRecord, _herald_v1_AttemptRecord__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _herald_v1_ControlClient> & { service: _herald_v1_ControlDefinition }
      ControlRecord: MessageTypeDefinition<_herald_v1_ControlRecord, _herald_v1_ControlRecord__Output>
      CreateApiKeyRequest: MessageTypeDefinition<_herald_v1_CreateApiKeyRequest, _herald_v1_CreateApiKeyRequest__Output>
      CreateApiKeyResponse: MessageTypeDefinition<_herald_v1_CreateApiKeyResponse, _herald_v1_CreateApiKeyResponse__Output>
      CreateEventTypeRequest: MessageTypeDefinition<_herald_v1_CreateEventTypeRequest, _herald_v1_CreateEventTypeRequest__Output>
      CreateGrantRequest: MessageTypeDefinition<_herald_v1_CreateGrantRequest, _herald_v1_CreateGrantRequest__Output>
      CreatePortalTokenRequest: MessageTypeDefinition<_herald_v1_CreatePortalTokenRequest, _herald_v1_CreatePortalTokenRequest__Output>
      CreatePortalTokenResponse: MessageTypeDefinition<_herald_v1_CreatePortalTokenResponse, _herald_v1_CreatePortalTokenResponse__Output>
      CreateSubscriptionRequest: MessageTypeDefinition<_herald_v1_CreateSubscriptionRequest, _herald_v1_CreateSubscriptionRequest__Output>
      CreateSubscriptionResponse: MessageTypeDefinition<_herald_v1_CreateSubscriptionResponse, _herald_v1_CreateSubscriptionResponse__Output>
      CreateTeamRequest: MessageTypeDefinition<_herald_v1_CreateTeamRequest, _herald_v1_CreateTeamRequest__Output>
      CreateTopicRequest: MessageTypeDefinition<_herald_v1_CreateTopicRequest, _herald_v1_CreateTopicRequest__Output>
      DeadLetterRef: MessageTypeDefinition<_herald_v1_DeadLetterRef, _herald_v1_DeadLetterRef__Output>
      DeleteEventTypeRequest: MessageTypeDefinition<_herald_v1_DeleteEventTypeRequest, _herald_v1_DeleteEventTypeRequest__Output>
      DeleteEventTypeResponse: MessageTypeDefinition<_herald_v1_DeleteEventTypeResponse, _herald_v1_DeleteEventTypeResponse__Output>
      DeleteSubscriptionRequest: MessageTypeDefinition<_herald_v1_DeleteSubscriptionRequest, _herald_v1_DeleteSubscriptionRequest__Output>
      DeleteSubscriptionResponse: MessageTypeDefinition<_herald_v1_DeleteSubscriptionResponse, _herald_v1_DeleteSubscriptionResponse__Output>
      DeleteTeamRequest: MessageTypeDefinition<_herald_v1_DeleteTeamRequest, _herald_v1_DeleteTeamRequest__Output>
      DeleteTeamResponse: MessageTypeDefinition<_herald_v1_DeleteTeamResponse, _herald_v1_DeleteTeamResponse__Output>
      DeleteTopicRequest: MessageTypeDefinition<_herald_v1_DeleteTopicRequest, _herald_v1_DeleteTopicRequest__Output>
      DeleteTopicResponse: MessageTypeDefinition<_herald_v1_DeleteTopicResponse, _herald_v1_DeleteTopicResponse__Output>
      DeliveryTask: MessageTypeDefinition<_herald_v1_DeliveryTask, _herald_v1_DeliveryTask__Output>
      DescribeTopicRequest: MessageTypeDefinition<_herald_v1_DescribeTopicRequest, _herald_v1_DescribeTopicRequest__Output>
      DisableSubscriptionRequest: MessageTypeDefinition<_herald_v1_DisableSubscriptionRequest, _herald_v1_DisableSubscriptionRequest__Output>
      EncryptedSecret: MessageTypeDefinition<_herald_v1_EncryptedSecret, _herald_v1_EncryptedSecret__Output>
      Entity: MessageTypeDefinition<_herald_v1_Entity, _herald_v1_Entity__Output>
      EventType: MessageTypeDefinition<_herald_v1_EventType, _herald_v1_EventType__Output>
      EventTypeVersion: MessageTypeDefinition<_herald_v1_EventTypeVersion, _herald_v1_EventTypeVersion__Output>
      GetEventTypeRequest: MessageTypeDefinition<_herald_v1_GetEventTypeRequest, _herald_v1_GetEventTypeRequest__Output>
      GetSubscriptionHealthRequest: MessageTypeDefinition<_herald_v1_GetSubscriptionHealthRequest, _herald_v1_GetSubscriptionHealthRequest__Output>
      GetSubscriptionRequest: MessageTypeDefinition<_herald_v1_GetSubscriptionRequest, _herald_v1_GetSubscriptionRequest__Output>
      GetTeamRequest: MessageTypeDefinition<_herald_v1_GetTeamRequest, _herald_v1_GetTeamRequest__Output>
      Grant: MessageTypeDefinition<_herald_v1_Grant, _herald_v1_Grant__Output>
      HeaderValues: MessageTypeDefinition<_herald_v1_HeaderValues, _herald_v1_HeaderValues__Output>
      HealthBucket: MessageTypeDefinition<_herald_v1_HealthBucket, _herald_v1_HealthBucket__Output>
      ListApiKeysRequest: MessageTypeDefinition<_herald_v1_ListApiKeysRequest, _herald_v1_ListApiKeysRequest__Output>
      ListApiKeysResponse: MessageTypeDefinition<_herald_v1_ListApiKeysResponse, _herald_v1_ListApiKeysResponse__Output>
      ListAttemptsRequest: MessageTypeDefinition<_herald_v1_ListAttemptsRequest, _herald_v1_ListAttemptsRequest__Output>
      ListAttemptsResponse: MessageTypeDefinition<_herald_v1_ListAttemptsResponse, _herald_v1_ListAttemptsResponse__Output>
      ListDeadLettersRequest: MessageTypeDefinition<_herald_v1_ListDeadLettersRequest, _herald_v1_ListDeadLettersRequest__Output>
      ListDeadLettersResponse: MessageTypeDefinition<_herald_v1_ListDeadLettersResponse, _herald_v1_ListDeadLettersResponse__Output>
      ListEventTypesRequest: MessageTypeDefinition<_herald_v1_ListEventTypesRequest, _herald_v1_ListEventTypesRequest__Output>
      ListEventTypesResponse: MessageTypeDefinition<_herald_v1_ListEventTypesResponse, _herald_v1_ListEventTypesResponse__Output>
      ListGrantsRequest: MessageTypeDefinition<_herald_v1_ListGrantsRequest, _herald_v1_ListGrantsRequest__Output>
      ListGrantsResponse: MessageTypeDefinition<_herald_v1_ListGrantsResponse, _herald_v1_ListGrantsResponse__Output>
      ListSubscriptionsRequest: MessageTypeDefinition<_herald_v1_ListSubscriptionsRequest, _herald_v1_ListSubscriptionsRequest__Output>
      ListSubscriptionsResponse: MessageTypeDefinition<_herald_v1_ListSubscriptionsResponse, _herald_v1_ListSubscriptionsResponse__Output>
      ListTeamsRequest: MessageTypeDefinition<_herald_v1_ListTeamsRequest, _herald_v1_ListTeamsRequest__Output>
      ListTeamsResponse: MessageTypeDefinition<_herald_v1_ListTeamsResponse, _herald_v1_ListTeamsResponse__Output>
      ListTopicsRequest: MessageTypeDefinition<_herald_v1_ListTopicsRequest, _herald_v1_ListTopicsRequest__Output>
      ListTopicsResponse: MessageTypeDefinition<_herald_v1_ListTopicsResponse, _herald_v1_ListTopicsResponse__Output>
      PartitionInfo: MessageTypeDefinition<_herald_v1_PartitionInfo, _herald_v1_PartitionInfo__Output>
      PauseSubscriptionRequest: MessageTypeDefinition<_herald_v1_PauseSubscriptionRequest, _herald_v1_PauseSubscriptionRequest__Output>
      PrincipalKind: EnumTypeDefinition
      RecordHeader: MessageTypeDefinition<_herald_v1_RecordHeader, _herald_v1_RecordHeader__Output>
      Redrive: MessageTypeDefinition<_herald_v1_Redrive, _herald_v1_Redrive__Output>
      ReplayDeadLettersRequest: MessageTypeDefinition<_herald_v1_ReplayDeadLettersRequest, _herald_v1_ReplayDeadLettersRequest__Output>
      ReplayResponse: MessageTypeDefinition<_herald_v1_ReplayResponse, _herald_v1_ReplayResponse__Output>
      ReplayTopicRequest: MessageTypeDefinition<_herald_v1_ReplayTopicRequest, _herald_v1_ReplayTopicRequest__Output>
      ResumeSubscriptionRequest: MessageTypeDefinition<_herald_v1_ResumeSubscriptionRequest, _herald_v1_ResumeSubscriptionRequest__Output>
      RevokeApiKeyRequest: MessageTypeDefinition<_herald_v1_RevokeApiKeyRequest, _herald_v1_RevokeApiKeyRequest__Output>
      RevokeApiKeyResponse: MessageTypeDefinition<_herald_v1_RevokeApiKeyResponse, _herald_v1_RevokeApiKeyResponse__Output>
      RevokeGrantRequest: MessageTypeDefinition<_herald_v1_RevokeGrantRequest, _herald_v1_RevokeGrantRequest__Output>
      RevokeGrantResponse: MessageTypeDefinition<_herald_v1_RevokeGrantResponse, _herald_v1_RevokeGrantResponse__Output>
      RotateSecretRequest: MessageTypeDefinition<_herald_v1_RotateSecretRequest, _herald_v1_RotateSecretRequest__Output>
      RotateSecretResponse: MessageTypeDefinition<_herald_v1_RotateSecretResponse, _herald_v1_RotateSecretResponse__Output>
      SchemaPolicy: EnumTypeDefinition
      Scope: EnumTypeDefinition
      SendTestEventRequest: MessageTypeDefinition<_herald_v1_SendTestEventRequest, _herald_v1_SendTestEventRequest__Output>
      SendTestEventResponse: MessageTypeDefinition<_herald_v1_SendTestEventResponse, _herald_v1_SendTestEventResponse__Output>
      SetSchemaPolicyRequest: MessageTypeDefinition<_herald_v1_SetSchemaPolicyRequest, _herald_v1_SetSchemaPolicyRequest__Output>
      SigningSecret: MessageTypeDefinition<_herald_v1_SigningSecret, _herald_v1_SigningSecret__Output>
      Snapshot: MessageTypeDefinition<_herald_v1_Snapshot, _herald_v1_Snapshot__Output>
      StoredSubscription: MessageTypeDefinition<_herald_v1_StoredSubscription, _herald_v1_StoredSubscription__Output>
      Subscription: MessageTypeDefinition<_herald_v1_Subscription, _herald_v1_Subscription__Output>
      SubscriptionHealth: MessageTypeDefinition<_herald_v1_SubscriptionHealth, _herald_v1_SubscriptionHealth__Output>
      SubscriptionState: EnumTypeDefinition
      Team: MessageTypeDefinition<_herald_v1_Team, _herald_v1_Team__Output>
      Topic: MessageTypeDefinition<_herald_v1_Topic, _herald_v1_Topic__Output>
      TopicDescription: MessageTypeDefinition<_herald_v1_TopicDescription, _herald_v1_TopicDescription__Output>
      UpdateSubscriptionRequest: MessageTypeDefinition<_herald_v1_UpdateSubscriptionRequest, _herald_v1_UpdateSubscriptionRequest__Output>
      WatchEvent: MessageTypeDefinition<_herald_v1_WatchEvent, _herald_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_herald_v1_WatchRequest, _herald_v1_WatchRequest__Output>
      WhoAmIRequest: MessageTypeDefinition<_herald_v1_WhoAmIRequest, _herald_v1_WhoAmIRequest__Output>
      WhoAmIResponse: MessageTypeDefinition<_herald_v1_WhoAmIResponse, _herald_v1_WhoAmIResponse__Output>
    }
  }
}

