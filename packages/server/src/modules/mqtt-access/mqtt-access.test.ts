import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { collect, eventually, RawClient, settle } from '../../mqtt/test-support.js';

/** The SUBACK code for one filter; mqtt.js rejects when the code is a refusal. */
async function granted(client: MqttClient, filter: string): Promise<number> {
  try {
    const result = await client.subscribeAsync(filter, { qos: 1 });
    return result[0]?.qos ?? -1;
  } catch (error) {
    const first = (error as { packet?: { granted?: readonly (number | { qos: number })[] } }).packet
      ?.granted?.[0];
    if (first === undefined) throw error;
    return typeof first === 'number' ? first : first.qos;
  }
}

/**
 * The broker wired into Fleetport over real sockets: device and application credentials,
 * the device subtree, tenant isolation, topic policies, uplinks through capture, and the
 * client routes. Every test connects with the `mqtt` npm client.
 */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`mqtt access: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    let mqttUrl: string;
    const keys = { reader: '', operator: '', other: '' };
    const tokens: Record<string, string> = {};
    const clients: MqttClient[] = [];

    async function createKey(key: string, tenantId: string, scope: string): Promise<string> {
      const response = await ts.request('POST', `/v1/tenants/${tenantId}/keys`, {
        key,
        json: { name: `${tenantId} ${scope}`, scope },
      });
      expect(response.status, response.text).toBe(201);
      return String(response.body.secret);
    }

    async function connect(password: string | undefined, options: IClientOptions = {}): Promise<MqttClient> {
      const client = await mqtt.connectAsync(mqttUrl, {
        protocolVersion: 5,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...(password === undefined ? {} : { username: 'fleetport', password }),
        ...options,
      });
      clients.push(client);
      return client;
    }

    async function messagesOf(deviceId: string, key = ts.adminKey): Promise<{ messageId: string | null }[]> {
      const response = await ts.request('GET', `/v1/devices/${deviceId}/messages?order=asc`, { key });
      expect(response.status, response.text).toBe(200);
      return response.body.items;
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      const port = ts.server.mqtt.tcpPort;
      if (port === undefined) throw new Error('no MQTT TCP listener');
      mqttUrl = `mqtt://127.0.0.1:${port}`;
      const tenant = await ts.request('POST', '/v1/tenants', { json: { id: 'other', name: 'Other' } });
      expect(tenant.status, tenant.text).toBe(201);
      keys.reader = await createKey(ts.adminKey, 'default', 'reader');
      keys.operator = await createKey(ts.adminKey, 'default', 'operator');
      keys.other = await createKey(ts.adminKey, 'other', 'admin');
      for (const device of await provisionDevices(ts.url, ts.adminKey, {
        typeId: 'sensor',
        deviceIds: ['d1', 'd2', 'd3'],
      }))
        tokens[device.deviceId] = device.token;
      for (const device of await provisionDevices(ts.url, keys.other, {
        typeId: 'sensor',
        deviceIds: ['x1'],
      }))
        tokens[device.deviceId] = device.token;
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    describe('authentication', () => {
      it('refuses a wrong device token or API key with 0x86 (MQTT 5) and 4 (3.1.1)', async () => {
        await expect(connect('fpd_not-a-token')).rejects.toMatchObject({ code: 0x86 });
        await expect(connect(`fpk_${'x'.repeat(43)}`)).rejects.toMatchObject({ code: 0x86 });
        await expect(connect('fpd_not-a-token', { protocolVersion: 4 })).rejects.toMatchObject({ code: 4 });
      });

      it('refuses a client without credentials with 0x87 (MQTT 5) and 5 (3.1.1) when no anonymous tenant is set', async () => {
        await expect(connect(undefined)).rejects.toMatchObject({ code: 0x87 });
        await expect(connect(undefined, { protocolVersion: 4 })).rejects.toMatchObject({ code: 5 });
      });

      it('accepts a device token with any user name, and an API key', async () => {
        const device = await connect(tokens.d1 ?? '', { username: 'anything', clientId: 'auth-d1' });
        expect(device.connected).toBe(true);
        const app = await connect(keys.reader, { protocolVersion: 4, clientId: 'auth-app' });
        expect(app.connected).toBe(true);
      });
    });

    describe('device subtree and application scopes', () => {
      it('lets a device publish and subscribe only inside devices/{its id}/', async () => {
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'sub-d1' });
        const d2 = await connect(tokens.d2 ?? '', { clientId: 'sub-d2' });
        const d2Received = collect(d2);
        await d2.subscribeAsync('devices/d2/#', { qos: 1 });
        for (const filter of [
          'devices/d2/#',
          '#',
          'devices/+/down',
          'other/topic',
          '$share/g/devices/d2/#',
        ]) {
          expect(await granted(d1, filter), filter).toBe(0x87);
        }
        expect(await granted(d1, 'devices/d1/down/#')).toBe(1);
        for (const topic of ['devices/d2/down', 'devices/d2/up', 'devices/d1x/up', 'elsewhere']) {
          await expect(d1.publishAsync(topic, 'forged', { qos: 1 }), topic).rejects.toMatchObject({
            code: 0x87,
          });
        }
        await settle(100);
        expect(d2Received).toHaveLength(0);
        expect(await messagesOf('d2')).toHaveLength(0);
      });

      it('lets a reader key subscribe but not publish, and an operator publish outside uplink topics', async () => {
        const reader = await connect(keys.reader, { clientId: 'scope-reader' });
        expect(await granted(reader, '#')).toBe(1);
        await expect(reader.publishAsync('devices/d1/down', 'x', { qos: 1 })).rejects.toMatchObject({
          code: 0x87,
        });
        const operator = await connect(keys.operator, { clientId: 'scope-operator' });
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'scope-d1' });
        const downlinks = collect(d1);
        await d1.subscribeAsync('devices/d1/down', { qos: 1 });
        await operator.publishAsync('devices/d1/down', 'open', { qos: 1 });
        await eventually(() => expect(downlinks.map((m) => m.payload)).toEqual(['open']));
        // Only the device speaks on its uplink topics.
        await expect(operator.publishAsync('devices/d1/up', 'fake', { qos: 1 })).rejects.toMatchObject({
          code: 0x87,
        });
        await expect(operator.publishAsync('devices/d1/up/gps', 'fake', { qos: 1 })).rejects.toMatchObject({
          code: 0x87,
        });
      });
    });

    describe('uplinks through the capture pipeline', () => {
      it('stores a QoS 1 uplink with its identity before PUBACK, once per messageId, and routes it to the tenant only', async () => {
        const app = await connect(keys.reader, { clientId: 'up-app' });
        const appReceived = collect(app);
        await app.subscribeAsync('devices/+/up/#', { qos: 1 });
        const foreign = await connect(keys.other, { clientId: 'up-foreign' });
        const foreignReceived = collect(foreign);
        await foreign.subscribeAsync('#', { qos: 1 });

        const d3 = await connect(tokens.d3 ?? '', { clientId: 'up-d3' });
        const properties = { userProperties: { messageId: 'm-1', seq: '7', time: '2026-01-02T03:04:05Z' } };
        await d3.publishAsync('devices/d3/up', Buffer.from([1, 2, 3]), { qos: 1, properties });
        // PUBACK came back: the message is already readable.
        const stored = await messagesOf('d3');
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({
          transport: 'mqtt',
          messageId: 'm-1',
          seq: 7,
          deviceTime: '2026-01-02T03:04:05.000Z',
          payload: { hex: '010203', size: 3 },
        });
        // A retry with the same messageId is stored once.
        await d3.publishAsync('devices/d3/up', Buffer.from([1, 2, 3]), { qos: 1, properties });
        await d3.publishAsync('devices/d3/up/gps', 'fix', { qos: 1 });
        expect(await messagesOf('d3')).toHaveLength(2);

        await eventually(() =>
          expect(appReceived.map((m) => m.topic)).toEqual(
            expect.arrayContaining(['devices/d3/up', 'devices/d3/up/gps']),
          ),
        );
        // The other tenant's device publishes too: the first tenant's app never sees it.
        const x1 = await connect(tokens.x1 ?? '', { clientId: 'up-x1' });
        await x1.publishAsync('devices/x1/up', 'theirs', { qos: 1 });
        await eventually(() => expect(foreignReceived.map((m) => m.topic)).toEqual(['devices/x1/up']));
        await settle(100);
        expect(appReceived.some((m) => m.topic.includes('x1'))).toBe(false);
        expect(foreignReceived.some((m) => m.topic.includes('d3'))).toBe(false);
        expect((await messagesOf('x1', keys.other)).map((m) => m.messageId)).toHaveLength(1);
      });

      it('answers PUBACK 0x80 and stores nothing for an uplink with a bad identity property', async () => {
        const d2 = await connect(tokens.d2 ?? '', { clientId: 'bad-d2' });
        const bad: Record<string, string>[] = [
          { seq: 'seven' },
          { time: '1970-01-01T00:00:00Z' },
          { messageId: 'has space' },
        ];
        for (const userProperties of bad) {
          await expect(
            d2.publishAsync('devices/d2/up', 'x', { qos: 1, properties: { userProperties } }),
            JSON.stringify(userProperties),
          ).rejects.toMatchObject({ code: 0x80 });
        }
        expect(await messagesOf('d2')).toHaveLength(0);
      });

      it('closes a 3.1.1 connection whose uplink capture refuses (no negative acknowledgement), storing nothing', async () => {
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'big-d1', protocolVersion: 4 });
        const closed = new Promise<void>((resolve) => d1.once('close', () => resolve()));
        d1.publish('devices/d1/up', Buffer.alloc(64 * 1024 + 1), { qos: 1 });
        await closed;
        expect(await messagesOf('d1')).toHaveLength(0);
      });

      it("acknowledges and drops a 3.1.1 device's publish outside its subtree", async () => {
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'v4-d1', protocolVersion: 4 });
        const app = await connect(keys.reader, { clientId: 'v4-app' });
        const received = collect(app);
        await app.subscribeAsync('devices/#', { qos: 1 });
        await d1.publishAsync('devices/d2/up', 'forged', { qos: 1 });
        await settle(100);
        expect(received).toHaveLength(0);
        expect(await messagesOf('d2')).toHaveLength(0);
        expect(d1.connected).toBe(true);
      });

      it('stores a QoS 2 uplink from a 3.1.1 device', async () => {
        const d2 = await connect(tokens.d2 ?? '', { clientId: 'qos2-d2', protocolVersion: 4 });
        await d2.publishAsync('devices/d2/up', 'exactly once', { qos: 2 });
        const stored = await messagesOf('d2');
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({ transport: 'mqtt', payload: { size: 12 } });
      });

      it('stores two equal readings as two messages, and a resent PUBLISH (DUP) once', async () => {
        const before = (await messagesOf('d1')).length;
        const raw = await RawClient.open(Number(new URL(mqttUrl).port), 4);
        try {
          raw.write(
            {
              cmd: 'connect',
              clientId: 'dup-d1',
              protocolVersion: 4,
              clean: true,
              keepalive: 0,
              username: 'd1',
              password: Buffer.from(tokens.d1 ?? ''),
            },
            4,
          );
          await raw.next('connack');
          const publish = (messageId: number, dup: boolean) =>
            raw.write(
              {
                cmd: 'publish',
                topic: 'devices/d1/up',
                payload: Buffer.from('21.5'),
                qos: 1,
                messageId,
                dup,
                retain: false,
              },
              4,
            );
          publish(1, false);
          await raw.next('puback');
          publish(2, false);
          await raw.next('puback');
          // The PUBACK of 2 "got lost": the client resends it with DUP set [MQTT-4.4.0-1].
          publish(2, true);
          await raw.next('puback');
        } finally {
          raw.close();
        }
        expect((await messagesOf('d1')).length - before).toBe(2);
      });

      /** A raw 3.1.1 connection of a device, persistent unless `clean`. */
      async function rawDevice(deviceId: string, clientId: string, clean = false): Promise<RawClient> {
        const raw = await RawClient.open(Number(new URL(mqttUrl).port), 4);
        raw.write(
          {
            cmd: 'connect',
            clientId,
            protocolVersion: 4,
            clean,
            keepalive: 0,
            username: deviceId,
            password: Buffer.from(tokens[deviceId] ?? ''),
          },
          4,
        );
        await raw.next('connack');
        return raw;
      }
      const rawPublish = (
        raw: RawClient,
        deviceId: string,
        messageId: number,
        payload: string,
        dup = false,
      ) =>
        raw.write(
          {
            cmd: 'publish',
            topic: `devices/${deviceId}/up`,
            payload: Buffer.from(payload),
            qos: 1,
            messageId,
            dup,
            retain: false,
          },
          4,
        );

      it('stores a DUP publish whose original never arrived, although an earlier message has its payload', async () => {
        const before = (await messagesOf('d3')).length;
        const raw = await rawDevice('d3', 'dup-lost-d3', true);
        try {
          rawPublish(raw, 'd3', 1, 'same');
          await raw.next('puback');
          // Packet 2 never arrived the first time; its resend is the first the server sees.
          rawPublish(raw, 'd3', 2, 'same', true);
          await raw.next('puback');
        } finally {
          raw.close();
        }
        expect((await messagesOf('d3')).length - before).toBe(2);
      });

      it('stores a publish resent after a reconnect once, with or without DUP, and a new one under a reused packet id', async () => {
        const before = (await messagesOf('d2')).length;
        const first = await rawDevice('d2', 'resend-d2');
        rawPublish(first, 'd2', 7, 'seven');
        rawPublish(first, 'd2', 8, 'eight');
        // The connection dies before the client reads the PUBACKs (a crash, a lost link).
        first.close();
        await eventually(() => expect(first.closed).toBe(true));
        const stored = async () => (await messagesOf('d2')).length - before;
        // Both were stored although nobody saw their PUBACKs.
        for (let tries = 0; (await stored()) < 2 && tries < 300; tries++) await settle(10);
        expect(await stored()).toBe(2);
        const second = await rawDevice('d2', 'resend-d2');
        try {
          // mqtt.js resends without DUP, Paho and mosquitto with it [MQTT-4.4.0-1].
          rawPublish(second, 'd2', 7, 'seven');
          await second.next('puback');
          rawPublish(second, 'd2', 8, 'eight', true);
          await second.next('puback');
          expect(await stored()).toBe(2);
          // Past its resends the client reuses id 7 for a new reading, equal or not.
          rawPublish(second, 'd2', 9, 'nine');
          await second.next('puback');
          rawPublish(second, 'd2', 7, 'seven');
          await second.next('puback');
          expect(await stored()).toBe(4);
        } finally {
          second.close();
        }
      });

      it('refuses an MQTT 5 uplink whose messageId is stored with another payload with PUBACK 0x83, and counts it', async () => {
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'clash-d1' });
        const properties = { userProperties: { messageId: 'clash-1' } };
        await d1.publishAsync('devices/d1/up', 'first', { qos: 1, properties });
        const before = (await messagesOf('d1')).length;
        await expect(
          d1.publishAsync('devices/d1/up', 'second', { qos: 1, properties }),
        ).rejects.toMatchObject({
          code: 0x83,
        });
        // The same payload again is a retry, not a clash.
        await d1.publishAsync('devices/d1/up', 'first', { qos: 1, properties });
        expect((await messagesOf('d1')).length).toBe(before);
        expect(d1.connected).toBe(true);
        const metrics = await ts.request('GET', '/metrics');
        expect(metrics.text).toMatch(
          /fleetport_capture_frames_total\{transport="mqtt",outcome="conflict"\} 1/,
        );
      });
    });

    describe('topic policies', () => {
      it('applies a deny rule to the next subscription and publish, and drops it on delete', async () => {
        const created = await ts.request('POST', '/v1/mqtt/policies', {
          json: { effect: 'deny', action: 'both', filter: 'secret/#', principal: 'application' },
        });
        expect(created.status, created.text).toBe(201);
        expect(created.body).toMatchObject({ effect: 'deny', action: 'both', filter: 'secret/#' });
        const id = String(created.body.id);
        const listed = await ts.request('GET', '/v1/mqtt/policies');
        expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([id]);
        expect((await ts.request('GET', `/v1/mqtt/policies/${id}`)).body.id).toBe(id);

        const app = await connect(keys.operator, { clientId: 'policy-app' });
        expect(await granted(app, 'secret/a')).toBe(0x87);
        // A deny inside the requested filter only withholds its topics.
        expect(await granted(app, '#')).toBe(1);
        expect(await granted(app, 'public/#')).toBe(1);
        await expect(app.publishAsync('secret/a', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });

        // The other tenant is not affected, and cannot see or delete the rule.
        const foreign = await connect(keys.other, { clientId: 'policy-foreign' });
        expect(await granted(foreign, 'secret/a')).toBe(1);
        expect((await ts.request('GET', `/v1/mqtt/policies/${id}`, { key: keys.other })).status).toBe(404);
        expect((await ts.request('DELETE', `/v1/mqtt/policies/${id}`, { key: keys.other })).status).toBe(404);
        expect((await ts.request('GET', '/v1/mqtt/policies', { key: keys.other })).body.items).toEqual([]);

        expect((await ts.request('DELETE', `/v1/mqtt/policies/${id}`)).status).toBe(204);
        expect(await granted(app, 'secret/a')).toBe(1);
        expect((await ts.request('DELETE', `/v1/mqtt/policies/${id}`)).status).toBe(404);
      });

      it('grants a subscription that a deny rule overlaps without the denied topics, retained ones included', async () => {
        const created = await ts.request('POST', '/v1/mqtt/policies', {
          json: { effect: 'deny', action: 'subscribe', filter: 'hidden/#', principal: 'application' },
        });
        expect(created.status, created.text).toBe(201);
        try {
          const publisher = await connect(keys.operator, { clientId: 'except-pub' });
          await publisher.publishAsync('hidden/retained', 'r', { qos: 1, retain: true });
          await publisher.publishAsync('shown/retained', 'r', { qos: 1, retain: true });
          const app = await connect(keys.operator, { clientId: 'except-sub' });
          const received = collect(app);
          expect(await granted(app, 'hidden/a')).toBe(0x87);
          expect(await granted(app, '+/#')).toBe(1);
          await publisher.publishAsync('hidden/a', 'no', { qos: 1 });
          await publisher.publishAsync('shown/a', 'yes', { qos: 1 });
          await eventually(() => expect(received.map((m) => m.topic)).toContain('shown/a'));
          await settle(100);
          expect(received.map((m) => m.topic).sort()).toEqual(['shown/a', 'shown/retained']);
          await publisher.publishAsync('hidden/retained', '', { qos: 1, retain: true });
          await publisher.publishAsync('shown/retained', '', { qos: 1, retain: true });
        } finally {
          await ts.request('DELETE', `/v1/mqtt/policies/${created.body.id}`);
        }
      });

      it('refuses an invalid filter, an unknown field, and callers without the admin scope', async () => {
        for (const filter of ['a/#/b', 'a+/b', '', '$share/g/x']) {
          const response = await ts.request('POST', '/v1/mqtt/policies', {
            json: { effect: 'deny', action: 'publish', filter },
          });
          expect(response.status, filter).toBe(400);
        }
        const unknown = await ts.request('POST', '/v1/mqtt/policies', {
          json: { effect: 'deny', action: 'publish', filter: 'a', order: 1 },
        });
        expect(unknown.status).toBe(400);
        const forbidden = await ts.request('GET', '/v1/mqtt/policies', { key: keys.operator });
        expect(forbidden.status).toBe(403);
        for (const [method, path] of [
          ['GET', '/v1/mqtt/policies'],
          ['POST', '/v1/mqtt/policies'],
          ['GET', '/v1/mqtt/policies/pol_x'],
          ['DELETE', '/v1/mqtt/policies/pol_x'],
          ['GET', '/v1/mqtt/clients'],
          ['GET', '/v1/mqtt/clients/c'],
          ['DELETE', '/v1/mqtt/clients/c'],
        ] as const) {
          expect((await ts.request(method, path, { key: null })).status, `${method} ${path}`).toBe(401);
        }
      });

      it('confines devices even where a policy allows more', async () => {
        const created = await ts.request('POST', '/v1/mqtt/policies', {
          json: { effect: 'allow', action: 'both', filter: '#' },
        });
        expect(created.status).toBe(201);
        try {
          const d1 = await connect(tokens.d1 ?? '', { clientId: 'allow-d1' });
          expect(await granted(d1, 'devices/d2/#')).toBe(0x87);
        } finally {
          await ts.request('DELETE', `/v1/mqtt/policies/${created.body.id}`);
        }
      });
    });

    describe('tenant isolation', () => {
      it('keeps the same client id in two tenants as two sessions that never take each other over', async () => {
        const mine = await connect(keys.operator, { clientId: 'same-id' });
        const theirs = await connect(keys.other, { clientId: 'same-id' });
        const mineReceived = collect(mine);
        const theirsReceived = collect(theirs);
        await mine.subscribeAsync('news', { qos: 1 });
        await theirs.subscribeAsync('news', { qos: 1 });
        await mine.publishAsync('news', 'default tenant', { qos: 1 });
        await eventually(() => expect(mineReceived.map((m) => m.payload)).toEqual(['default tenant']));
        await settle(100);
        expect(theirsReceived).toEqual([]);
        expect(mine.connected && theirs.connected).toBe(true);
      });
    });

    describe('client routes', () => {
      it("lists, shows and disconnects the tenant's clients, and answers 404 across tenants", async () => {
        const d1 = await connect(tokens.d1 ?? '', { clientId: 'route/d1', protocolVersion: 5 });
        await d1.subscribeAsync('devices/d1/down', { qos: 1 });
        const list = await ts.request('GET', '/v1/mqtt/clients', { key: keys.reader });
        expect(list.status).toBe(200);
        const mine = list.body.items.find((c: { clientId: string }) => c.clientId === 'route/d1');
        expect(mine).toMatchObject({
          principal: { kind: 'device', id: 'd1', deviceId: 'd1' },
          protocolVersion: 5,
          listener: 'tcp',
          subscriptions: ['devices/d1/down'],
        });
        const encoded = encodeURIComponent('route/d1');
        expect(
          (await ts.request('GET', `/v1/mqtt/clients/${encoded}`, { key: keys.reader })).body.clientId,
        ).toBe('route/d1');
        const foreignList = await ts.request('GET', '/v1/mqtt/clients', { key: keys.other });
        expect(foreignList.body.items.some((c: { clientId: string }) => c.clientId === 'route/d1')).toBe(
          false,
        );
        expect((await ts.request('GET', `/v1/mqtt/clients/${encoded}`, { key: keys.other })).status).toBe(
          404,
        );
        expect((await ts.request('DELETE', `/v1/mqtt/clients/${encoded}`, { key: keys.other })).status).toBe(
          404,
        );
        expect(d1.connected).toBe(true);
        expect((await ts.request('DELETE', `/v1/mqtt/clients/${encoded}`, { key: keys.reader })).status).toBe(
          403,
        );

        const closed = new Promise<number | undefined>((resolve) =>
          d1.once('disconnect', (packet) => resolve(packet.reasonCode)),
        );
        expect(
          (await ts.request('DELETE', `/v1/mqtt/clients/${encoded}`, { key: keys.operator })).status,
        ).toBe(204);
        expect(await closed).toBe(0x98);
        await eventually(() => expect(d1.connected).toBe(false));
        // The broker forgets the connection as its socket closes, a moment after the client sees it.
        let status = 0;
        for (let attempt = 0; attempt < 50 && status !== 404; attempt++) {
          status = (await ts.request('GET', `/v1/mqtt/clients/${encoded}`)).status;
          if (status !== 404) await settle(20);
        }
        expect(status).toBe(404);
      });
    });

    describe('credential changes', () => {
      it('ends live connections of a device whose token is removed and refuses the token afterwards', async () => {
        const [fresh] = await provisionDevices(ts.url, ts.adminKey, { typeId: 'meter', deviceIds: ['r1'] });
        if (fresh === undefined) throw new Error('no device');
        const device = await connect(fresh.token, { clientId: 'revoke-r1' });
        const credentials = await ts.request('GET', '/v1/devices/r1/credentials');
        const credentialId = String(credentials.body.items[0].id);
        const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
        expect((await ts.request('DELETE', `/v1/devices/r1/credentials/${credentialId}`)).status).toBe(204);
        await closed;
        await expect(connect(fresh.token, { clientId: 'revoke-r1' })).rejects.toMatchObject({ code: 0x86 });
      });

      it('ends the connections of an application whose API key is revoked, and refuses the key afterwards', async () => {
        const created = await ts.request('POST', '/v1/tenants/default/keys', {
          json: { name: 'short-lived app', scope: 'operator' },
        });
        expect(created.status, created.text).toBe(201);
        const secret = String(created.body.secret);
        const app = await connect(secret, { clientId: 'revoke-app' });
        const other = await connect(keys.operator, { clientId: 'keeps-its-key' });
        const closed = new Promise<void>((resolve) => app.once('close', () => resolve()));
        const revoked = await ts.request('DELETE', `/v1/tenants/default/keys/${String(created.body.id)}`);
        expect(revoked.status, revoked.text).toBe(200);
        await closed;
        expect(other.connected).toBe(true);
        await expect(connect(secret, { clientId: 'revoke-app' })).rejects.toMatchObject({ code: 0x86 });
      });
    });
  });
}
