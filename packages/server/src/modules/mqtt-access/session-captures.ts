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
 * Keeps a session's uplinks in connection order on their way to capture. A client that
 * lost its connection resends on the next one what it has no PUBACK for, and capture
 * tells such a resend by the packet id it remembered with the original: so the original,
 * still on its way from the old connection (a takeover, a keep-alive timeout under load),
 * must be stored before the resend is looked at, or both are stored. A new connection's
 * captures therefore wait until the previous connection's have settled.
 */
export class SessionCaptures {
  readonly #sessions = new Map<string, ConnectionCaptures>();

  /**
   * Runs `capture` for an uplink of `session` from `connection`, after every capture of
   * an earlier connection of the session has settled.
   */
  run<T>(session: string, connection: string, capture: () => Promise<T>): Promise<T> {
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
