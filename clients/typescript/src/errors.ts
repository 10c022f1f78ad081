import { status } from "@grpc/grpc-js";

// Herald answers RESOURCE_EXHAUSTED for events that are too large, so unlike generic gRPC
// retry policies it is not retried here.
const RETRYABLE: ReadonlySet<status> = new Set([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.CANCELLED,
]);

/** A failed call; `code` is the gRPC status code, absent when no server answered. */
export class HeraldError extends Error {
  /** The gRPC status code. */
  readonly code: status | undefined;

  constructor(message: string, code?: status) {
    super(code === undefined ? message : `${message} (grpc status ${status[code]})`);
    this.name = "HeraldError";
    this.code = code;
  }

  /** Whether repeating the call can succeed (a retried publish with an id is safe). */
  get retryable(): boolean {
    return this.code !== undefined && RETRYABLE.has(this.code);
  }
}

/** A webhook did not verify: a wrong secret, a tampered body, or a stale timestamp. */
export class WebhookError extends HeraldError {
  constructor(message: string) {
    super(message);
    this.name = "WebhookError";
  }
}
