// Original file: ../../proto/herald/v1/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddEventTypeVersionRequest as _herald_v1_AddEventTypeVersionRequest, AddEventTypeVersionRequest__Output as _herald_v1_AddEventTypeVersionRequest__Output } from '../../herald/v1/AddEventTypeVersionRequest';
import type { CreateApiKeyRequest as _herald_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _herald_v1_CreateApiKeyRequest__Output } from '../../herald/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _herald_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _herald_v1_CreateApiKeyResponse__Output } from '../../herald/v1/CreateApiKeyResponse';
import type { CreateEventTypeRequest as _herald_v1_CreateEventTypeRequest, CreateEventTypeRequest__Output as _herald_v1_CreateEventTypeRequest__Output } from '../../herald/v1/CreateEventTypeRequest';
import type { CreateGrantRequest as _herald_v1_CreateGrantRequest, CreateGrantRequest__Output as _herald_v1_CreateGrantRequest__Output } from '../../herald/v1/CreateGrantRequest';
import type { CreatePortalTokenRequest as _herald_v1_CreatePortalTokenRequest, CreatePortalTokenRequest__Output as _herald_v1_CreatePortalTokenRequest__Output } from '../../herald/v1/CreatePortalTokenRequest';
import type { CreatePortalTokenResponse as _herald_v1_CreatePortalTokenResponse, CreatePortalTokenResponse__Output as _herald_v1_CreatePortalTokenResponse__Output } from '../../herald/v1/CreatePortalTokenResponse';
import type { CreateSubscriptionRequest as _herald_v1_CreateSubscriptionRequest, CreateSubscriptionRequest__Output as _herald_v1_CreateSubscriptionRequest__Output } from '../../herald/v1/CreateSubscriptionRequest';
import type { CreateSubscriptionResponse as _herald_v1_CreateSubscriptionResponse, CreateSubscriptionResponse__Output as _herald_v1_CreateSubscriptionResponse__Output } from '../../herald/v1/CreateSubscriptionResponse';
import type { CreateTeamRequest as _herald_v1_CreateTeamRequest, CreateTeamRequest__Output as _herald_v1_CreateTeamRequest__Output } from '../../herald/v1/CreateTeamRequest';
import type { CreateTopicRequest as _herald_v1_CreateTopicRequest, CreateTopicRequest__Output as _herald_v1_CreateTopicRequest__Output } from '../../herald/v1/CreateTopicRequest';
import type { DeleteEventTypeRequest as _herald_v1_DeleteEventTypeRequest, DeleteEventTypeRequest__Output as _herald_v1_DeleteEventTypeRequest__Output } from '../../herald/v1/DeleteEventTypeRequest';
import type { DeleteEventTypeResponse as _herald_v1_DeleteEventTypeResponse, DeleteEventTypeResponse__Output as _herald_v1_DeleteEventTypeResponse__Output } from '../../herald/v1/DeleteEventTypeResponse';
import type { DeleteSubscriptionRequest as _herald_v1_DeleteSubscriptionRequest, DeleteSubscriptionRequest__Output as _herald_v1_DeleteSubscriptionRequest__Output } from '../../herald/v1/DeleteSubscriptionRequest';
import type { DeleteSubscriptionResponse as _herald_v1_DeleteSubscriptionResponse, DeleteSubscriptionResponse__Output as _herald_v1_DeleteSubscriptionResponse__Output } from '../../herald/v1/DeleteSubscriptionResponse';
import type { DeleteTeamRequest as _herald_v1_DeleteTeamRequest, DeleteTeamRequest__Output as _herald_v1_DeleteTeamRequest__Output } from '../../herald/v1/DeleteTeamRequest';
import type { DeleteTeamResponse as _herald_v1_DeleteTeamResponse, DeleteTeamResponse__Output as _herald_v1_DeleteTeamResponse__Output } from '../../herald/v1/DeleteTeamResponse';
import type { DeleteTopicRequest as _herald_v1_DeleteTopicRequest, DeleteTopicRequest__Output as _herald_v1_DeleteTopicRequest__Output } from '../../herald/v1/DeleteTopicRequest';
import type { DeleteTopicResponse as _herald_v1_DeleteTopicResponse, DeleteTopicResponse__Output as _herald_v1_DeleteTopicResponse__Output } from '../../herald/v1/DeleteTopicResponse';
import type { DescribeTopicRequest as _herald_v1_DescribeTopicRequest, DescribeTopicRequest__Output as _herald_v1_DescribeTopicRequest__Output } from '../../herald/v1/DescribeTopicRequest';
import type { DisableSubscriptionRequest as _herald_v1_DisableSubscriptionRequest, DisableSubscriptionRequest__Output as _herald_v1_DisableSubscriptionRequest__Output } from '../../herald/v1/DisableSubscriptionRequest';
import type { EventType as _herald_v1_EventType, EventType__Output as _herald_v1_EventType__Output } from '../../herald/v1/EventType';
import type { GetEventTypeRequest as _herald_v1_GetEventTypeRequest, GetEventTypeRequest__Output as _herald_v1_GetEventTypeRequest__Output } from '../../herald/v1/GetEventTypeRequest';
import type { GetSubscriptionHealthRequest as _herald_v1_GetSubscriptionHealthRequest, GetSubscriptionHealthRequest__Output as _herald_v1_GetSubscriptionHealthRequest__Output } from '../../herald/v1/GetSubscriptionHealthRequest';
import type { GetSubscriptionRequest as _herald_v1_GetSubscriptionRequest, GetSubscriptionRequest__Output as _herald_v1_GetSubscriptionRequest__Output } from '../../herald/v1/GetSubscriptionRequest';
import type { GetTeamRequest as _herald_v1_GetTeamRequest, GetTeamRequest__Output as _herald_v1_GetTeamRequest__Output } from '../../herald/v1/GetTeamRequest';
import type { Grant as _herald_v1_Grant, Grant__Output as _herald_v1_Grant__Output } from '../../herald/v1/Grant';
import type { ListApiKeysRequest as _herald_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _herald_v1_ListApiKeysRequest__Output } from '../../herald/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _herald_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _herald_v1_ListApiKeysResponse__Output } from '../../herald/v1/ListApiKeysResponse';
import type { ListAttemptsRequest as _herald_v1_ListAttemptsRequest, ListAttemptsRequest__Output as _herald_v1_ListAttemptsRequest__Output } from '../../herald/v1/ListAttemptsRequest';
import type { ListAttemptsResponse as _herald_v1_ListAttemptsResponse, ListAttemptsResponse__Output as _herald_v1_ListAttemptsResponse__Output } from '../../herald/v1/ListAttemptsResponse';
import type { ListDeadLettersRequest as _herald_v1_ListDeadLettersRequest, ListDeadLettersRequest__Output as _herald_v1_ListDeadLettersRequest__Output } from '../../herald/v1/ListDeadLettersRequest';
import type { ListDeadLettersResponse as _herald_v1_ListDeadLettersResponse, ListDeadLettersResponse__Output as _herald_v1_ListDeadLettersResponse__Output } from '../../herald/v1/ListDeadLettersResponse';
import type { ListEventTypesRequest as _herald_v1_ListEventTypesRequest, ListEventTypesRequest__Output as _herald_v1_ListEventTypesRequest__Output } from '../../herald/v1/ListEventTypesRequest';
import type { ListEventTypesResponse as _herald_v1_ListEventTypesResponse, ListEventTypesResponse__Output as _herald_v1_ListEventTypesResponse__Output } from '../../herald/v1/ListEventTypesResponse';
import type { ListGrantsRequest as _herald_v1_ListGrantsRequest, ListGrantsRequest__Output as _herald_v1_ListGrantsRequest__Output } from '../../herald/v1/ListGrantsRequest';
import type { ListGrantsResponse as _herald_v1_ListGrantsResponse, ListGrantsResponse__Output as _herald_v1_ListGrantsResponse__Output } from '../../herald/v1/ListGrantsResponse';
import type { ListSubscriptionsRequest as _herald_v1_ListSubscriptionsRequest, ListSubscriptionsRequest__Output as _herald_v1_ListSubscriptionsRequest__Output } from '../../herald/v1/ListSubscriptionsRequest';
import type { ListSubscriptionsResponse as _herald_v1_ListSubscriptionsResponse, ListSubscriptionsResponse__Output as _herald_v1_ListSubscriptionsResponse__Output } from '../../herald/v1/ListSubscriptionsResponse';
import type { ListTeamsRequest as _herald_v1_ListTeamsRequest, ListTeamsRequest__Output as _herald_v1_ListTeamsRequest__Output } from '../../herald/v1/ListTeamsRequest';
import type { ListTeamsResponse as _herald_v1_ListTeamsResponse, ListTeamsResponse__Output as _herald_v1_ListTeamsResponse__Output } from '../../herald/v1/ListTeamsResponse';
import type { ListTopicsRequest as _herald_v1_ListTopicsRequest, ListTopicsRequest__Output as _herald_v1_ListTopicsRequest__Output } from '../../herald/v1/ListTopicsRequest';
import type { ListTopicsResponse as _herald_v1_ListTopicsResponse, ListTopicsResponse__Output as _herald_v1_ListTopicsResponse__Output } from '../../herald/v1/ListTopicsResponse';
import type { PauseSubscriptionRequest as _herald_v1_PauseSubscriptionRequest, PauseSubscriptionRequest__Output as _herald_v1_PauseSubscriptionRequest__Output } from '../../herald/v1/PauseSubscriptionRequest';
import type { ReplayDeadLettersRequest as _herald_v1_ReplayDeadLettersRequest, ReplayDeadLettersRequest__Output as _herald_v1_ReplayDeadLettersRequest__Output } from '../../herald/v1/ReplayDeadLettersRequest';
import type { ReplayResponse as _herald_v1_ReplayResponse, ReplayResponse__Output as _herald_v1_ReplayResponse__Output } from '../../herald/v1/ReplayResponse';
import type { ReplayTopicRequest as _herald_v1_ReplayTopicRequest, ReplayTopicRequest__Output as _herald_v1_ReplayTopicRequest__Output } from '../../herald/v1/ReplayTopicRequest';
import type { ResumeSubscriptionRequest as _herald_v1_ResumeSubscriptionRequest, ResumeSubscriptionRequest__Output as _herald_v1_ResumeSubscriptionRequest__Output } from '../../herald/v1/ResumeSubscriptionRequest';
import type { RevokeApiKeyRequest as _herald_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _herald_v1_RevokeApiKeyRequest__Output } from '../../herald/v1/RevokeApiKeyRequest';
import type { RevokeApiKeyResponse as _herald_v1_RevokeApiKeyResponse, RevokeApiKeyResponse__Output as _herald_v1_RevokeApiKeyResponse__Output } from '../../herald/v1/RevokeApiKeyResponse';
import type { RevokeGrantRequest as _herald_v1_RevokeGrantRequest, RevokeGrantRequest__Output as _herald_v1_RevokeGrantRequest__Output } from '../../herald/v1/RevokeGrantRequest';
import type { RevokeGrantResponse as _herald_v1_RevokeGrantResponse, RevokeGrantResponse__Output as _herald_v1_RevokeGrantResponse__Output } from '../../herald/v1/RevokeGrantResponse';
import type { RotateSecretRequest as _herald_v1_RotateSecretRequest, RotateSecretRequest__Output as _herald_v1_RotateSecretRequest__Output } from '../../herald/v1/RotateSecretRequest';
import type { RotateSecretResponse as _herald_v1_RotateSecretResponse, RotateSecretResponse__Output as _herald_v1_RotateSecretResponse__Output } from '../../herald/v1/RotateSecretResponse';
import type { SendTestEventRequest as _herald_v1_SendTestEventRequest, SendTestEventRequest__Output as _herald_v1_SendTestEventRequest__Output } from '../../herald/v1/SendTestEventRequest';
import type { SendTestEventResponse as _herald_v1_SendTestEventResponse, SendTestEventResponse__Output as _herald_v1_SendTestEventResponse__Output } from '../../herald/v1/SendTestEventResponse';
import type { SetSchemaPolicyRequest as _herald_v1_SetSchemaPolicyRequest, SetSchemaPolicyRequest__Output as _herald_v1_SetSchemaPolicyRequest__Output } from '../../herald/v1/SetSchemaPolicyRequest';
import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from '../../herald/v1/Subscription';
import type { SubscriptionHealth as _herald_v1_SubscriptionHealth, SubscriptionHealth__Output as _herald_v1_SubscriptionHealth__Output } from '../../herald/v1/SubscriptionHealth';
import type { Team as _herald_v1_Team, Team__Output as _herald_v1_Team__Output } from '../../herald/v1/Team';
import type { Topic as _herald_v1_Topic, Topic__Output as _herald_v1_Topic__Output } from '../../herald/v1/Topic';
import type { TopicDescription as _herald_v1_TopicDescription, TopicDescription__Output as _herald_v1_TopicDescription__Output } from '../../herald/v1/TopicDescription';
import type { UpdateSubscriptionRequest as _herald_v1_UpdateSubscriptionRequest, UpdateSubscriptionRequest__Output as _herald_v1_UpdateSubscriptionRequest__Output } from '../../herald/v1/UpdateSubscriptionRequest';
import type { WatchEvent as _herald_v1_WatchEvent, WatchEvent__Output as _herald_v1_WatchEvent__Output } from '../../herald/v1/WatchEvent';
import type { WatchRequest as _herald_v1_WatchRequest, WatchRequest__Output as _herald_v1_WatchRequest__Output } from '../../herald/v1/WatchRequest';
import type { WhoAmIRequest as _herald_v1_WhoAmIRequest, WhoAmIRequest__Output as _herald_v1_WhoAmIRequest__Output } from '../../herald/v1/WhoAmIRequest';
import type { WhoAmIResponse as _herald_v1_WhoAmIResponse, WhoAmIResponse__Output as _herald_v1_WhoAmIResponse__Output } from '../../herald/v1/WhoAmIResponse';

export interface ControlClient extends grpc.Client {
  AddEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  AddEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  AddEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  AddEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  addEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  addEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  addEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  addEventTypeVersion(argument: _herald_v1_AddEventTypeVersionRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  
  CreateApiKey(argument: _herald_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _herald_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _herald_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _herald_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _herald_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _herald_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _herald_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _herald_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_herald_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  
  CreateEventType(argument: _herald_v1_CreateEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  CreateEventType(argument: _herald_v1_CreateEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  CreateEventType(argument: _herald_v1_CreateEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  CreateEventType(argument: _herald_v1_CreateEventTypeRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  createEventType(argument: _herald_v1_CreateEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  createEventType(argument: _herald_v1_CreateEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  createEventType(argument: _herald_v1_CreateEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  createEventType(argument: _herald_v1_CreateEventTypeRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  
  CreateGrant(argument: _herald_v1_CreateGrantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  CreateGrant(argument: _herald_v1_CreateGrantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  CreateGrant(argument: _herald_v1_CreateGrantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  CreateGrant(argument: _herald_v1_CreateGrantRequest, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  createGrant(argument: _herald_v1_CreateGrantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  createGrant(argument: _herald_v1_CreateGrantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  createGrant(argument: _herald_v1_CreateGrantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  createGrant(argument: _herald_v1_CreateGrantRequest, callback: grpc.requestCallback<_herald_v1_Grant__Output>): grpc.ClientUnaryCall;
  
  CreatePortalToken(argument: _herald_v1_CreatePortalTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  CreatePortalToken(argument: _herald_v1_CreatePortalTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  CreatePortalToken(argument: _herald_v1_CreatePortalTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  CreatePortalToken(argument: _herald_v1_CreatePortalTokenRequest, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  createPortalToken(argument: _herald_v1_CreatePortalTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  createPortalToken(argument: _herald_v1_CreatePortalTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  createPortalToken(argument: _herald_v1_CreatePortalTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  createPortalToken(argument: _herald_v1_CreatePortalTokenRequest, callback: grpc.requestCallback<_herald_v1_CreatePortalTokenResponse__Output>): grpc.ClientUnaryCall;
  
  CreateSubscription(argument: _herald_v1_CreateSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  CreateSubscription(argument: _herald_v1_CreateSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  CreateSubscription(argument: _herald_v1_CreateSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  CreateSubscription(argument: _herald_v1_CreateSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  createSubscription(argument: _herald_v1_CreateSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  createSubscription(argument: _herald_v1_CreateSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  createSubscription(argument: _herald_v1_CreateSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  createSubscription(argument: _herald_v1_CreateSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_CreateSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  
  CreateTeam(argument: _herald_v1_CreateTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  CreateTeam(argument: _herald_v1_CreateTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  CreateTeam(argument: _herald_v1_CreateTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  CreateTeam(argument: _herald_v1_CreateTeamRequest, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  createTeam(argument: _herald_v1_CreateTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  createTeam(argument: _herald_v1_CreateTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  createTeam(argument: _herald_v1_CreateTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  createTeam(argument: _herald_v1_CreateTeamRequest, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  
  CreateTopic(argument: _herald_v1_CreateTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  CreateTopic(argument: _herald_v1_CreateTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  CreateTopic(argument: _herald_v1_CreateTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  CreateTopic(argument: _herald_v1_CreateTopicRequest, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  createTopic(argument: _herald_v1_CreateTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  createTopic(argument: _herald_v1_CreateTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  createTopic(argument: _herald_v1_CreateTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  createTopic(argument: _herald_v1_CreateTopicRequest, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  
  DeleteEventType(argument: _herald_v1_DeleteEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  DeleteEventType(argument: _herald_v1_DeleteEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  DeleteEventType(argument: _herald_v1_DeleteEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  DeleteEventType(argument: _herald_v1_DeleteEventTypeRequest, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  deleteEventType(argument: _herald_v1_DeleteEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  deleteEventType(argument: _herald_v1_DeleteEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  deleteEventType(argument: _herald_v1_DeleteEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  deleteEventType(argument: _herald_v1_DeleteEventTypeRequest, callback: grpc.requestCallback<_herald_v1_DeleteEventTypeResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  deleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  deleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  deleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  deleteSubscription(argument: _herald_v1_DeleteSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_DeleteSubscriptionResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteTeam(argument: _herald_v1_DeleteTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  DeleteTeam(argument: _herald_v1_DeleteTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  DeleteTeam(argument: _herald_v1_DeleteTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  DeleteTeam(argument: _herald_v1_DeleteTeamRequest, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  deleteTeam(argument: _herald_v1_DeleteTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  deleteTeam(argument: _herald_v1_DeleteTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  deleteTeam(argument: _herald_v1_DeleteTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  deleteTeam(argument: _herald_v1_DeleteTeamRequest, callback: grpc.requestCallback<_herald_v1_DeleteTeamResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteTopic(argument: _herald_v1_DeleteTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopic(argument: _herald_v1_DeleteTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopic(argument: _herald_v1_DeleteTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopic(argument: _herald_v1_DeleteTopicRequest, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  deleteTopic(argument: _herald_v1_DeleteTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  deleteTopic(argument: _herald_v1_DeleteTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  deleteTopic(argument: _herald_v1_DeleteTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  deleteTopic(argument: _herald_v1_DeleteTopicRequest, callback: grpc.requestCallback<_herald_v1_DeleteTopicResponse__Output>): grpc.ClientUnaryCall;
  
  DescribeTopic(argument: _herald_v1_DescribeTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  DescribeTopic(argument: _herald_v1_DescribeTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  DescribeTopic(argument: _herald_v1_DescribeTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  DescribeTopic(argument: _herald_v1_DescribeTopicRequest, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  describeTopic(argument: _herald_v1_DescribeTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  describeTopic(argument: _herald_v1_DescribeTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  describeTopic(argument: _herald_v1_DescribeTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  describeTopic(argument: _herald_v1_DescribeTopicRequest, callback: grpc.requestCallback<_herald_v1_TopicDescription__Output>): grpc.ClientUnaryCall;
  
  DisableSubscription(argument: _herald_v1_DisableSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  DisableSubscription(argument: _herald_v1_DisableSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  DisableSubscription(argument: _herald_v1_DisableSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  DisableSubscription(argument: _herald_v1_DisableSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  disableSubscription(argument: _herald_v1_DisableSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  disableSubscription(argument: _herald_v1_DisableSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  disableSubscription(argument: _herald_v1_DisableSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  disableSubscription(argument: _herald_v1_DisableSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  
  GetEventType(argument: _herald_v1_GetEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  GetEventType(argument: _herald_v1_GetEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  GetEventType(argument: _herald_v1_GetEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  GetEventType(argument: _herald_v1_GetEventTypeRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  getEventType(argument: _herald_v1_GetEventTypeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  getEventType(argument: _herald_v1_GetEventTypeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  getEventType(argument: _herald_v1_GetEventTypeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  getEventType(argument: _herald_v1_GetEventTypeRequest, callback: grpc.requestCallback<_herald_v1_EventType__Output>): grpc.ClientUnaryCall;
  
  GetSubscription(argument: _herald_v1_GetSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  GetSubscription(argument: _herald_v1_GetSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  GetSubscription(argument: _herald_v1_GetSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  GetSubscription(argument: _herald_v1_GetSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  getSubscription(argument: _herald_v1_GetSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  getSubscription(argument: _herald_v1_GetSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  getSubscription(argument: _herald_v1_GetSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  getSubscription(argument: _herald_v1_GetSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  
  GetSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  GetSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  GetSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  GetSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  getSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  getSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  getSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  getSubscriptionHealth(argument: _herald_v1_GetSubscriptionHealthRequest, callback: grpc.requestCallback<_herald_v1_SubscriptionHealth__Output>): grpc.ClientUnaryCall;
  
  GetTeam(argument: _herald_v1_GetTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  GetTeam(argument: _herald_v1_GetTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  GetTeam(argument: _herald_v1_GetTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  GetTeam(argument: _herald_v1_GetTeamRequest, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  getTeam(argument: _herald_v1_GetTeamRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  getTeam(argument: _herald_v1_GetTeamRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  getTeam(argument: _herald_v1_GetTeamRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  getTeam(argument: _herald_v1_GetTeamRequest, callback: grpc.requestCallback<_herald_v1_Team__Output>): grpc.ClientUnaryCall;
  
  ListApiKeys(argument: _herald_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _herald_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _herald_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _herald_v1_ListApiKeysRequest, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _herald_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _herald_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _herald_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _herald_v1_ListApiKeysRequest, callback: grpc.requestCallback<_herald_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  
  ListAttempts(argument: _herald_v1_ListAttemptsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  ListAttempts(argument: _herald_v1_ListAttemptsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  ListAttempts(argument: _herald_v1_ListAttemptsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  ListAttempts(argument: _herald_v1_ListAttemptsRequest, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  listAttempts(argument: _herald_v1_ListAttemptsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  listAttempts(argument: _herald_v1_ListAttemptsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  listAttempts(argument: _herald_v1_ListAttemptsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  listAttempts(argument: _herald_v1_ListAttemptsRequest, callback: grpc.requestCallback<_herald_v1_ListAttemptsResponse__Output>): grpc.ClientUnaryCall;
  
  ListDeadLetters(argument: _herald_v1_ListDeadLettersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  ListDeadLetters(argument: _herald_v1_ListDeadLettersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  ListDeadLetters(argument: _herald_v1_ListDeadLettersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  ListDeadLetters(argument: _herald_v1_ListDeadLettersRequest, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  listDeadLetters(argument: _herald_v1_ListDeadLettersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  listDeadLetters(argument: _herald_v1_ListDeadLettersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  listDeadLetters(argument: _herald_v1_ListDeadLettersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  listDeadLetters(argument: _herald_v1_ListDeadLettersRequest, callback: grpc.requestCallback<_herald_v1_ListDeadLettersResponse__Output>): grpc.ClientUnaryCall;
  
  ListEventTypes(argument: _herald_v1_ListEventTypesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  ListEventTypes(argument: _herald_v1_ListEventTypesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  ListEventTypes(argument: _herald_v1_ListEventTypesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  ListEventTypes(argument: _herald_v1_ListEventTypesRequest, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  listEventTypes(argument: _herald_v1_ListEventTypesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  listEventTypes(argument: _herald_v1_ListEventTypesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  listEventTypes(argument: _herald_v1_ListEventTypesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  listEventTypes(argument: _herald_v1_ListEventTypesRequest, callback: grpc.requestCallback<_herald_v1_ListEventTypesResponse__Output>): grpc.ClientUnaryCall;
  
  ListGrants(argument: _herald_v1_ListGrantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  ListGrants(argument: _herald_v1_ListGrantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  ListGrants(argument: _herald_v1_ListGrantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  ListGrants(argument: _herald_v1_ListGrantsRequest, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  listGrants(argument: _herald_v1_ListGrantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  listGrants(argument: _herald_v1_ListGrantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  listGrants(argument: _herald_v1_ListGrantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  listGrants(argument: _herald_v1_ListGrantsRequest, callback: grpc.requestCallback<_herald_v1_ListGrantsResponse__Output>): grpc.ClientUnaryCall;
  
  ListSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  ListSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  ListSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  ListSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  listSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  listSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  listSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  listSubscriptions(argument: _herald_v1_ListSubscriptionsRequest, callback: grpc.requestCallback<_herald_v1_ListSubscriptionsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTeams(argument: _herald_v1_ListTeamsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  ListTeams(argument: _herald_v1_ListTeamsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  ListTeams(argument: _herald_v1_ListTeamsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  ListTeams(argument: _herald_v1_ListTeamsRequest, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  listTeams(argument: _herald_v1_ListTeamsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  listTeams(argument: _herald_v1_ListTeamsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  listTeams(argument: _herald_v1_ListTeamsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  listTeams(argument: _herald_v1_ListTeamsRequest, callback: grpc.requestCallback<_herald_v1_ListTeamsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTopics(argument: _herald_v1_ListTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  ListTopics(argument: _herald_v1_ListTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  ListTopics(argument: _herald_v1_ListTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  ListTopics(argument: _herald_v1_ListTopicsRequest, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  listTopics(argument: _herald_v1_ListTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  listTopics(argument: _herald_v1_ListTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  listTopics(argument: _herald_v1_ListTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  listTopics(argument: _herald_v1_ListTopicsRequest, callback: grpc.requestCallback<_herald_v1_ListTopicsResponse__Output>): grpc.ClientUnaryCall;
  
  PauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  PauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  PauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  PauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  pauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  pauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  pauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  pauseSubscription(argument: _herald_v1_PauseSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  
  ReplayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayDeadLetters(argument: _herald_v1_ReplayDeadLettersRequest, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  
  ReplayTopic(argument: _herald_v1_ReplayTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayTopic(argument: _herald_v1_ReplayTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayTopic(argument: _herald_v1_ReplayTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  ReplayTopic(argument: _herald_v1_ReplayTopicRequest, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayTopic(argument: _herald_v1_ReplayTopicRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayTopic(argument: _herald_v1_ReplayTopicRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayTopic(argument: _herald_v1_ReplayTopicRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  replayTopic(argument: _herald_v1_ReplayTopicRequest, callback: grpc.requestCallback<_herald_v1_ReplayResponse__Output>): grpc.ClientUnaryCall;
  
  ResumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  ResumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  ResumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  ResumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  resumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  resumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  resumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  resumeSubscription(argument: _herald_v1_ResumeSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  
  RevokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _herald_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_herald_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeGrant(argument: _herald_v1_RevokeGrantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  RevokeGrant(argument: _herald_v1_RevokeGrantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  RevokeGrant(argument: _herald_v1_RevokeGrantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  RevokeGrant(argument: _herald_v1_RevokeGrantRequest, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  revokeGrant(argument: _herald_v1_RevokeGrantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  revokeGrant(argument: _herald_v1_RevokeGrantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  revokeGrant(argument: _herald_v1_RevokeGrantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  revokeGrant(argument: _herald_v1_RevokeGrantRequest, callback: grpc.requestCallback<_herald_v1_RevokeGrantResponse__Output>): grpc.ClientUnaryCall;
  
  RotateSecret(argument: _herald_v1_RotateSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _herald_v1_RotateSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _herald_v1_RotateSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _herald_v1_RotateSecretRequest, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _herald_v1_RotateSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _herald_v1_RotateSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _herald_v1_RotateSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _herald_v1_RotateSecretRequest, callback: grpc.requestCallback<_herald_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  
  SendTestEvent(argument: _herald_v1_SendTestEventRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  SendTestEvent(argument: _herald_v1_SendTestEventRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  SendTestEvent(argument: _herald_v1_SendTestEventRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  SendTestEvent(argument: _herald_v1_SendTestEventRequest, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  sendTestEvent(argument: _herald_v1_SendTestEventRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  sendTestEvent(argument: _herald_v1_SendTestEventRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  sendTestEvent(argument: _herald_v1_SendTestEventRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  sendTestEvent(argument: _herald_v1_SendTestEventRequest, callback: grpc.requestCallback<_herald_v1_SendTestEventResponse__Output>): grpc.ClientUnaryCall;
  
  SetSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  SetSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  SetSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  SetSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  setSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  setSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  setSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  setSchemaPolicy(argument: _herald_v1_SetSchemaPolicyRequest, callback: grpc.requestCallback<_herald_v1_Topic__Output>): grpc.ClientUnaryCall;
  
  UpdateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  UpdateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  UpdateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  UpdateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  updateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  updateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  updateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  updateSubscription(argument: _herald_v1_UpdateSubscriptionRequest, callback: grpc.requestCallback<_herald_v1_Subscription__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _herald_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_herald_v1_WatchEvent__Output>;
  Watch(argument: _herald_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_herald_v1_WatchEvent__Output>;
  watch(argument: _herald_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_herald_v1_WatchEvent__Output>;
  watch(argument: _herald_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_herald_v1_WatchEvent__Output>;
  
  WhoAmI(argument: _herald_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _herald_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _herald_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _herald_v1_WhoAmIRequest, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _herald_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _herald_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _herald_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _herald_v1_WhoAmIRequest, callback: grpc.requestCallback<_herald_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  AddEventTypeVersion: grpc.handleUnaryCall<_herald_v1_AddEventTypeVersionRequest__Output, _herald_v1_EventType>;
  
  CreateApiKey: grpc.handleUnaryCall<_herald_v1_CreateApiKeyRequest__Output, _herald_v1_CreateApiKeyResponse>;
  
  CreateEventType: grpc.handleUnaryCall<_herald_v1_CreateEventTypeRequest__Output, _herald_v1_EventType>;
  
  CreateGrant: grpc.handleUnaryCall<_herald_v1_CreateGrantRequest__Output, _herald_v1_Grant>;
  
  CreatePortalToken: grpc.handleUnaryCall<_herald_v1_CreatePortalTokenRequest__Output, _herald_v1_CreatePortalTokenResponse>;
  
  CreateSubscription: grpc.handleUnaryCall<_herald_v1_CreateSubscriptionRequest__Output, _herald_v1_CreateSubscriptionResponse>;
  
  CreateTeam: grpc.handleUnaryCall<_herald_v1_CreateTeamRequest__Output, _herald_v1_Team>;
  
  CreateTopic: grpc.handleUnaryCall<_herald_v1_CreateTopicRequest__Output, _herald_v1_Topic>;
  
  DeleteEventType: grpc.handleUnaryCall<_herald_v1_DeleteEventTypeRequest__Output, _herald_v1_DeleteEventTypeResponse>;
  
  DeleteSubscription: grpc.handleUnaryCall<_herald_v1_DeleteSubscriptionRequest__Output, _herald_v1_DeleteSubscriptionResponse>;
  
  DeleteTeam: grpc.handleUnaryCall<_herald_v1_DeleteTeamRequest__Output, _herald_v1_DeleteTeamResponse>;
  
  DeleteTopic: grpc.handleUnaryCall<_herald_v1_DeleteTopicRequest__Output, _herald_v1_DeleteTopicResponse>;
  
  DescribeTopic: grpc.handleUnaryCall<_herald_v1_DescribeTopicRequest__Output, _herald_v1_TopicDescription>;
  
  DisableSubscription: grpc.handleUnaryCall<_herald_v1_DisableSubscriptionRequest__Output, _herald_v1_Subscription>;
  
  GetEventType: grpc.handleUnaryCall<_herald_v1_GetEventTypeRequest__Output, _herald_v1_EventType>;
  
  GetSubscription: grpc.handleUnaryCall<_herald_v1_GetSubscriptionRequest__Output, _herald_v1_Subscription>;
  
  GetSubscriptionHealth: grpc.handleUnaryCall<_herald_v1_GetSubscriptionHealthRequest__Output, _herald_v1_SubscriptionHealth>;
  
  GetTeam: grpc.handleUnaryCall<_herald_v1_GetTeamRequest__Output, _herald_v1_Team>;
  
  ListApiKeys: grpc.handleUnaryCall<_herald_v1_ListApiKeysRequest__Output, _herald_v1_ListApiKeysResponse>;
  
  ListAttempts: grpc.handleUnaryCall<_herald_v1_ListAttemptsRequest__Output, _herald_v1_ListAttemptsResponse>;
  
  ListDeadLetters: grpc.handleUnaryCall<_herald_v1_ListDeadLettersRequest__Output, _herald_v1_ListDeadLettersResponse>;
  
  ListEventTypes: grpc.handleUnaryCall<_herald_v1_ListEventTypesRequest__Output, _herald_v1_ListEventTypesResponse>;
  
  ListGrants: grpc.handleUnaryCall<_herald_v1_ListGrantsRequest__Output, _herald_v1_ListGrantsResponse>;
  
  ListSubscriptions: grpc.handleUnaryCall<_herald_v1_ListSubscriptionsRequest__Output, _herald_v1_ListSubscriptionsResponse>;
  
  ListTeams: grpc.handleUnaryCall<_herald_v1_ListTeamsRequest__Output, _herald_v1_ListTeamsResponse>;
  
  ListTopics: grpc.handleUnaryCall<_herald_v1_ListTopicsRequest__Output, _herald_v1_ListTopicsResponse>;
  
  PauseSubscription: grpc.handleUnaryCall<_herald_v1_PauseSubscriptionRequest__Output, _herald_v1_Subscription>;
  
  ReplayDeadLetters: grpc.handleUnaryCall<_herald_v1_ReplayDeadLettersRequest__Output, _herald_v1_ReplayResponse>;
  
  ReplayTopic: grpc.handleUnaryCall<_herald_v1_ReplayTopicRequest__Output, _herald_v1_ReplayResponse>;
  
  ResumeSubscription: grpc.handleUnaryCall<_herald_v1_ResumeSubscriptionRequest__Output, _herald_v1_Subscription>;
  
  RevokeApiKey: grpc.handleUnaryCall<_herald_v1_RevokeApiKeyRequest__Output, _herald_v1_RevokeApiKeyResponse>;
  
  RevokeGrant: grpc.handleUnaryCall<_herald_v1_RevokeGrantRequest__Output, _herald_v1_RevokeGrantResponse>;
  
  RotateSecret: grpc.handleUnaryCall<_herald_v1_RotateSecretRequest__Output, _herald_v1_RotateSecretResponse>;
  
  SendTestEvent: grpc.handleUnaryCall<_herald_v1_SendTestEventRequest__Output, _herald_v1_SendTestEventResponse>;
  
  SetSchemaPolicy: grpc.handleUnaryCall<_herald_v1_SetSchemaPolicyRequest__Output, _herald_v1_Topic>;
  
  UpdateSubscription: grpc.handleUnaryCall<_herald_v1_UpdateSubscriptionRequest__Output, _herald_v1_Subscription>;
  
  Watch: grpc.handleServerStreamingCall<_herald_v1_WatchRequest__Output, _herald_v1_WatchEvent>;
  
  WhoAmI: grpc.handleUnaryCall<_herald_v1_WhoAmIRequest__Output, _herald_v1_WhoAmIResponse>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  AddEventTypeVersion: MethodDefinition<_herald_v1_AddEventTypeVersionRequest, _herald_v1_EventType, _herald_v1_AddEventTypeVersionRequest__Output, _herald_v1_EventType__Output>
  CreateApiKey: MethodDefinition<_herald_v1_CreateApiKeyRequest, _herald_v1_CreateApiKeyResponse, _herald_v1_CreateApiKeyRequest__Output, _herald_v1_CreateApiKeyResponse__Output>
  CreateEventType: MethodDefinition<_herald_v1_CreateEventTypeRequest, _herald_v1_EventType, _herald_v1_CreateEventTypeRequest__Output, _herald_v1_EventType__Output>
  CreateGrant: MethodDefinition<_herald_v1_CreateGrantRequest, _herald_v1_Grant, _herald_v1_CreateGrantRequest__Output, _herald_v1_Grant__Output>
  CreatePortalToken: MethodDefinition<_herald_v1_CreatePortalTokenRequest, _herald_v1_CreatePortalTokenResponse, _herald_v1_CreatePortalTokenRequest__Output, _herald_v1_CreatePortalTokenResponse__Output>
  CreateSubscription: MethodDefinition<_herald_v1_CreateSubscriptionRequest, _herald_v1_CreateSubscriptionResponse, _herald_v1_CreateSubscriptionRequest__Output, _herald_v1_CreateSubscriptionResponse__Output>
  CreateTeam: MethodDefinition<_herald_v1_CreateTeamRequest, _herald_v1_Team, _herald_v1_CreateTeamRequest__Output, _herald_v1_Team__Output>
  CreateTopic: MethodDefinition<_herald_v1_CreateTopicRequest, _herald_v1_Topic, _herald_v1_CreateTopicRequest__Output, _herald_v1_Topic__Output>
  DeleteEventType: MethodDefinition<_herald_v1_DeleteEventTypeRequest, _herald_v1_DeleteEventTypeResponse, _herald_v1_DeleteEventTypeRequest__Output, _herald_v1_DeleteEventTypeResponse__Output>
  DeleteSubscription: MethodDefinition<_herald_v1_DeleteSubscriptionRequest, _herald_v1_DeleteSubscriptionResponse, _herald_v1_DeleteSubscriptionRequest__Output, _herald_v1_DeleteSubscriptionResponse__Output>
  DeleteTeam: MethodDefinition<_herald_v1_DeleteTeamRequest, _herald_v1_DeleteTeamResponse, _herald_v1_DeleteTeamRequest__Output, _herald_v1_DeleteTeamResponse__Output>
  DeleteTopic: MethodDefinition<_herald_v1_DeleteTopicRequest, _herald_v1_DeleteTopicResponse, _herald_v1_DeleteTopicRequest__Output, _herald_v1_DeleteTopicResponse__Output>
  DescribeTopic: MethodDefinition<_herald_v1_DescribeTopicRequest, _herald_v1_TopicDescription, _herald_v1_DescribeTopicRequest__Output, _herald_v1_TopicDescription__Output>
  DisableSubscription: MethodDefinition<_herald_v1_DisableSubscriptionRequest, _herald_v1_Subscription, _herald_v1_DisableSubscriptionRequest__Output, _herald_v1_Subscription__Output>
  GetEventType: MethodDefinition<_herald_v1_GetEventTypeRequest, _herald_v1_EventType, _herald_v1_GetEventTypeRequest__Output, _herald_v1_EventType__Output>
  GetSubscription: MethodDefinition<_herald_v1_GetSubscriptionRequest, _herald_v1_Subscription, _herald_v1_GetSubscriptionRequest__Output, _herald_v1_Subscription__Output>
  GetSubscriptionHealth: MethodDefinition<_herald_v1_GetSubscriptionHealthRequest, _herald_v1_SubscriptionHealth, _herald_v1_GetSubscriptionHealthRequest__Output, _herald_v1_SubscriptionHealth__Output>
  GetTeam: MethodDefinition<_herald_v1_GetTeamRequest, _herald_v1_Team, _herald_v1_GetTeamRequest__Output, _herald_v1_Team__Output>
  ListApiKeys: MethodDefinition<_herald_v1_ListApiKeysRequest, _herald_v1_ListApiKeysResponse, _herald_v1_ListApiKeysRequest__Output, _herald_v1_ListApiKeysResponse__Output>
  ListAttempts: MethodDefinition<_herald_v1_ListAttemptsRequest, _herald_v1_ListAttemptsResponse, _herald_v1_ListAttemptsRequest__Output, _herald_v1_ListAttemptsResponse__Output>
  ListDeadLetters: MethodDefinition<_herald_v1_ListDeadLettersRequest, _herald_v1_ListDeadLettersResponse, _herald_v1_ListDeadLettersRequest__Output, _herald_v1_ListDeadLettersResponse__Output>
  ListEventTypes: MethodDefinition<_herald_v1_ListEventTypesRequest, _herald_v1_ListEventTypesResponse, _herald_v1_ListEventTypesRequest__Output, _herald_v1_ListEventTypesResponse__Output>
  ListGrants: MethodDefinition<_herald_v1_ListGrantsRequest, _herald_v1_ListGrantsResponse, _herald_v1_ListGrantsRequest__Output, _herald_v1_ListGrantsResponse__Output>
  ListSubscriptions: MethodDefinition<_herald_v1_ListSubscriptionsRequest, _herald_v1_ListSubscriptionsResponse, _herald_v1_ListSubscriptionsRequest__Output, _herald_v1_ListSubscriptionsResponse__Output>
  ListTeams: MethodDefinition<_herald_v1_ListTeamsRequest, _herald_v1_ListTeamsResponse, _herald_v1_ListTeamsRequest__Output, _herald_v1_ListTeamsResponse__Output>
  ListTopics: MethodDefinition<_herald_v1_ListTopicsRequest, _herald_v1_ListTopicsResponse, _herald_v1_ListTopicsRequest__Output, _herald_v1_ListTopicsResponse__Output>
  PauseSubscription: MethodDefinition<_herald_v1_PauseSubscriptionRequest, _herald_v1_Subscription, _herald_v1_PauseSubscriptionRequest__Output, _herald_v1_Subscription__Output>
  ReplayDeadLetters: MethodDefinition<_herald_v1_ReplayDeadLettersRequest, _herald_v1_ReplayResponse, _herald_v1_ReplayDeadLettersRequest__Output, _herald_v1_ReplayResponse__Output>
  ReplayTopic: MethodDefinition<_herald_v1_ReplayTopicRequest, _herald_v1_ReplayResponse, _herald_v1_ReplayTopicRequest__Output, _herald_v1_ReplayResponse__Output>
  ResumeSubscription: MethodDefinition<_herald_v1_ResumeSubscriptionRequest, _herald_v1_Subscription, _herald_v1_ResumeSubscriptionRequest__Output, _herald_v1_Subscription__Output>
  RevokeApiKey: MethodDefinition<_herald_v1_RevokeApiKeyRequest, _herald_v1_RevokeApiKeyResponse, _herald_v1_RevokeApiKeyRequest__Output, _herald_v1_RevokeApiKeyResponse__Output>
  RevokeGrant: MethodDefinition<_herald_v1_RevokeGrantRequest, _herald_v1_RevokeGrantResponse, _herald_v1_RevokeGrantRequest__Output, _herald_v1_RevokeGrantResponse__Output>
  RotateSecret: MethodDefinition<_herald_v1_RotateSecretRequest, _herald_v1_RotateSecretResponse, _herald_v1_RotateSecretRequest__Output, _herald_v1_RotateSecretResponse__Output>
  SendTestEvent: MethodDefinition<_herald_v1_SendTestEventRequest, _herald_v1_SendTestEventResponse, _herald_v1_SendTestEventRequest__Output, _herald_v1_SendTestEventResponse__Output>
  SetSchemaPolicy: MethodDefinition<_herald_v1_SetSchemaPolicyRequest, _herald_v1_Topic, _herald_v1_SetSchemaPolicyRequest__Output, _herald_v1_Topic__Output>
  UpdateSubscription: MethodDefinition<_herald_v1_UpdateSubscriptionRequest, _herald_v1_Subscription, _herald_v1_UpdateSubscriptionRequest__Output, _herald_v1_Subscription__Output>
  Watch: MethodDefinition<_herald_v1_WatchRequest, _herald_v1_WatchEvent, _herald_v1_WatchRequest__Output, _herald_v1_WatchEvent__Output>
  WhoAmI: MethodDefinition<_herald_v1_WhoAmIRequest, _herald_v1_WhoAmIResponse, _herald_v1_WhoAmIRequest__Output, _herald_v1_WhoAmIResponse__Output>
}
