/**
 * TypeScript client for Herald: publish events, manage teams, topics, keys and subscriptions,
 * read delivery history, replay, and verify the webhooks Herald sends (Standard Webhooks).
 */
export { Herald } from "./client";
export type {
  BatchResult,
  Created,
  Event,
  HeraldOptions,
  Receipt,
  Scope,
  SubscriptionChanges,
  SubscriptionOptions,
} from "./client";
export { HeraldError, WebhookError } from "./errors";
export { verifyWebhook } from "./webhook";
export type { IncomingHeaders, VerifiedWebhook } from "./webhook";
