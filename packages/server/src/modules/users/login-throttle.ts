import { AppError } from '../../kernel/errors.js';
import { lockKeys, type Store, transact } from '../../store/store.js';
import { deleteThrottle, findThrottles, pruneThrottles, saveThrottle } from './users-store.js';

/** How many failures within a window lock an account or an address, and for how long. */
export interface ThrottleLimits {
  readonly accountFailures: number;
  readonly addressFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  accountFailures: 5,
  addressFailures: 20,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

// Accounts are counted by the e-mail typed, known or not: an unknown e-mail locks exactly
// like a known one, so a lock tells nothing about which accounts exist.
export const accountKey = (email: string) => `account:${email}`;
export const addressKey = (address: string) => `address:${address}`;

/** `login_locked` (429) while the account or the address is locked; nothing otherwise. */
export async function refuseIfLocked(store: Store, keys: readonly string[], now: number): Promise<void> {
  const rows = await findThrottles(store, keys);
  const until = Math.max(0, ...rows.map((row) => row.locked_until));
  if (until > now) {
    const retryAfterSeconds = Math.ceil((until - now) / 1000);
    throw new AppError('login_locked', 'too many failed logins: try again later', { retryAfterSeconds });
  }
}

/** Counts a failed login against each key; a key that reaches its limit is locked. */
export async function recordFailure(
  store: Store,
  keys: readonly { readonly key: string; readonly limit: number }[],
  now: number,
  limits: ThrottleLimits,
): Promise<void> {
  await transact(store, async (tx) => {
    await lockKeys(
      tx,
      keys.map((k) => `login:${k.key}`),
    );
    const rows = new Map(
      (
        await findThrottles(
          tx,
          keys.map((k) => k.key),
        )
      ).map((row) => [row.key, row]),
    );
    for (const { key, limit } of keys) {
      const row = rows.get(key);
      const fresh = row === undefined || now - row.window_start >= limits.windowMs;
      const failures = fresh ? 1 : row.failures + 1;
      const locked = failures >= limit;
      await saveThrottle(tx, {
        key,
        // A lock starts a new window: after it, the count starts again from zero.
        failures: locked ? 0 : failures,
        window_start: fresh || locked ? now : row.window_start,
        locked_until: locked ? now + limits.lockMs : (row?.locked_until ?? 0),
      });
    }
    await pruneThrottles(tx, now - Math.max(limits.windowMs, limits.lockMs));
  });
}

/** A successful login forgets the account's failures (not the address's: see docs/ACCESS.md). */
export function clearAccount(store: Store, email: string): Promise<void> {
  return deleteThrottle(store, accountKey(email));
}
