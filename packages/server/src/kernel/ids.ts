import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes are drawn from a pool: one system call per few hundred ids, not one per id. */
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomSlice(length: number): Buffer {
  if (poolOffset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return slice;
}

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Sorts by creation time,
 * which keeps B-tree inserts at the right edge of an index.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = Buffer.from(randomSlice(16));
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A short random id with a readable prefix, e.g. `key_3kq9…`. */
export function prefixedId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** A 256-bit secret with a prefix that tells what it is (`fpk_` API key, `fpd_` device token). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of a secret, hex. Secrets are 256-bit random values, so a fast hash is enough:
 * there is nothing to brute-force, and lookups stay an index probe.
 */
export function hashSecret(secret: string): string {
  // One-shot: about a quarter of the cost of a Hash object, on every authenticated request.
  return hash('sha256', secret, 'hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
