import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import { HeraldError } from "./errors";
import type { ProtoGrpcType as ControlProto } from "./generated/control";
import type { ApiKey__Output } from "./generated/herald/v1/ApiKey";
import type { AttemptRecord__Output } from "./generated/herald/v1/AttemptRecord";
import type { ControlClient } from "./generated/herald/v1/Control";
import type { DeliveryTask__Output } from "./generated/herald/v1/DeliveryTask";
import type { EventResult__Output } from "./generated/herald/v1/EventResult";
import type { PublisherClient } from "./generated/herald/v1/Publisher";
import type { ReplayResponse__Output } from "./generated/herald/v1/ReplayResponse";
import type { Subscription__Output } from "./generated/herald/v1/Subscription";
import type { Team__Output } from "./generated/herald/v1/Team";
import type { Topic__Output } from "./generated/herald/v1/Topic";
import type { TopicDescription__Output } from "./generated/herald/v1/TopicDescription";
import type { UpdateSubscriptionRequest } from "./generated/herald/v1/UpdateSubscriptionRequest";
import type { ProtoGrpcType as PublishProto } from "./generated/publish";
import type { ListTeamsResponse__Output } from "./generated/herald/v1/ListTeamsResponse";
import type { ListTopicsResponse__Output } from "./generated/herald/v1/ListTopicsResponse";
import type { CreateApiKeyResponse__Output } from "./generated/herald/v1/CreateApiKeyResponse";
import type { ListApiKeysResponse__Output } from "./generated/herald/v1/ListApiKeysResponse";
import type { CreateSubscriptionResponse__Output } from "./generated/herald/v1/CreateSubscriptionResponse";
import type { ListSubscriptionsResponse__Output } from "./generated/herald/v1/ListSubscriptionsResponse";
import type { RotateSecretResponse__Output } from "./generated/herald/v1/RotateSecretResponse";
import type { ListAttemptsResponse__Output } from "./generated/herald/v1/ListAttemptsResponse";
import type { ListDeadLettersResponse__Output } from "./generated/herald/v1/ListDeadLettersResponse";
import type { PublishResponse__Output } from "./generated/herald/v1/PublishResponse";
import type { PublishBatchResponse__Output } from "./generated/herald/v1/PublishBatchResponse";
import type { WhoAmIResponse__Output } from "./generated/herald/v1/WhoAmIResponse";
import type { CreatePortalTokenResponse__Output } from "./generated/herald/v1/CreatePortalTokenResponse";
import type { SubscriptionHealth__Output } from "./generated/herald/v1/SubscriptionHealth";
import type { SendTestEventResponse__Output } from "./generated/herald/v1/SendTestEventResponse";

// The build copies the repository's proto/ next to the compiled code, so the package carries
// the very files the server was built from; the options match `npm run generate`'s types.
const PROTO_DIR = path.join(__dirname, "proto");
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** An event to publish (CloudEvents 1.0 attributes); unset ones get the server's defaults. */
export interface Event {
  /** The event type, e.g. `order.created`. */
  type: string;
  /** The payload: sent as is when a string or bytes, else encoded as JSON. */
  data?: unknown;
  /**
   * Your own id makes a retried publish safe: the same id within the server's idempotency
   * window returns the first receipt with `duplicate: true` instead of storing a copy.
   */
  id?: string;
  /** CloudEvents source (URI-reference); default `/herald/<team>/<topic>`. */
  source?: string;
  /** Subject within the source. */
  subject?: string;
  /** RFC 3339 time of the occurrence; default the time of publishing. */
  time?: string;
  /** Media type of the data; default `application/json`. */
  contentType?: string;
  /** Partition key (events with one key keep their order); default the id. */
  key?: string;
  /** CloudEvents extension attributes (lowercase alphanumeric names). */
  extensions?: Record<string, string>;
}

/** Where Kafka stored an event; `duplicate` when the id was published before. */
export interface Receipt {
  id: string;
  partition: number;
  offset: number;
  duplicate: boolean;
}

/** One event's outcome in a batch. */
export type BatchResult = { ok: true; receipt: Receipt } | { ok: false; error: HeraldError };

/** Something created with a secret that is shown only this once. */
export interface Created<T> {
  /** The API key's metadata, or the subscription. */
  item: T;
  /** The API key itself, or the subscription's signing secret (`whsec_...`). */
  secret: string;
}

/** Options of a {@link Herald} client. */
export interface HeraldOptions {
  /** The deadline of every call in milliseconds (default 60 000). */
  timeoutMs?: number;
}

/** Options of {@link Herald.createSubscription}. */
export interface SubscriptionOptions {
  /** Exact (`order.created`) or prefix (`order.*`) event types; empty: all. */
  eventTypes?: string[];
  /** Headers sent with every webhook (endpoint credentials belong here). */
  headers?: Record<string, string>;
  /** Deliveries per second; 0: unlimited. */
  rateLimit?: number;
  /** Concurrent deliveries; 0: the server's default. */
  maxInFlight?: number;
  /** `unordered` (default) or `key`: one record key's webhooks in publish order. */
  ordering?: string;
  /** With `ordering: "key"`: `skip` (default) or `hold` (a dead-lettered key's later events follow it to the DLQ). */
  onDeadLetter?: string;
  /** CloudEvents HTTP mode: `binary` (default, `ce-*` headers) or `structured`. */
  contentMode?: string;
}

/** The fields {@link Herald.updateSubscription} replaces; an empty list or 0 clears one. */
export type SubscriptionChanges = Partial<
  Pick<
    UpdateSubscriptionRequest,
    "url" | "topics" | "eventTypes" | "headers" | "rateLimit" | "maxInFlight" | "ordering" | "onDeadLetter" | "contentMode"
  >
>;

/** The API key scopes. */
export type Scope = "publish" | "subscribe" | "admin";

const SCOPES = {
  publish: "SCOPE_PUBLISH",
  subscribe: "SCOPE_SUBSCRIBE",
  admin: "SCOPE_ADMIN",
} as const;

// The proto field names of SubscriptionChanges, for the update mask.
const MASK_FIELDS = {
  url: "url",
  topics: "topics",
  eventTypes: "event_types",
  headers: "headers",
  rateLimit: "rate_limit",
  maxInFlight: "max_in_flight",
  ordering: "ordering",
  onDeadLetter: "on_dead_letter",
  contentMode: "content_mode",
} as const;

type Callback<T> = grpc.requestCallback<T>;
type Invoke<T> = (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<T>) => grpc.ClientUnaryCall;

function encode(data: unknown): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (typeof data === "string") return Buffer.from(data);
  if (data instanceof Uint8Array) return Buffer.from(data);
  return Buffer.from(JSON.stringify(data));
}

function credentials(server: string): { target: string; creds: grpc.ChannelCredentials } {
  let url: URL;
  try {
    url = new URL(server.includes("://") ? server : `http://${server}`);
  } catch {
    throw new HeraldError(`invalid server ${JSON.stringify(server)}: use e.g. http://127.0.0.1:50051`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.port) {
    throw new HeraldError(`invalid server ${JSON.stringify(server)}: use e.g. http://127.0.0.1:50051`);
  }
  const creds = url.protocol === "https:" ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  return { target: `${url.hostname}:${url.port}`, creds };
}

/**
 * A connection to Herald's gRPC API with one API key (a team's key or the root key).
 *
 * `server` is the gRPC endpoint as `herald dev` prints it (`HERALD_SERVER`), e.g.
 * `http://127.0.0.1:50051`, or `https://` for TLS. Failed calls reject with
 * {@link HeraldError}, whose `retryable` says whether to try again. Call `close()` when done.
 */
export class Herald {
  private readonly publisher: PublisherClient;
  private readonly control: ControlClient;
  private readonly metadata = new grpc.Metadata();
  private readonly timeoutMs: number;

  constructor(server: string, key: string, options: HeraldOptions = {}) {
    const { target, creds } = credentials(server);
    const publish = grpc.loadPackageDefinition(
      protoLoader.loadSync("herald/v1/publish.proto", LOADER_OPTIONS),
    ) as unknown as PublishProto;
    const control = grpc.loadPackageDefinition(
      protoLoader.loadSync("herald/v1/control.proto", LOADER_OPTIONS),
    ) as unknown as ControlProto;
    this.publisher = new publish.herald.v1.Publisher(target, creds);
    // The control client shares the publisher's channel.
    this.control = new control.herald.v1.Control(target, creds, {
      channelOverride: this.publisher.getChannel(),
    });
    this.metadata.set("authorization", `Bearer ${key.trim()}`);
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Closes the connection. */
  close(): void {
    this.publisher.close();
  }

  private call<T>(invoke: Invoke<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      invoke(this.metadata, { deadline: Date.now() + this.timeoutMs }, (error, answer) => {
        if (error) reject(new HeraldError(error.details || error.message, error.code));
        else if (answer === undefined) reject(new HeraldError("the server sent no answer"));
        else resolve(answer);
      });
    });
  }

  // --- publishing ---

  /** Publishes one event; resolves once Kafka has stored it. */
  async publish(team: string, topic: string, event: Event): Promise<Receipt> {
    const answer = await this.call<PublishResponse__Output>((m, o, cb) =>
      this.publisher.publish({ team, topic, event: toProto(event) }, m, o, cb),
    );
    if (!answer.receipt) throw new HeraldError("the server's answer has no receipt");
    return answer.receipt;
  }

  /**
   * Publishes several events to one topic, one result per event in order. Rejects when the
   * call fails as a whole (nothing stored: an invalid event, a bad key); a batch is not a
   * transaction, so otherwise check each result.
   */
  async publishBatch(team: string, topic: string, events: Event[]): Promise<BatchResult[]> {
    const answer = await this.call<PublishBatchResponse__Output>((m, o, cb) =>
      this.publisher.publishBatch({ team, topic, events: events.map(toProto) }, m, o, cb),
    );
    return answer.results.map(batchResult);
  }

  // --- teams ---

  /** Creates a team (root key only). */
  createTeam(name: string, displayName = ""): Promise<Team__Output> {
    return this.call((m, o, cb) => this.control.createTeam({ name, displayName }, m, o, cb));
  }

  /** One team. */
  getTeam(name: string): Promise<Team__Output> {
    return this.call((m, o, cb) => this.control.getTeam({ name }, m, o, cb));
  }

  /** Every team for the root key, its own for a team key. */
  async listTeams(): Promise<Team__Output[]> {
    return (await this.call<ListTeamsResponse__Output>((m, o, cb) => this.control.listTeams({}, m, o, cb))).teams;
  }

  /** Deletes a team without topics or subscriptions (root key only). */
  async deleteTeam(name: string): Promise<void> {
    await this.call((m, o, cb) => this.control.deleteTeam({ name }, m, o, cb));
  }

  // --- topics ---

  /** Creates a topic and its Kafka topic `<team>.<name>` (0: the server's defaults). */
  createTopic(team: string, name: string, options: { partitions?: number; retentionMs?: number } = {}): Promise<Topic__Output> {
    return this.call((m, o, cb) => this.control.createTopic({ team, name, ...options }, m, o, cb));
  }

  /** A team's topics. */
  async listTopics(team: string): Promise<Topic__Output[]> {
    return (await this.call<ListTopicsResponse__Output>((m, o, cb) => this.control.listTopics({ team }, m, o, cb))).topics;
  }

  /** A topic with its partitions' low and high offsets. */
  describeTopic(team: string, name: string): Promise<TopicDescription__Output> {
    return this.call((m, o, cb) => this.control.describeTopic({ team, name }, m, o, cb));
  }

  /** Deletes a topic no subscription uses. */
  async deleteTopic(team: string, name: string): Promise<void> {
    await this.call((m, o, cb) => this.control.deleteTopic({ team, name }, m, o, cb));
  }

  // --- API keys ---

  /** Creates an API key, optionally limited to some topics; the key is returned only once. */
  async createApiKey(team: string, name: string, scopes: Scope[], topics: string[] = []): Promise<Created<ApiKey__Output>> {
    const answer = await this.call<CreateApiKeyResponse__Output>((m, o, cb) =>
      this.control.createApiKey({ team, name, scopes: scopes.map((s) => SCOPES[s]), topics }, m, o, cb),
    );
    if (!answer.key) throw new HeraldError("the server's answer has no key");
    return { item: answer.key, secret: answer.secret };
  }

  /** A team's keys (never the keys themselves). */
  async listApiKeys(team: string): Promise<ApiKey__Output[]> {
    return (await this.call<ListApiKeysResponse__Output>((m, o, cb) => this.control.listApiKeys({ team }, m, o, cb))).keys;
  }

  /** Revokes a key by its id. */
  async revokeApiKey(team: string, id: string): Promise<void> {
    await this.call((m, o, cb) => this.control.revokeApiKey({ team, id }, m, o, cb));
  }

  // --- subscriptions ---

  /** Subscribes a webhook URL to topics; the signing secret is returned only this once. */
  async createSubscription(team: string, topics: string[], url: string, options: SubscriptionOptions = {}): Promise<Created<Subscription__Output>> {
    const answer = await this.call<CreateSubscriptionResponse__Output>((m, o, cb) =>
      this.control.createSubscription({ team, topics, url, ...options }, m, o, cb),
    );
    if (!answer.subscription) throw new HeraldError("the server's answer has no subscription");
    return { item: answer.subscription, secret: answer.secret };
  }

  /** One subscription. */
  getSubscription(team: string, id: string): Promise<Subscription__Output> {
    return this.call((m, o, cb) => this.control.getSubscription({ team, id }, m, o, cb));
  }

  /** A team's subscriptions. */
  async listSubscriptions(team: string): Promise<Subscription__Output[]> {
    return (await this.call<ListSubscriptionsResponse__Output>((m, o, cb) => this.control.listSubscriptions({ team }, m, o, cb))).subscriptions;
  }

  /** Replaces the fields given (an empty list or 0 clears one); the others stay. */
  updateSubscription(team: string, id: string, changes: SubscriptionChanges): Promise<Subscription__Output> {
    const updateMask = (Object.keys(changes) as (keyof SubscriptionChanges)[])
      .filter((field) => changes[field] !== undefined)
      .map((field) => MASK_FIELDS[field]);
    if (updateMask.length === 0) {
      return Promise.reject(new HeraldError("updateSubscription needs at least one field to change"));
    }
    return this.call((m, o, cb) => this.control.updateSubscription({ team, id, ...changes, updateMask }, m, o, cb));
  }

  /** Stops deliveries; events wait in Kafka until resumed. */
  pauseSubscription(team: string, id: string): Promise<Subscription__Output> {
    return this.call((m, o, cb) => this.control.pauseSubscription({ team, id }, m, o, cb));
  }

  /** Resumes a paused or disabled subscription. */
  resumeSubscription(team: string, id: string): Promise<Subscription__Output> {
    return this.call((m, o, cb) => this.control.resumeSubscription({ team, id }, m, o, cb));
  }

  /**
   * Issues a new signing secret (returned only this once). The old ones keep signing for
   * `overlapMs` (undefined: the server's default of 24 hours; 0: they stop at once).
   */
  async rotateSecret(team: string, id: string, overlapMs?: number): Promise<Created<Subscription__Output>> {
    const answer = await this.call<RotateSecretResponse__Output>((m, o, cb) =>
      this.control.rotateSecret({ team, id, ...(overlapMs === undefined ? {} : { overlapMs }) }, m, o, cb),
    );
    if (!answer.subscription) throw new HeraldError("the server's answer has no subscription");
    return { item: answer.subscription, secret: answer.secret };
  }

  /** Deletes a subscription. */
  async deleteSubscription(team: string, id: string): Promise<void> {
    await this.call((m, o, cb) => this.control.deleteSubscription({ team, id }, m, o, cb));
  }

  // --- history and replay ---

  /** A subscription's delivery attempts, most recent first (limit 0: the server's 50). */
  async listAttempts(team: string, subscriptionId: string, limit = 0): Promise<AttemptRecord__Output[]> {
    return (await this.call<ListAttemptsResponse__Output>((m, o, cb) => this.control.listAttempts({ team, subscriptionId, limit }, m, o, cb))).attempts;
  }

  /** A subscription's dead letters, most recent first (times in unix ms; 0: no bound). */
  async listDeadLetters(
    team: string,
    subscriptionId: string,
    options: { limit?: number; sinceMs?: number; untilMs?: number } = {},
  ): Promise<DeliveryTask__Output[]> {
    return (await this.call<ListDeadLettersResponse__Output>((m, o, cb) => this.control.listDeadLetters({ team, subscriptionId, ...options }, m, o, cb))).tasks;
  }

  /** Sends a subscription's dead letters (all, a time range, or some events) back to delivery. */
  replayDeadLetters(
    team: string,
    subscriptionId: string,
    options: { sinceMs?: number; untilMs?: number; limit?: number; includeRedriven?: boolean; eventIds?: string[] } = {},
  ): Promise<ReplayResponse__Output> {
    return this.call((m, o, cb) => this.control.replayDeadLetters({ team, subscriptionId, ...options }, m, o, cb));
  }

  /** Re-delivers a topic to one subscription from an offset or a point in time (unix ms). */
  replayTopic(
    team: string,
    subscriptionId: string,
    topic: string,
    from: { offset: number } | { timeMs: number },
    limit = 0,
  ): Promise<ReplayResponse__Output> {
    const start = "offset" in from ? { fromOffset: from.offset } : { fromTimeMs: from.timeMs };
    return this.call((m, o, cb) => this.control.replayTopic({ team, subscriptionId, topic, limit, ...start }, m, o, cb));
  }

  // --- the web console ---

  /** Who the client's key is: its kind, team, scopes and expiry (0: never). */
  whoAmI(): Promise<WhoAmIResponse__Output> {
    return this.call((m, o, cb) => this.control.whoAmI({}, m, o, cb));
  }

  /**
   * Mints a short-lived portal token for a team (admin); `token` is shown only this once
   * (ttlMs 0: one hour; at least one minute, at most 24 hours).
   */
  createPortalToken(team: string, options: { ttlMs?: number; name?: string } = {}): Promise<CreatePortalTokenResponse__Output> {
    return this.call((m, o, cb) => this.control.createPortalToken({ team, ...options }, m, o, cb));
  }

  /** A subscription's delivery health over a window ending now (windowMs 0: one hour). */
  subscriptionHealth(team: string, subscriptionId: string, windowMs = 0): Promise<SubscriptionHealth__Output> {
    return this.call((m, o, cb) => this.control.getSubscriptionHealth({ team, subscriptionId, windowMs }, m, o, cb));
  }

  /** Sends a test event to one subscription only; resolves to the new event's id. */
  async sendTestEvent(
    team: string,
    subscriptionId: string,
    options: { eventType?: string; dataJson?: string } = {},
  ): Promise<string> {
    const answer = await this.call<SendTestEventResponse__Output>((m, o, cb) =>
      this.control.sendTestEvent({ team, subscriptionId, ...options }, m, o, cb),
    );
    return answer.eventId;
  }
}

function toProto(event: Event) {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: event.time,
    dataContentType: event.contentType,
    data: encode(event.data),
    key: event.key,
    extensions: event.extensions,
  };
}

/** One batch result: the receipt when the code is OK (0), the error otherwise. */
export function batchResult(result: EventResult__Output): BatchResult {
  if (result.code === 0 && result.receipt) return { ok: true, receipt: result.receipt };
  if (result.code === 0) return { ok: false, error: new HeraldError("the server's answer has no receipt") };
  return { ok: false, error: new HeraldError(result.error, result.code) };
}
