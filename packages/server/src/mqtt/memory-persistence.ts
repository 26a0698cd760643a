import type {
  BrokerPersistence,
  OutgoingRecord,
  OutgoingWrite,
  RetainedRecord,
  SessionKey,
  SessionRecord,
  StoredMessage,
  StoredSession,
  SubscriptionRecord,
} from './persistence.js';

interface MemorySession {
  record: SessionRecord;
  readonly subscriptions: Map<string, SubscriptionRecord>;
  readonly outgoing: Map<number, OutgoingRecord>;
  readonly incoming: Set<number>;
}

function keyOf(key: SessionKey): string {
  return `${key.tenantId}\u0000${key.clientId}`;
}

/**
 * Persistence in process memory: the default, and what a broker without a database uses.
 * Survives a broker being closed and another opened over the same instance, not a
 * process restart.
 */
export class MemoryPersistence implements BrokerPersistence {
  readonly #sessions = new Map<string, MemorySession>();
  readonly #retained = new Map<string, RetainedRecord>();

  async putSession(record: SessionRecord): Promise<void> {
    const existing = this.#sessions.get(keyOf(record));
    if (existing) existing.record = { ...record };
    else
      this.#sessions.set(keyOf(record), {
        record: { ...record },
        subscriptions: new Map(),
        outgoing: new Map(),
        incoming: new Set(),
      });
  }

  async deleteSession(key: SessionKey): Promise<void> {
    this.#sessions.delete(keyOf(key));
  }

  async listSessions(): Promise<StoredSession[]> {
    return [...this.#sessions.values()].map((s) => ({
      ...s.record,
      subscriptions: [...s.subscriptions.values()],
    }));
  }

  async putSubscriptions(key: SessionKey, subscriptions: readonly SubscriptionRecord[]): Promise<void> {
    const session = this.#sessions.get(keyOf(key));
    if (!session) return;
    for (const sub of subscriptions) session.subscriptions.set(sub.filter, { ...sub });
  }

  async deleteSubscriptions(key: SessionKey, filters: readonly string[]): Promise<void> {
    const session = this.#sessions.get(keyOf(key));
    for (const filter of filters) session?.subscriptions.delete(filter);
  }

  async writeOutgoing(writes: readonly OutgoingWrite[]): Promise<void> {
    for (const write of writes) {
      const session = this.#sessions.get(keyOf(write.session));
      if (!session) continue;
      if (write.kind === 'put') session.outgoing.set(write.record.seq, write.record);
      else if (write.kind === 'delete') session.outgoing.delete(write.seq);
      else {
        const current = session.outgoing.get(write.seq);
        if (current)
          session.outgoing.set(write.seq, { ...current, packetId: write.packetId, state: write.state });
      }
    }
  }

  async loadOutgoing(key: SessionKey): Promise<OutgoingRecord[]> {
    const session = this.#sessions.get(keyOf(key));
    return session ? [...session.outgoing.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  async putIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void> {
    const session = this.#sessions.get(keyOf(key));
    for (const id of packetIds) session?.incoming.add(id);
  }

  async deleteIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void> {
    const session = this.#sessions.get(keyOf(key));
    for (const id of packetIds) session?.incoming.delete(id);
  }

  async loadIncoming(key: SessionKey): Promise<number[]> {
    const session = this.#sessions.get(keyOf(key));
    return session ? [...session.incoming].sort((a, b) => a - b) : [];
  }

  async putRetained(tenantId: string, topic: string, message: StoredMessage | null): Promise<void> {
    const key = `${tenantId}\u0000${topic}`;
    if (message === null) this.#retained.delete(key);
    else this.#retained.set(key, { tenantId, message });
  }

  async listRetained(): Promise<RetainedRecord[]> {
    return [...this.#retained.values()];
  }

  async close(): Promise<void> {}
}
