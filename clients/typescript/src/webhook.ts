import { Webhook } from "standardwebhooks";

import { WebhookError } from "./errors";

/** A webhook whose signature matched. */
export interface VerifiedWebhook {
  /** The `webhook-id` (the event id): deliveries are at least once, so deduplicate on it. */
  id: string;
  /** The `webhook-timestamp` (unix seconds) the delivery was signed at. */
  timestamp: number;
}

/** Request headers as Node's `http` module gives them (`request.headers`). */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * Verifies a delivery against the subscription's signing secret (`whsec_...`) with the
 * Standard Webhooks library: the `webhook-id`, `webhook-timestamp` and `webhook-signature`
 * headers over the raw body, exactly as received (before any JSON parsing).
 * Throws {@link WebhookError} when the delivery must be refused.
 */
export function verifyWebhook(
  secret: string,
  headers: IncomingHeaders,
  body: string | Uint8Array,
): VerifiedWebhook {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  try {
    new Webhook(secret.trim()).verify(body, flat, { jsonParse: false });
  } catch (e) {
    // The library throws plain Errors too (an empty or malformed secret): all mean "refuse".
    throw new WebhookError(`webhook not verified: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { id: flat["webhook-id"], timestamp: Number(flat["webhook-timestamp"]) };
}
