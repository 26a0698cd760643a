import type { CommandStatus } from '../commands/index.js';
import type { Twin } from '../twins/index.js';

/** How one attempt ended, as far as it can be told from what it started. */
export interface Outcome {
  readonly status: 'succeeded' | 'failed';
  readonly error: string | null;
}

/**
 * The idempotency key of the command one attempt of a job sends a device: unique per
 * device already (keys are per device), so a job that starts an attempt again after a
 * crash gets the command it made before instead of a second one.
 */
export function commandKey(jobId: string, attempt: number): string {
  return `job:${jobId}:${attempt}`;
}

/** The job and attempt a command belongs to, from its idempotency key; undefined for other commands. */
export function parseCommandKey(
  key: string | null | undefined,
): { jobId: string; attempt: number } | undefined {
  if (typeof key !== 'string' || !key.startsWith('job:')) return undefined;
  const match = /^job:(job_[0-9a-f]{32}):(\d{1,3})$/.exec(key);
  if (match === null) return undefined;
  return { jobId: match[1] as string, attempt: Number(match[2]) };
}

/**
 * Whether a command's status ends a device's attempt. A confirmed command succeeds only when
 * the device acknowledged it; an unconfirmed one as soon as the transport took it (sent,
 * delivered, or unknown where the transport cannot tell, docs/COMMANDS.md). Failed, expired
 * and cancelled fail it either way; anything else is still on its way.
 */
export function commandOutcome(status: CommandStatus, confirmed: boolean): Outcome | undefined {
  if (status === 'acknowledged') return { status: 'succeeded', error: null };
  if (status === 'failed' || status === 'expired' || status === 'cancelled')
    return { status: 'failed', error: `command ${status}` };
  if (confirmed || status === 'queued') return undefined;
  return { status: 'succeeded', error: null };
}

/** JSON equality, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((key) => Object.hasOwn(rb, key) && sameJson((a as Record<string, unknown>)[key], rb[key]));
}

/**
 * Whether a twin patch is done on a device: every property it sets is desired with the
 * patch's value and applied (reported equal). A property whose parameter failed fails it;
 * one whose desired value someone changed since is `superseded` (the job's value will
 * never be applied). A property the patch removes (null) needs nothing.
 */
export function twinOutcome(twin: Twin, patch: Readonly<Record<string, unknown>>): Outcome | undefined {
  let waiting = false;
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) continue;
    if (!Object.hasOwn(twin.desired, name) || !sameJson(twin.desired[name], value))
      return { status: 'failed', error: `superseded: desired ${name} was changed since` };
    const parameter = twin.parameters[name];
    if (parameter === undefined || parameter.status === 'pending' || parameter.status === 'sent') {
      waiting = true;
      continue;
    }
    if (parameter.status === 'failed')
      return { status: 'failed', error: `${name}: ${parameter.error ?? 'the device could not apply it'}` };
    if (parameter.status === 'superseded')
      return { status: 'failed', error: `superseded: desired ${name} was changed since` };
  }
  return waiting ? undefined : { status: 'succeeded', error: null };
}
