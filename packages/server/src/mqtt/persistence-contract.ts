import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from './broker.js';
import type {
  BrokerPersistence,
  OutgoingRecord,
  SessionRecord,
  StoredMessage,
  SubscriptionRecord,
} from './persistence.js';
import { SESSION_NEVER_EXPIRES } from './session.js';

/** What a persistence adapter under test provides. */
export interface PersistenceUnderTest {
  readonly persistence: BrokerPersistence;
  /** Opens another instance over the same storage (a restart). */
  reopen(): Promise<BrokerPersistence>;
  dispose(): Promise<void>;
}

const alice = { tenantId: 't1', clientId: 'alice' };
const aliceElsewhere = { tenantId: 't2', clientId: 'alice' };

function session(
  key: { tenantId: string; clientId: string },
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  return { ...key, expiryInterval: 3600, disconnectedAt: null, protocolVersion: 5, ...extra };
}

function subscription(filter: string, extra: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    filter,
    qos: 1,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionId: undefined,
    ...extra,
  };
}

const richMessage: StoredMessage = {
  topic: 'a/b',
  payload: Buffer.from([0, 1, 2, 255]),
  qos: 2,
  retain: true,
  properties: {
    payloadFormatIndicator: false,
    contentType: 'application/octet-stream',
    responseTopic: 'reply/here',
    correlationData: Buffer.from([9, 8, 7]),
    userProperties: { k: 'v', many: ['1', '2'] },
  },
  expiresAt: 1_900_000_000_123,
};

function outgoing(seq: number, extra: Partial<OutgoingRecord> = {}): OutgoingRecord {
  return {
    seq,
    packetId: 0,
    state: 'queued',
    qos: 1,
    retain: false,
    subscriptionIds: [],
    message: {
      topic: `m/${seq}`,
      payload: Buffer.from(`p${seq}`),
      qos: 1,
      retain: false,
      properties: undefined,
      expiresAt: null,
    },
    ...extra,
  };
}

/**
 * The contract every `BrokerPersistence` passes, including a broker restart over it.
 * Call it from a test file with a factory that opens a fresh, empty storage.
 */
export function describePersistenceContract(
  name: string,
  factory: () => Promise<PersistenceUnderTest>,
): void {
  describe(`broker persistence contract: ${name}`, () => {
    let subject: PersistenceUnderTest;
    let p: BrokerPersistence;

    beforeEach(async () => {
      subject = await factory();
      p = subject.persistence;
    });

    afterEach(async () => {
      await subject.dispose();
    });

    it('stores sessions with their subscriptions, per tenant', async () => {
      await p.putSession(session(alice));
      await p.putSession(
        session(aliceElsewhere, { expiryInterval: SESSION_NEVER_EXPIRES, protocolVersion: 4 }),
      );
      await p.putSubscriptions(alice, [
        subscription('a/#', {
          qos: 2,
          noLocal: true,
          retainAsPublished: true,
          retainHandling: 2,
          subscriptionId: 42,
        }),
        subscription('$share/g/b'),
      ]);
      await p.putSubscriptions(alice, [subscription('a/#', { qos: 0 })]);
      await p.putSession(session(alice, { disconnectedAt: 1_800_000_000_000 }));
      const sessions = (await p.listSessions()).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
      expect(sessions).toHaveLength(2);
      expect(sessions[0]).toMatchObject({
        ...alice,
        expiryInterval: 3600,
        disconnectedAt: 1_800_000_000_000,
        protocolVersion: 5,
      });
      expect(
        [...(sessions[0]?.subscriptions ?? [])].sort((a, b) => a.filter.localeCompare(b.filter)),
      ).toEqual([subscription('$share/g/b'), subscription('a/#', { qos: 0 })]);
      expect(sessions[1]).toMatchObject({
        ...aliceElsewhere,
        expiryInterval: SESSION_NEVER_EXPIRES,
        protocolVersion: 4,
        subscriptions: [],
      });
      await p.deleteSubscriptions(alice, ['a/#', 'not/there']);
      const after = await p.listSessions();
      expect(after.find((s) => s.tenantId === 't1')?.subscriptions.map((s) => s.filter)).toEqual([
        '$share/g/b',
      ]);
    });

    it('keeps subscription options exactly', async () => {
      await p.putSession(session(alice));
      const full = subscription('x/+', {
        qos: 2,
        noLocal: true,
        retainAsPublished: true,
        retainHandling: 1,
        subscriptionId: 268_435_455,
        except: ['x/secret', '+/private'],
      });
      await p.putSubscriptions(alice, [full]);
      expect((await p.listSessions())[0]?.subscriptions).toEqual([full]);
      // Replaced without exceptions: none are left.
      await p.putSubscriptions(alice, [subscription('x/+')]);
      expect((await p.listSessions())[0]?.subscriptions[0]?.except).toBeUndefined();
    });

    it('applies outgoing writes in order and loads them by sequence', async () => {
      await p.putSession(session(alice));
      await p.writeOutgoing([
        { kind: 'put', session: alice, record: outgoing(30) },
        {
          kind: 'put',
          session: alice,
          record: outgoing(10, { message: richMessage, qos: 2, retain: true, subscriptionIds: [1, 7] }),
        },
        { kind: 'put', session: alice, record: outgoing(20) },
        { kind: 'update', session: alice, seq: 10, packetId: 5, state: 'sent' },
        { kind: 'delete', session: alice, seq: 20 },
        { kind: 'put', session: { tenantId: 't1', clientId: 'nobody' }, record: outgoing(40) },
      ]);
      await p.writeOutgoing([{ kind: 'update', session: alice, seq: 10, packetId: 5, state: 'released' }]);
      const loaded = await p.loadOutgoing(alice);
      expect(loaded.map((r) => r.seq)).toEqual([10, 30]);
      expect(loaded[0]).toEqual(
        outgoing(10, {
          message: richMessage,
          qos: 2,
          retain: true,
          subscriptionIds: [1, 7],
          packetId: 5,
          state: 'released',
        }),
      );
      expect(loaded[1]).toEqual(outgoing(30));
      expect(await p.loadOutgoing({ tenantId: 't1', clientId: 'nobody' })).toEqual([]);
      expect(await p.loadOutgoing(aliceElsewhere)).toEqual([]);
    });

    it('keeps the tracked mark of a message, and its absence', async () => {
      const key = { tenantId: 't1', clientId: 'tracked' };
      await p.putSession({ ...key, expiryInterval: 60, disconnectedAt: null, protocolVersion: 5 });
      const tracked = outgoing(1);
      await p.writeOutgoing([
        { kind: 'put', session: key, record: { ...tracked, message: { ...tracked.message, tracked: true } } },
        { kind: 'put', session: key, record: outgoing(2) },
      ]);
      const loaded = await p.loadOutgoing(key);
      expect(loaded.map((record) => record.message.tracked)).toEqual([true, undefined]);
    });

    it('takes large batches (sequence numbers near 2^53 survive)', async () => {
      await p.putSession(session(alice));
      const base = Date.now() * 1000;
      await p.writeOutgoing(
        Array.from({ length: 1500 }, (_, i) => ({
          kind: 'put' as const,
          session: alice,
          record: outgoing(base + i),
        })),
      );
      const loaded = await p.loadOutgoing(alice);
      expect(loaded).toHaveLength(1500);
      expect(loaded[1499]?.seq).toBe(base + 1499);
    });

    it('remembers incoming QoS 2 packet ids', async () => {
      await p.putSession(session(alice));
      await p.putIncoming(alice, [7, 3]);
      await p.putIncoming(alice, [3]);
      await p.deleteIncoming(alice, [7]);
      expect(await p.loadIncoming(alice)).toEqual([3]);
      expect(await p.loadIncoming(aliceElsewhere)).toEqual([]);
    });

    it('deletes a session with everything it holds', async () => {
      await p.putSession(session(alice));
      await p.putSession(session(aliceElsewhere));
      await p.putSubscriptions(alice, [subscription('a')]);
      await p.writeOutgoing([{ kind: 'put', session: alice, record: outgoing(1) }]);
      await p.writeOutgoing([{ kind: 'put', session: aliceElsewhere, record: outgoing(1) }]);
      await p.putIncoming(alice, [1]);
      await p.deleteSession(alice);
      expect((await p.listSessions()).map((s) => s.tenantId)).toEqual(['t2']);
      expect(await p.loadOutgoing(alice)).toEqual([]);
      expect(await p.loadIncoming(alice)).toEqual([]);
      expect(await p.loadOutgoing(aliceElsewhere)).toHaveLength(1);
      // A new session of the same id starts empty.
      await p.putSession(session(alice));
      expect((await p.listSessions()).find((s) => s.tenantId === 't1')?.subscriptions).toEqual([]);
    });

    it('stores, replaces and deletes retained messages per tenant', async () => {
      await p.putRetained('t1', 'a/b', richMessage);
      await p.putRetained('t2', 'a/b', {
        ...richMessage,
        payload: Buffer.from('other'),
        properties: undefined,
        expiresAt: null,
      });
      await p.putRetained('t1', 'a/b', { ...richMessage, payload: Buffer.from('newer') });
      await p.putRetained('t1', 'gone', richMessage);
      await p.putRetained('t1', 'gone', null);
      const retained = (await p.listRetained()).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
      expect(retained).toEqual([
        { tenantId: 't1', message: { ...richMessage, payload: Buffer.from('newer') } },
        {
          tenantId: 't2',
          message: { ...richMessage, payload: Buffer.from('other'), properties: undefined, expiresAt: null },
        },
      ]);
    });

    it('survives a reopen', async () => {
      await p.putSession(session(alice));
      await p.putRetained('t1', 'r', richMessage);
      const again = await subject.reopen();
      expect((await again.listSessions()).map((s) => s.clientId)).toEqual(['alice']);
      expect(await again.listRetained()).toHaveLength(1);
    });

    it('lets a restarted broker deliver queued QoS 1 and 2 messages, in-flight ones again, and retained ones', async () => {
      const first = new Broker({ persistence: p });
      const { tcp } = await first.listen({ tcp: { port: 0, host: '127.0.0.1' } });
      const url = `mqtt://127.0.0.1:${tcp?.port}`;
      const options = {
        protocolVersion: 5 as const,
        clean: false,
        reconnectPeriod: 0,
        properties: { sessionExpiryInterval: 3600 },
      };
      const sub = await mqtt.connectAsync(url, { ...options, clientId: 'durable' });
      await sub.subscribeAsync('jobs/#', { qos: 2 });
      await sub.endAsync();
      const pub = await mqtt.connectAsync(url, {
        protocolVersion: 5,
        clientId: 'producer',
        reconnectPeriod: 0,
      });
      await pub.publishAsync('jobs/1', 'one', { qos: 1 });
      await pub.publishAsync('jobs/2', 'two', { qos: 2 });
      await pub.publishAsync('jobs/3', 'three', { qos: 2, retain: true });
      await pub.endAsync();
      await first.close();

      const second = new Broker({ persistence: await subject.reopen() });
      const { tcp: tcp2 } = await second.listen({ tcp: { port: 0, host: '127.0.0.1' } });
      const url2 = `mqtt://127.0.0.1:${tcp2?.port}`;
      const received: { topic: string; payload: string; qos: number }[] = [];
      const back = mqtt.connect(url2, { ...options, clientId: 'durable' });
      back.on('message', (topic, payload, packet) =>
        received.push({ topic, payload: payload.toString(), qos: packet.qos }),
      );
      const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
        back.once('connect', resolve);
        back.once('error', reject);
      });
      expect(connack.sessionPresent).toBe(true);
      const deadline = Date.now() + 3000;
      while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(received).toEqual([
        { topic: 'jobs/1', payload: 'one', qos: 1 },
        { topic: 'jobs/2', payload: 'two', qos: 2 },
        { topic: 'jobs/3', payload: 'three', qos: 2 },
      ]);
      const late = await mqtt.connectAsync(url2, {
        protocolVersion: 5,
        clientId: 'late',
        reconnectPeriod: 0,
      });
      const retained: string[] = [];
      late.on('message', (_t, payload) => retained.push(payload.toString()));
      await late.subscribeAsync('jobs/#');
      const until = Date.now() + 2000;
      while (retained.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(retained).toEqual(['three']);
      await late.endAsync();
      await back.endAsync();
      await second.close();
    });
  });
}
