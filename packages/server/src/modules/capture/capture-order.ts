/**
 * Capture's ordering rule, owned here and relied on everywhere else:
 *
 *   1. Frames are decided in the order `CapturePipeline.capture` is called: the group
 *      committer batches them first in, first out, a batch decides its frames in that
 *      order (`applyBatch`), and the writer applies batches in the order it is handed them
 *      (the SQLite writer commits them in that order; on PostgreSQL, where batches run side
 *      by side, batches that share a device take its lock one after the other).
 *   2. A frame that depends on an earlier one being stored waits for it to settle first:
 *      a session's uplinks reach capture in connection order (below).
 *
 * Transports therefore call `capture` in the order the frames arrived and never reorder; one
 * that must read something before its frame is complete takes its place first
 * (`captureWhenRead`).
 */
import type { Frame } from './frame.js';

/** What places a frame in capture's order: its tenant and, for MQTT QoS 1 and 2, its delivery. */
export type CaptureOrderKey = Pick<Frame, 'tenantId' | 'delivery'>;

/** The captures of one connection of a session that have not settled yet. */
interface ConnectionCaptures {
  readonly connection: string;
  /** The previous connection's captures settling: this connection's wait for it. */
  after: Promise<void> | undefined;
  pending: number;
  /** Resolved when `pending` drops to 0, for a later connection waiting on it. */
  idle: Promise<void> | undefined;
  settle: (() => void) | undefined;
}

/**
 * Rule 2. A client that lost its connection resends on the next one what it has no PUBACK
 * for, and capture tells such a resend by the packet id it remembered with the original:
 * so the original, still on its way from the old connection (a takeover, a keep-alive
 * timeout under load), must be stored before the resend is looked at, or both are stored.
 * A frame of a new connection of its session (`Frame.delivery`) therefore waits until
 * every frame of the session's previous connection has settled. Frames without a delivery
 * (HTTP, Sigfox, MQTT QoS 0) are never resent by their transport and never wait.
 */
export class CaptureOrder {
  readonly #sessions = new Map<string, ConnectionCaptures>();

  /**
   * Runs `capture` for the frame `key` places once the rule lets it go, and answers with
   * its result. The frame's place is taken by this call.
   */
  run<T>(key: CaptureOrderKey, capture: () => Promise<T>): Promise<T> {
    const delivery = key.delivery;
    if (delivery === undefined) return capture();
    const session = `${key.tenantId}\u0000${delivery.session}`;
    const connection = delivery.connection;
    let entry = this.#sessions.get(session);
    if (entry === undefined || entry.connection !== connection) {
      const after = entry !== undefined && entry.pending > 0 ? idleOf(entry) : undefined;
      const created: ConnectionCaptures = {
        connection,
        after,
        pending: 0,
        idle: undefined,
        settle: undefined,
      };
      after?.then(() => {
        created.after = undefined;
      });
      entry = created;
      this.#sessions.set(session, entry);
    }
    const mine = entry;
    const before = mine.after;
    mine.pending += 1;
    const work = before === undefined ? capture() : before.then(capture);
    const done = () => {
      mine.pending -= 1;
      if (mine.pending > 0) return;
      mine.settle?.();
      if (this.#sessions.get(session) === mine) this.#sessions.delete(session);
    };
    work.then(done, done);
    return work;
  }
}

function idleOf(entry: ConnectionCaptures): Promise<void> {
  entry.idle ??= new Promise<void>((resolve) => {
    entry.settle = resolve;
  });
  return entry.idle;
}
