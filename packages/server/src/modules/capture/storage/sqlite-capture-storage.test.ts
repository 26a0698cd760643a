import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../../test/support/seed.js';
import type { Store } from '../../../store/store.js';
import { writeCaptureBatch } from '../capture-batch.js';
import type { Frame } from '../frame.js';
import { sqliteCaptureStorage } from './sqlite-capture-storage.js';

const sqlite = dialectCases().find((d) => d.name === 'sqlite');

function frame(tenantId: string, deviceId: string, seq: number, now: number): Frame {
  return {
    tenantId,
    deviceId,
    typeId: 'x',
    transport: 'http',
    receivedAt: now,
    deviceTime: now - 1000,
    seq,
    seqBits: 32,
    payload: Buffer.from([seq]),
    receptions: [{ station: 'S1', receivedAt: now, rssi: -120.5, snr: 7 }],
  };
}

/**
 * The statements of the SQLite capture writer, on a real file: the `changes` of a batch
 * are inserted a run at a time from a JSON array, so their order and positions are SQLite's
 * to get right, not a row each.
 */
describe.skipIf(!sqlite?.available)('SQLite capture storage', () => {
  let database: TestDatabase;
  let store: Store;
  let connection: SqliteDatabase.Database;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    store = await openTestStore(database);
    await seedTenantWithTypes(store, 'ta', { x: {} });
    await seedTenantWithTypes(store, 'tb', { x: {} });
    connection = new SqliteDatabase(store.location);
    connection.pragma('busy_timeout = 5000');
  });
  afterAll(async () => {
    connection?.close();
    await store?.close();
    await database?.drop();
  });

  const write = async (frames: readonly Frame[], now: number) => {
    connection.exec('begin immediate');
    try {
      const result = await writeCaptureBatch(sqliteCaptureStorage(connection), frames, now);
      connection.exec('commit');
      return result;
    } catch (error) {
      connection.exec('rollback');
      throw error;
    }
  };

  it("appends one change per new message of each tenant, in the batch's order, and returns each tenant's last position", async () => {
    const now = Date.now();
    // Two tenants interleaved, and a retry of a frame within the batch: no change for it.
    const frames = [
      frame('ta', 'd1', 1, now),
      frame('tb', 'd1', 1, now),
      frame('ta', 'd2', 1, now),
      frame('ta', 'd1', 1, now),
      frame('tb', 'd2', 7, now),
      frame('ta', 'd1', 2, now),
    ];
    const result = await write(frames, now);
    expect(result.outcomes.map((outcome) => outcome.duplicate)).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    const created = (tenantId: string) =>
      result.outcomes
        .filter((outcome, index) => !outcome.duplicate && frames[index]?.tenantId === tenantId)
        .map((outcome) => outcome.messageId);
    for (const tenantId of ['ta', 'tb']) {
      const rows = connection
        .prepare<
          [string],
          { position: number; kind: string; entity_id: string; data: string; created_at: number }
        >(
          'select position, kind, entity_id, data, created_at from changes where tenant_id = ? order by position',
        )
        .all(tenantId);
      expect(rows.map((row) => row.entity_id)).toEqual(created(tenantId));
      expect(
        rows.every((row) => row.kind === 'message.created' && row.data === '' && row.created_at === now),
      ).toBe(true);
      expect(result.positions.get(tenantId)).toBe(rows.at(-1)?.position);
    }
    // The duplicate's reception is merged into its message; states count the retry.
    const receptions = connection
      .prepare<[string], { n: number }>('select count(*) as n from receptions where message_id = ?')
      .get(result.outcomes[0]?.messageId ?? '');
    expect(receptions?.n).toBe(1);
    const state = connection
      .prepare<[], { message_count: number; duplicate_count: number; seq_max: number }>(
        "select message_count, duplicate_count, seq_max from device_state where tenant_id = 'ta' and device_id = 'd1'",
      )
      .get();
    expect(state).toEqual({ message_count: 2, duplicate_count: 1, seq_max: 2 });
  });

  it('keeps positions growing across batches, also after a batch that rolled back', async () => {
    const before = connection
      .prepare<[], { last: number }>('select max(position) as last from changes')
      .get();
    const now = Date.now();
    const first = await write([frame('ta', 'd3', 1, now), frame('ta', 'd3', 2, now)], now);
    // A frame whose seq does not fit its type fails the whole batch: nothing of it stays.
    await expect(
      write([frame('ta', 'd3', 3, now), { ...frame('ta', 'd3', 2 ** 33, now) }], now),
    ).rejects.toThrow(/seq/);
    const second = await write([frame('ta', 'd3', 3, now)], now);
    const firstLast = first.positions.get('ta') ?? 0;
    const secondLast = second.positions.get('ta') ?? 0;
    expect(firstLast).toBeGreaterThan(before?.last ?? 0);
    expect(secondLast).toBeGreaterThan(firstLast);
    const stored = connection
      .prepare<[], { n: number }>(
        "select count(*) as n from messages where tenant_id = 'ta' and device_id = 'd3'",
      )
      .get();
    expect(stored?.n).toBe(3);
  });
});
