// Unit tests of the pure parts (node:test); the README example runs against `herald dev` in
// tests/python/test_clients.py.
import { strict as assert } from "node:assert";
import { test } from "node:test";

import { status } from "@grpc/grpc-js";
import { Webhook } from "standardwebhooks";

import { batchResult } from "./client";
import { HeraldError, WebhookError } from "./errors";
import { verifyWebhook } from "./webhook";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = '{"order":42}';

function signed(id: string, at: Date, body: string): Record<string, string> {
  return {
    "Webhook-Id": id,
    "Webhook-Timestamp": String(Math.floor(at.getTime() / 1000)),
    "Webhook-Signature": new Webhook(SECRET).sign(id, at, body),
  };
}

test("a signed delivery verifies, with headers in any case", () => {
  const now = new Date();
  assert.deepEqual(verifyWebhook(SECRET, signed("evt_1", now, BODY), Buffer.from(BODY)), {
    id: "evt_1",
    timestamp: Math.floor(now.getTime() / 1000),
  });
});

test("tampered, stale, unsigned deliveries and bad secrets are refused", () => {
  const headers = signed("evt_1", new Date(), BODY);
  assert.throws(() => verifyWebhook(SECRET, headers, '{"order":43}'), WebhookError);
  const stale = signed("evt_1", new Date(Date.now() - 3600_000), BODY);
  assert.throws(() => verifyWebhook(SECRET, stale, BODY), /timestamp too old/);
  assert.throws(() => verifyWebhook(SECRET, {}, BODY), /Missing required headers/);
  assert.throws(() => verifyWebhook("whsec_", headers, BODY), WebhookError);
});

test("errors say whether a retry can help", () => {
  assert.equal(new HeraldError("later", status.UNAVAILABLE).retryable, true);
  assert.equal(new HeraldError("too large", status.RESOURCE_EXHAUSTED).retryable, false);
  assert.equal(new HeraldError("bad server address").retryable, false);
  assert.equal(new HeraldError("no", status.NOT_FOUND).message, "no (grpc status NOT_FOUND)");
});

test("batch results become receipts or errors", () => {
  const receipt = { id: "e1", partition: 1, offset: 7, duplicate: false };
  assert.deepEqual(batchResult({ receipt, code: 0, error: "" }), { ok: true, receipt });
  const refused = batchResult({ receipt: null, code: status.INVALID_ARGUMENT, error: "type is required" });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, status.INVALID_ARGUMENT);
  assert.equal(batchResult({ receipt: null, code: 0, error: "" }).ok, false);
});
