// Original file: ../../proto/herald/v1/publish.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PublishBatchRequest as _herald_v1_PublishBatchRequest, PublishBatchRequest__Output as _herald_v1_PublishBatchRequest__Output } from '../../herald/v1/PublishBatchRequest';
import type { PublishBatchResponse as _herald_v1_PublishBatchResponse, PublishBatchResponse__Output as _herald_v1_PublishBatchResponse__Output } from '../../herald/v1/PublishBatchResponse';
import type { PublishRequest as _herald_v1_PublishRequest, PublishRequest__Output as _herald_v1_PublishRequest__Output } from '../../herald/v1/PublishRequest';
import type { PublishResponse as _herald_v1_PublishResponse, PublishResponse__Output as _herald_v1_PublishResponse__Output } from '../../herald/v1/PublishResponse';

export interface PublisherClient extends grpc.Client {
  Publish(argument: _herald_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _herald_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _herald_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _herald_v1_PublishRequest, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _herald_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _herald_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _herald_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _herald_v1_PublishRequest, callback: grpc.requestCallback<_herald_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  
  PublishBatch(argument: _herald_v1_PublishBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  PublishBatch(argument: _herald_v1_PublishBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  PublishBatch(argument: _herald_v1_PublishBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  PublishBatch(argument: _herald_v1_PublishBatchRequest, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  publishBatch(argument: _herald_v1_PublishBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  publishBatch(argument: _herald_v1_PublishBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  publishBatch(argument: _herald_v1_PublishBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  publishBatch(argument: _herald_v1_PublishBatchRequest, callback: grpc.requestCallback<_herald_v1_PublishBatchResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PublisherHandlers extends grpc.UntypedServiceImplementation {
  Publish: grpc.handleUnaryCall<_herald_v1_PublishRequest__Output, _herald_v1_PublishResponse>;
  
  PublishBatch: grpc.handleUnaryCall<_herald_v1_PublishBatchRequest__Output, _herald_v1_PublishBatchResponse>;
  
}

export interface PublisherDefinition extends grpc.ServiceDefinition {
  Publish: MethodDefinition<_herald_v1_PublishRequest, _herald_v1_PublishResponse, _herald_v1_PublishRequest__Output, _herald_v1_PublishResponse__Output>
  PublishBatch: MethodDefinition<_herald_v1_PublishBatchRequest, _herald_v1_PublishBatchResponse, _herald_v1_PublishBatchRequest__Output, _herald_v1_PublishBatchResponse__Output>
}
