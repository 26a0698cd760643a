import { openTestStore, type TestDatabase } from './databases.js';

/** One stored message, as far as the process-level tests need it. */
export interface StoredMessage {
  readonly id: string;
  readonly deviceId: string;
  readonly messageId: string | null;
  readonly seq: number | null;
}

/** One row of the change feed table. */
export interface StoredChange {
  readonly position: number;
  readonly kind: string;
  readonly entityId: string;
}

/** What capture left in the database: messages, per-device counters and the change feed. */
export interface CaptureSnapshot {
  readonly messages: readonly StoredMessage[];
  /** `device_state.message_count` by device id. */
  readonly messageCounts: ReadonlyMap<string, number>;
  /** Every change of every tenant, in position order. */
  readonly changes: readonly StoredChange[];
}

/**
 * Reads the capture tables straight from the database. On SQLite the server must be
 * stopped first; the test opens the file itself.
 */
export async function readCaptureSnapshot(database: TestDatabase): Promise<CaptureSnapshot> {
  const store = await openTestStore(database);
  try {
    const messages = await store.db
      .selectFrom('messages')
      .select(['id', 'device_id', 'message_id', 'seq'])
      .orderBy('id')
      .execute();
    const states = await store.db.selectFrom('device_state').select(['device_id', 'message_count']).execute();
    const changes = await store.db
      .selectFrom('changes')
      .select(['position', 'kind', 'entity_id'])
      .orderBy('position')
      .execute();
    return {
      messages: messages.map((m) => ({
        id: m.id,
        deviceId: m.device_id,
        messageId: m.message_id,
        seq: m.seq === null ? null : Number(m.seq),
      })),
      messageCounts: new Map(states.map((s) => [s.device_id, Number(s.message_count)])),
      changes: changes.map((c) => ({ position: Number(c.position), kind: c.kind, entityId: c.entity_id })),
    };
  } finally {
    await store.close();
  }
}
