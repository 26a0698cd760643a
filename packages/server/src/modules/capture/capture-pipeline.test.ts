import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import type { Store } from '../../store/store.js';
import { readChanges } from '../changes/change-store.js';
import { readFeed } from '../changes/index.js';
import { expandMessageChanges } from '../messages/index.js';
import { CapturePipeline } from './capture-pipeline.js';
import type { Frame } from './frame.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const clock: Clock & { at: number } = {
  at: T0,
  now() {
    return this.at;
  },
};

let counter = 0;
/** A fresh device for each test, so that their sequences never meet. */
function freshDevice(): string {
  counter += 1;
  return `dev-${counter}`;
}

function sigfox(
  deviceId: string,
  seq: number,
  timeSeconds: number,
  station = 'BS1',
  extra: Partial<Frame> = {},
): Frame {
  return {
    tenantId: 't',
    deviceId,
    typeId: 'sfx',
    transport: 'sigfox',
    receivedAt: clock.now(),
    deviceTime: timeSeconds * 1000,
    seq,
    seqBits: 12,
    payload: Buffer.from('0102abcd', 'hex'),
    receptions: [{ station, receivedAt: clock.now(), rssi: -120, snr: 10 }],
    ...extra,
  };
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`capture pipeline (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let bus: EventBus;
    let pipeline: CapturePipeline;
    const captured: { messageId: string; timeliness: string; outOfOrder: boolean }[] = [];

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      bus = new EventBus();
      bus.subscribe('message.captured', (event) => captured.push(event));
      pipeline = new CapturePipeline(
        { store, clock, bus, logger: silentLogger },
        { writer: openCaptureWriter(store) },
      );
      await seedTenantWithTypes(store, 't', {
        sfx: { lateAfterSeconds: 60 },
        http: { lateAfterSeconds: 60, sequenceBits: 32 },
      });
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });
    beforeEach(() => {
      clock.at = T0;
    });

    const messagesOf = (deviceId: string) =>
      store.db
        .selectFrom('messages')
        .selectAll()
        .where('device_id', '=', deviceId)
        .orderBy('received_at')
        .orderBy('id')
        .execute();
    const stateOf = (deviceId: string) =>
      store.db
        .selectFrom('device_state')
        .selectAll()
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow();
    const gapsOf = (deviceId: string) =>
      store.db
        .selectFrom('sequence_gaps')
        .selectAll()
        .where('device_id', '=', deviceId)
        .orderBy('from_seq')
        .execute()
        .then((rows) =>
          rows.map((g) => ({ from: Number(g.from_seq), to: Number(g.to_seq), closedBy: g.closed_by })),
        );

    it("holds an MQTT resend on a new connection until the old connection's original is stored, even when its frame is read first", async () => {
      const deviceId = freshDevice();
      const uplink = (connection: string, dup: boolean): Frame => ({
        tenantId: 't',
        deviceId,
        typeId: 'http',
        transport: 'mqtt',
        receivedAt: clock.now(),
        payload: Buffer.from('resent'),
        receptions: [],
        delivery: {
          session: `client-${deviceId}`,
          packetId: 7,
          connection,
          dup,
          phase: dup ? 'resumed' : 'fresh',
        },
      });
      const original = uplink('c1', false);
      const resend = uplink('c2', true);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let resendRead = false;
      // The original's frame is still being read (its type's counter width) when the resend arrives.
      const first = pipeline.captureWhenRead(original, () => gate.then(() => original));
      const second = pipeline.captureWhenRead(resend, async () => {
        resendRead = true;
        return resend;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(resendRead).toBe(false);
      release();
      const [stored, again] = await Promise.all([first, second]);
      expect(stored.duplicate).toBe(false);
      expect(again).toEqual({ ...stored, duplicate: true });
      expect(await messagesOf(deviceId)).toHaveLength(1);
    });

    it('stores a frame heard by three base stations as one message with three receptions', async () => {
      const device = freshDevice();
      const time = T0 / 1000 - 2;
      const outcomes = await Promise.all([
        pipeline.capture(sigfox(device, 100, time, 'BS1')),
        pipeline.capture(sigfox(device, 100, time, 'BS2')),
        pipeline.capture(sigfox(device, 100, time, 'BS3')),
      ]);
      expect(outcomes.map((o) => o.duplicate)).toEqual([false, true, true]);
      expect(new Set(outcomes.map((o) => o.messageId)).size).toBe(1);
      const stored = await messagesOf(device);
      expect(stored).toHaveLength(1);
      const receptions = await store.db
        .selectFrom('receptions')
        .selectAll()
        .where('message_id', '=', stored[0]?.id ?? '')
        .execute();
      expect(receptions.map((r) => r.station).sort()).toEqual(['BS1', 'BS2', 'BS3']);
      expect((await stateOf(device)).duplicate_count).toBe(2);
    });

    it('is idempotent for a retried callback: same message, same receptions', async () => {
      const device = freshDevice();
      const frame = sigfox(device, 7, T0 / 1000 - 1, 'BS9');
      const first = await pipeline.capture(frame);
      clock.at = T0 + 30_000;
      const retry = await pipeline.capture({ ...frame, receivedAt: clock.now() });
      expect(retry).toEqual({ messageId: first.messageId, duplicate: true, timeliness: first.timeliness });
      expect(await messagesOf(device)).toHaveLength(1);
      const receptions = await store.db
        .selectFrom('receptions')
        .selectAll()
        .where('message_id', '=', first.messageId)
        .execute();
      expect(receptions).toHaveLength(1);
    });

    it('stores the same sequence number again after a wrap as a new message', async () => {
      const device = freshDevice();
      const a = await pipeline.capture(sigfox(device, 5, T0 / 1000 - 100000));
      const b = await pipeline.capture(sigfox(device, 5, T0 / 1000 - 10));
      expect(a.messageId).not.toBe(b.messageId);
      expect(b.duplicate).toBe(false);
    });

    it('labels a frame received long after its device time late, and keeps "latest" on the newer one', async () => {
      const device = freshDevice();
      const now = T0 / 1000;
      const live = await pipeline.capture(sigfox(device, 10, now - 5));
      const late = await pipeline.capture(sigfox(device, 9, now - 3600));
      expect(live.timeliness).toBe('live');
      expect(late.timeliness).toBe('late');
      const state = await stateOf(device);
      expect(state.latest_message_id).toBe(live.messageId);
      expect(state.last_message_id).toBe(late.messageId);
      const rows = await messagesOf(device);
      expect(rows.find((r) => r.id === late.messageId)?.out_of_order).toBe(1);
      expect(captured.find((c) => c.messageId === late.messageId)).toMatchObject({
        timeliness: 'late',
        outOfOrder: true,
      });
    });

    it('labels replayed frames replayed and never moves "latest" with them', async () => {
      const device = freshDevice();
      const live = await pipeline.capture(sigfox(device, 1, T0 / 1000 - 5));
      const replayed = await pipeline.capture(sigfox(device, 2, T0 / 1000 - 4, 'BS1', { replayed: true }));
      expect(replayed.timeliness).toBe('replayed');
      expect((await stateOf(device)).latest_message_id).toBe(live.messageId);
    });

    it('records gaps and closes them when the missing frames arrive late', async () => {
      const device = freshDevice();
      const t = T0 / 1000;
      await pipeline.capture(sigfox(device, 10, t - 100));
      await pipeline.capture(sigfox(device, 15, t - 50));
      expect(await gapsOf(device)).toEqual([{ from: 11, to: 14, closedBy: null }]);
      await pipeline.capture(sigfox(device, 12, t - 80));
      expect(await gapsOf(device)).toEqual([
        { from: 11, to: 11, closedBy: null },
        { from: 13, to: 14, closedBy: null },
      ]);
      for (const seq of [11, 13, 14]) await pipeline.capture(sigfox(device, seq, t - 90 + seq));
      const gaps = await gapsOf(device);
      expect(gaps.every((g) => g.closedBy === 'filled')).toBe(true);
      const rows = await messagesOf(device);
      expect(rows.filter((r) => r.sequence_event === 'out_of_order')).toHaveLength(4);
      expect((await stateOf(device)).seq_max).toBe(15);
    });

    it('follows the 12-bit counter across its wrap, with the gap spanning it', async () => {
      const device = freshDevice();
      const t = T0 / 1000;
      await pipeline.capture(sigfox(device, 4094, t - 30));
      const wrapped = await pipeline.capture(sigfox(device, 1, t - 10));
      const rows = await messagesOf(device);
      expect(rows.find((r) => r.id === wrapped.messageId)?.sequence_event).toBe('wrap');
      expect(await gapsOf(device)).toEqual([{ from: 4095, to: 0, closedBy: null }]);
      expect((await stateOf(device)).seq_resets).toBe(0);
    });

    it("tells a reset after a reboot from a wrap, and closes the old run's gaps", async () => {
      const device = freshDevice();
      const t = T0 / 1000;
      await pipeline.capture(sigfox(device, 2000, t - 300));
      await pipeline.capture(sigfox(device, 2005, t - 200));
      const reset = await pipeline.capture(sigfox(device, 0, t - 5));
      const rows = await messagesOf(device);
      expect(rows.find((r) => r.id === reset.messageId)?.sequence_event).toBe('reset');
      expect(rows.find((r) => r.id === reset.messageId)?.out_of_order).toBe(0);
      const state = await stateOf(device);
      expect(state.seq_resets).toBe(1);
      expect(state.seq_max).toBe(0);
      expect(state.latest_message_id).toBe(reset.messageId);
      expect(await gapsOf(device)).toEqual([{ from: 2001, to: 2004, closedBy: 'reset' }]);
    });

    it('treats a frame of a later counter cycle that lands in an old gap as new, not late', async () => {
      const device = freshDevice();
      const t = T0 / 1000;
      await pipeline.capture(sigfox(device, 100, t - 500));
      await pipeline.capture(sigfox(device, 106, t - 490));
      for (const [seq, age] of [
        [2000, 400],
        [4000, 300],
        [10, 200],
      ] as const) {
        await pipeline.capture(sigfox(device, seq, t - age));
      }
      const next = await pipeline.capture(sigfox(device, 103, t - 100));
      const row = (await messagesOf(device)).find((r) => r.id === next.messageId);
      expect(row?.out_of_order).toBe(0);
      expect(row?.sequence_event).toBe('gap');
      expect((await stateOf(device)).seq_max).toBe(103);
    });

    it('deduplicates HTTP messages by message id, and by payload within the window when they carry nothing else', async () => {
      const device = freshDevice();
      const base: Frame = {
        tenantId: 't',
        deviceId: device,
        typeId: 'http',
        transport: 'http',
        receivedAt: T0,
        seqBits: 32,
        payload: Buffer.from('hello'),
        receptions: [],
      };
      const a = await pipeline.capture({ ...base, messageId: 'm-1' });
      const a2 = await pipeline.capture({ ...base, messageId: 'm-1', receivedAt: T0 + 1000 });
      expect(a2).toMatchObject({ messageId: a.messageId, duplicate: true });
      const plain = await pipeline.capture({ ...base, payload: Buffer.from('bare') });
      const sameWithinWindow = await pipeline.capture({
        ...base,
        payload: Buffer.from('bare'),
        receivedAt: T0 + 200_000,
      });
      expect(sameWithinWindow).toMatchObject({ messageId: plain.messageId, duplicate: true });
      const afterWindow = await pipeline.capture({
        ...base,
        payload: Buffer.from('bare'),
        receivedAt: T0 + 900_000,
      });
      expect(afterWindow.duplicate).toBe(false);
    });

    describe('MQTT deliveries', () => {
      const tick = () => {
        clock.at += 1000;
        return clock.at;
      };
      /** An MQTT QoS 1 uplink without an identity of its own, on connection `connection`. */
      const mqtt = (
        device: string,
        payload: string,
        delivery: Partial<NonNullable<Frame['delivery']>> & { packetId: number },
      ): Frame => ({
        tenantId: 't',
        deviceId: device,
        typeId: 'http',
        transport: 'mqtt',
        receivedAt: tick(),
        seqBits: 32,
        payload: Buffer.from(payload),
        receptions: [],
        delivery: { session: 'client', connection: 'c1', dup: false, phase: 'steady', ...delivery },
      });

      it('stores equal payloads as separate messages, and a packet id reused after its PUBACK as a new one', async () => {
        const device = freshDevice();
        const first = await pipeline.capture(mqtt(device, '21.5', { packetId: 1, phase: 'fresh' }));
        const second = await pipeline.capture(mqtt(device, '21.5', { packetId: 2 }));
        // The client had the PUBACK of id 1 on this connection, so id 1 again is new.
        const reused = await pipeline.capture(mqtt(device, '21.5', { packetId: 1 }));
        expect([first.duplicate, second.duplicate, reused.duplicate]).toEqual([false, false, false]);
        expect(new Set([first.messageId, second.messageId, reused.messageId]).size).toBe(3);
        // A 3.1.1 retry on the same connection (DUP) is the latest message under its id.
        const retried = await pipeline.capture(mqtt(device, '21.5', { packetId: 1, dup: true }));
        expect(retried).toMatchObject({ messageId: reused.messageId, duplicate: true });
        const rows = await messagesOf(device);
        expect(rows).toHaveLength(3);
        // Keyed by their own ids: appended to the identity index, never colliding.
        for (const row of rows) expect(row.dedup_key).toBe(`u:${row.id}`);
      });

      it('stores a DUP publish whose original never arrived, even when an earlier message has its payload', async () => {
        const device = freshDevice();
        const earlier = await pipeline.capture(mqtt(device, '22.0', { packetId: 7, phase: 'fresh' }));
        const resent = await pipeline.capture(mqtt(device, '22.0', { packetId: 8, dup: true }));
        expect(resent.duplicate).toBe(false);
        expect(resent.messageId).not.toBe(earlier.messageId);
        // On a resumed connection too: nothing was ever stored under id 9.
        const other = await pipeline.capture(
          mqtt(device, '22.0', { packetId: 9, dup: true, connection: 'c2', phase: 'resumed' }),
        );
        expect(other.duplicate).toBe(false);
        expect(await messagesOf(device)).toHaveLength(3);
      });

      it('takes a resend on a resumed connection for its original, with or without DUP, until something new is stored', async () => {
        const device = freshDevice();
        const a = await pipeline.capture(mqtt(device, 'a', { packetId: 10, phase: 'fresh' }));
        const b = await pipeline.capture(mqtt(device, 'b', { packetId: 11 }));
        const c = await pipeline.capture(mqtt(device, 'c', { packetId: 12 }));
        // The server crashed before the client had the PUBACKs of 11 and 12. mqtt.js
        // resends without DUP, Paho and mosquitto with it.
        const next = { connection: 'c2', phase: 'resumed' as const };
        const b2 = await pipeline.capture(mqtt(device, 'b', { packetId: 11, ...next }));
        const c2 = await pipeline.capture(mqtt(device, 'c', { packetId: 12, dup: true, ...next }));
        expect(b2).toMatchObject({ messageId: b.messageId, duplicate: true });
        expect(c2).toMatchObject({ messageId: c.messageId, duplicate: true });
        // A client that had the PUBACK may reuse an id at once: another payload is new.
        const reused = await pipeline.capture(mqtt(device, 'other', { packetId: 10, ...next }));
        expect(reused.duplicate).toBe(false);
        // Past its resends (something new was stored), old ids no longer count, even with
        // an equal payload: the client had their PUBACKs.
        const again = await pipeline.capture(mqtt(device, 'a', { packetId: 10, connection: 'c2' }));
        expect(again.duplicate).toBe(false);
        expect(again.messageId).not.toBe(a.messageId);
        // Resends of this connection's ids are still recognised after the next crash.
        const third = { connection: 'c3', phase: 'resumed' as const };
        const b3 = await pipeline.capture(mqtt(device, 'b', { packetId: 11, ...third }));
        expect(b3).toMatchObject({ messageId: b.messageId, duplicate: true });
        expect(await messagesOf(device)).toHaveLength(5);
      });

      it('stores a publish reusing an id of the previous connection as new when the session starts fresh', async () => {
        const device = freshDevice();
        const first = await pipeline.capture(mqtt(device, 'same', { packetId: 1, phase: 'fresh' }));
        // mosquitto_pub run again: a new process, packet ids from 1, the same reading.
        const next = await pipeline.capture(
          mqtt(device, 'same', { packetId: 1, connection: 'c2', phase: 'fresh' }),
        );
        expect(next.duplicate).toBe(false);
        expect(next.messageId).not.toBe(first.messageId);
        // And the first connection's ids are forgotten: a later resumed connection does not match them.
        const later = await pipeline.capture(
          mqtt(device, 'same', { packetId: 1, connection: 'c3', phase: 'resumed' }),
        );
        expect(later).toMatchObject({ messageId: next.messageId, duplicate: true });
      });

      it('matches an original and its resend within one batch', async () => {
        const device = freshDevice();
        const [original, copy, fresh] = await Promise.all([
          pipeline.capture(mqtt(device, '23.0', { packetId: 3, phase: 'fresh' })),
          pipeline.capture(mqtt(device, '23.0', { packetId: 3, connection: 'c2', phase: 'resumed' })),
          pipeline.capture(mqtt(device, '23.0', { packetId: 4, connection: 'c2', phase: 'resumed' })),
        ]);
        expect(copy).toMatchObject({ messageId: original?.messageId, duplicate: true });
        expect(fresh?.duplicate).toBe(false);
        expect(await messagesOf(device)).toHaveLength(2);
      });
    });

    describe('identity clashes', () => {
      it('refuses a message id stored with another payload, and takes the same payload for a retry', async () => {
        const device = freshDevice();
        const base: Frame = {
          tenantId: 't',
          deviceId: device,
          typeId: 'http',
          transport: 'http',
          receivedAt: T0,
          messageId: 'm-1',
          payload: Buffer.from('{"t":1}'),
          receptions: [],
        };
        const first = await pipeline.capture(base);
        const retry = await pipeline.capture({ ...base, receivedAt: T0 + 10 });
        expect(retry).toMatchObject({ messageId: first.messageId, duplicate: true });
        await expect(
          pipeline.capture({ ...base, receivedAt: T0 + 20, payload: Buffer.from('{"t":2}') }),
        ).rejects.toMatchObject({
          code: 'identity_conflict',
          status: 409,
          data: { messageId: first.messageId },
        });
        // In one batch with good frames, the clash fails alone.
        const results = await Promise.allSettled([
          pipeline.capture({ ...base, messageId: 'm-2' }),
          pipeline.capture({ ...base, payload: Buffer.from('{"t":3}') }),
          pipeline.capture({ ...base, messageId: 'm-3' }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const rows = await messagesOf(device);
        expect(rows.map((row) => row.payload.toString()).sort()).toEqual(['{"t":1}', '{"t":1}', '{"t":1}']);
        expect(rows).toHaveLength(3);
        const state = await store.db
          .selectFrom('device_state')
          .select(['message_count', 'duplicate_count'])
          .where('tenant_id', '=', 't')
          .where('device_id', '=', device)
          .executeTakeFirstOrThrow();
        expect([Number(state.message_count), Number(state.duplicate_count)]).toEqual([3, 1]);
      });

      it('refuses a Sigfox frame whose counter and time are stored with other data, without adding its reception', async () => {
        const device = freshDevice();
        const original = await pipeline.capture(sigfox(device, 100, T0 / 1000 - 5, 'BS1'));
        await expect(
          pipeline.capture(
            sigfox(device, 100, T0 / 1000 - 5, 'BS2', { payload: Buffer.from('ffff', 'hex') }),
          ),
        ).rejects.toMatchObject({ code: 'identity_conflict' });
        const receptions = await store.db
          .selectFrom('receptions')
          .select('station')
          .where('message_id', '=', original.messageId)
          .execute();
        expect(receptions.map((r) => r.station)).toEqual(['BS1']);
      });
    });

    it('writes a message.created change for each new message, none for duplicates', async () => {
      const device = freshDevice();
      const before = (await readChanges(store, 't', 0, 100_000)).length;
      const outcome = await pipeline.capture(sigfox(device, 1, T0 / 1000 - 1));
      await pipeline.capture(sigfox(device, 1, T0 / 1000 - 1, 'BS2'));
      const after = await readChanges(store, 't', 0, 100_000);
      expect(after.length - before).toBe(1);
      expect(after.at(-1)).toMatchObject({ kind: 'message.created', entity_id: outcome.messageId });
      // Stored without data, which the feed reads from the message.
      expect(after.at(-1)?.data).toBe('');
      const feed = await readFeed(
        { store, clock: { now: () => T0 }, bus: new EventBus(), expandChanges: expandMessageChanges },
        't',
        { since: String(after.at(-2)?.position ?? 0), limit: 10, waitMs: 0 },
      );
      expect(feed.items).toHaveLength(1);
      expect(feed.items[0]).toMatchObject({
        kind: 'message.created',
        entityId: outcome.messageId,
        data: { id: outcome.messageId, deviceId: device, seq: 1, payload: { hex: '0102abcd' } },
      });
    });

    it('writes concurrent frames of many devices in shared transactions, each exactly once', async () => {
      const devices = Array.from({ length: 20 }, () => freshDevice());
      const frames = devices.flatMap((device) =>
        Array.from({ length: 25 }, (_, seq) => sigfox(device, seq, T0 / 1000 - 100 + seq)),
      );
      const announced: number[] = [];
      const unsubscribe = bus.subscribe('changes.committed', (event) => announced.push(event.position));
      const before = await readChanges(store, 't', 0, 100_000);
      const outcomes = await Promise.all(frames.map((frame) => pipeline.capture(frame))).finally(unsubscribe);
      expect(outcomes.every((o) => !o.duplicate)).toBe(true);
      // One change per message, in the order the frames arrived (batches of more rows than
      // one multi-row insert takes), and the last position taken is the one announced.
      const written = (await readChanges(store, 't', before.at(-1)?.position ?? 0, 100_000)).map((c) => ({
        position: Number(c.position),
        entityId: c.entity_id,
      }));
      expect(written.map((c) => c.entityId)).toEqual(outcomes.map((o) => o.messageId));
      expect(written.every((c, i) => i === 0 || c.position > (written[i - 1]?.position ?? 0))).toBe(true);
      expect(Math.max(...announced)).toBe(written.at(-1)?.position);
      const count = await store.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('device_id', 'in', devices)
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(500);
      for (const device of devices.slice(0, 3)) expect((await stateOf(device)).seq_max).toBe(24);
    });
  });
}
