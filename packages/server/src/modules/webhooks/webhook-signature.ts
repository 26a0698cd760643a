import { createHmac, randomBytes } from 'node:crypto';

/** The prefix of a Standard Webhooks secret; the rest is the key, base64. */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the spec asks for 24 to 64). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * One `v1,<base64>` signature of a message: HMAC-SHA256, keyed with the secret's decoded
 * bytes, over `${id}.${timestamp}.${body}` (Standard Webhooks, "Signature scheme").
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-signature` header: one signature per valid secret, space-separated, so that
 * a receiver holding either secret verifies during a rotation.
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' ');
}
