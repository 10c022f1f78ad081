import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Event as _herald_v1_Event, Event__Output as _herald_v1_Event__Output } from './herald/v1/Event';
import type { EventReceipt as _herald_v1_EventReceipt, EventReceipt__Output as _herald_v1_EventReceipt__Output } from './herald/v1/EventReceipt';
import type { EventResult as _herald_v1_EventResult, EventResult__Output as _herald_v1_EventResult__Output } from './herald/v1/EventResult';
import type { PublishBatchRequest as _herald_v1_PublishBatchRequest, PublishBatchRequest__Output as _herald_v1_PublishBatchRequest__Output } from './herald/v1/PublishBatchRequest';
import type { PublishBatchResponse as _herald_v1_PublishBatchResponse, PublishBatchResponse__Output as _herald_v1_PublishBatchResponse__Output } from './herald/v1/PublishBatchResponse';
import type { PublishRequest as _herald_v1_PublishRequest, PublishRequest__Output as _herald_v1_PublishRequest__Output } from './herald/v1/PublishRequest';
import type { PublishResponse as _herald_v1_PublishResponse, PublishResponse__Output as _herald_v1_PublishResponse__Output } from './herald/v1/PublishResponse';
import type { PublisherClient as _herald_v1_PublisherClient, PublisherDefinition as _herald_v1_PublisherDefinition } from './herald/v1/Publisher';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  herald: {
    v1: {
      Event: MessageTypeDefinition<_herald_v1_Event, _herald_v1_Event__Output>
      EventReceipt: MessageTypeDefinition<_herald_v1_EventReceipt, _herald_v1_EventReceipt__Output>
      EventResult: MessageTypeDefinition<_herald_v1_EventResult, _herald_v1_EventResult__Output>
      PublishBatchRequest: MessageTypeDefinition<_herald_v1_PublishBatchRequest, _herald_v1_PublishBatchRequest__Output>
      PublishBatchResponse: MessageTypeDefinition<_herald_v1_PublishBatchResponse, _herald_v1_PublishBatchResponse__Output>
      PublishRequest: MessageTypeDefinition<_herald_v1_PublishRequest, _herald_v1_PublishRequest__Output>
      PublishResponse: MessageTypeDefinition<_herald_v1_PublishResponse, _herald_v1_PublishResponse__Output>
      Publisher: SubtypeConstructor<typeof grpc.Client, _herald_v1_PublisherClient> & { service: _herald_v1_PublisherDefinition }
    }
  }
}

