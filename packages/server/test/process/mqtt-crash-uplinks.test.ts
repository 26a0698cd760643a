import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/mqtt/test-support.js';
import { type ChildServer, freePort, spawnServer } from '../support/child-server.js';
import { dialectCases, openTestStore, type TestDatabase } from '../support/databases.js';
import { type ProvisionedDevice, provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 17, item 2: QoS 1 uplinks from persistent sessions, published by mqtt.js (which
 * resends without DUP after reconnecting), Paho and mosquitto_pub (which set DUP), through
 * SIGKILLs of the server: every publish a client saw acknowledged is stored, and none is
 * stored twice. SIGKILL keeps the file cache, so this is about what is acknowledged
 * before it commits and what a resend is taken for, not about fsync.
 */

/** SIGKILLs per run: each one mid-stream, every client publishing. */
const KILLS = 5;
/** Acknowledgements each client must have seen between two kills. */
const ACKS_BETWEEN_KILLS = 30;
/** Unacknowledged publishes each client keeps in flight. */
const WINDOW = 10;

const pahoScript = fileURLToPath(new URL('../support/paho-publisher.py', import.meta.url));

/** A device publishing `<deviceId>-<n>` uplinks, n = 1, 2, …, until stopped. */
interface Publisher {
  readonly deviceId: string;
  /** Payloads whose PUBACK the client received. */
  readonly acked: Set<string>;
  /** What went wrong on the client's side (refused publishes, a crashed client). */
  readonly failures: string[];
  /** Stops publishing and resolves once everything published is acknowledged. */
  stop(): Promise<void>;
  /** Ends the client at once (cleanup after a failure). */
  kill(): void;
}

function mqttJsPublisher(port: number, device: ProvisionedDevice, protocolVersion: 4 | 5): Publisher {
  const { deviceId } = device;
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    clientId: deviceId,
    username: deviceId,
    password: device.token,
    protocolVersion,
    clean: false,
    ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
    reconnectPeriod: 100,
    connectTimeout: 3000,
    keepalive: 10,
  });
  // Refused connections while the server restarts; mqtt.js reconnects by itself.
  client.on('error', () => {});
  const acked = new Set<string>();
  const failures: string[] = [];
  let sent = 0;
  let inFlight = 0;
  let stopping = false;
  let settled: (() => void) | undefined;
  const pump = () => {
    while (!stopping && inFlight < WINDOW) {
      sent += 1;
      inFlight += 1;
      const payload = `${deviceId}-${sent}`;
      // Kept in mqtt.js's outgoing store until acknowledged, resent after reconnecting.
      client.publish(`devices/${deviceId}/up`, payload, { qos: 1 }, (error) => {
        inFlight -= 1;
        if (error) failures.push(`${payload}: ${error.message}`);
        else acked.add(payload);
        pump();
        if (stopping && inFlight === 0) settled?.();
      });
    }
  };
  pump();
  return {
    deviceId,
    acked,
    failures,
    async stop() {
      stopping = true;
      if (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
      await client.endAsync();
    },
    kill() {
      client.end(true);
    },
  };
}

/** A child process that prints `ack <payload>` lines, ended by `stop`. */
function processPublisher(
  deviceId: string,
  child: ChildProcessByStdio<Writable, Readable, Readable>,
  onLine: (line: string, acked: Set<string>) => void,
  stop: () => void,
): Publisher {
  const acked = new Set<string>();
  const failures: string[] = [];
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => onLine(line, acked));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => {
    if (code !== 0) failures.push(`${deviceId} exited with ${code}: ${errors}`);
  });
  return {
    deviceId,
    acked,
    failures,
    async stop() {
      stop();
      await exited;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

function pahoPublisher(port: number, device: ProvisionedDevice): Publisher {
  const { deviceId } = device;
  // Debian's Paho: the `python3` first on PATH may be another installation without it.
  const child = spawn(
    '/usr/bin/python3',
    [pahoScript, '127.0.0.1', String(port), deviceId, device.token, `devices/${deviceId}/up`, String(WINDOW)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return processPublisher(
    deviceId,
    child,
    (line, acked) => {
      if (line.startsWith('ack ')) acked.add(line.slice(4));
    },
    () => child.stdin.write('stop\n'),
  );
}

/**
 * mosquitto_pub reading lines from stdin over an MQTT 5 session (clean start 0, an expiry):
 * line n goes out with packet id n, so its debug output's PUBACKs name the lines.
 */
function mosquittoPublisher(port: number, device: ProvisionedDevice): Publisher {
  const { deviceId } = device;
  const child = spawn(
    'stdbuf',
    [
      '-oL',
      'mosquitto_pub',
      ...['-h', '127.0.0.1', '-p', String(port), '-i', deviceId, '-u', deviceId, '-P', device.token],
      ...['-V', 'mqttv5', '-c', '-x', '3600', '-q', '1', '-k', '10', '-t', `devices/${deviceId}/up`],
      '-l',
      '-d',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let written = 0;
  let stopping = false;
  const write = (acked: number) => {
    while (!stopping && written < acked + WINDOW) {
      written += 1;
      child.stdin.write(`${deviceId}-${written}\n`);
    }
  };
  write(0);
  return processPublisher(
    deviceId,
    child,
    (line, acked) => {
      const puback = /received PUBACK \(Mid: (\d+), RC:0\)/.exec(line);
      if (puback?.[1] === undefined) return;
      acked.add(`${deviceId}-${puback[1]}`);
      write(acked.size);
    },
    () => {
      stopping = true;
      // At the end of its input, mosquitto_pub waits for its PUBACKs, then disconnects.
      child.stdin.end();
    },
  );
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`MQTT uplinks through SIGKILLs: ${dialect.name}`, () => {
    let database: TestDatabase;
    const running: ChildServer[] = [];
    const publishers: Publisher[] = [];

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const publisher of publishers) publisher.kill();
      for (const server of running) server.process.kill('SIGKILL');
      await database?.drop();
    });

    it(`stores every acknowledged QoS 1 uplink once, from mqtt.js, Paho and mosquitto clients, across ${KILLS} kills`, async () => {
      const port = await freePort();
      const env = { FLEETPORT_MQTT_PORT: String(port) };
      let server = await spawnServer(database, { env });
      running.push(server);
      const adminKey = server.adminKey;
      const [js5, js4, paho, mosquitto] = await provisionDevices(server.url, adminKey, {
        typeId: 'meter',
        deviceIds: ['mqttjs-v5', 'mqttjs-v311', 'paho-v311', 'mosquitto-v5'],
      });
      if (!js5 || !js4 || !paho || !mosquitto) throw new Error('devices were not provisioned');
      publishers.push(
        mqttJsPublisher(port, js5, 5),
        mqttJsPublisher(port, js4, 4),
        pahoPublisher(port, paho),
        mosquittoPublisher(port, mosquitto),
      );
      const everyoneAcked = async (more: number) => {
        const marks = publishers.map((p) => p.acked.size);
        await eventually(() => {
          for (const [index, publisher] of publishers.entries()) {
            expect(publisher.failures).toEqual([]);
            expect(publisher.acked.size, publisher.deviceId).toBeGreaterThanOrEqual(
              (marks[index] ?? 0) + more,
            );
          }
        }, 30_000);
      };

      for (let kill = 1; kill <= KILLS; kill += 1) {
        await everyoneAcked(ACKS_BETWEEN_KILLS);
        server.process.kill('SIGKILL');
        await server.exited;
        server = await spawnServer(database, { adminKey, env });
        running.push(server);
      }
      // Every client reconnected, resent and went on after the last start.
      await everyoneAcked(ACKS_BETWEEN_KILLS);
      await Promise.all(publishers.map((p) => p.stop()));
      for (const publisher of publishers) expect(publisher.failures, publisher.deviceId).toEqual([]);
      server.process.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);

      const store = await openTestStore(database);
      try {
        const rows = await store.db.selectFrom('messages').select(['device_id', 'payload']).execute();
        const states = await store.db
          .selectFrom('device_state')
          .select(['device_id', 'message_count', 'duplicate_count'])
          .execute();
        for (const publisher of publishers) {
          const stored = new Map<string, number>();
          for (const row of rows) {
            if (row.device_id !== publisher.deviceId) continue;
            const payload = Buffer.from(row.payload).toString();
            stored.set(payload, (stored.get(payload) ?? 0) + 1);
          }
          const twice = [...stored].filter(([, count]) => count > 1).map(([payload]) => payload);
          const lost = [...publisher.acked].filter((payload) => !stored.has(payload));
          const strangers = [...stored.keys()].filter(
            (payload) => !payload.startsWith(`${publisher.deviceId}-`),
          );
          expect({ device: publisher.deviceId, twice, lost, strangers }).toEqual({
            device: publisher.deviceId,
            twice: [],
            lost: [],
            strangers: [],
          });
          const state = states.find((s) => s.device_id === publisher.deviceId);
          expect(Number(state?.message_count)).toBe(stored.size);
        }
        // Whether a kill caught a stored but unacknowledged uplink is up to timing (on
        // PostgreSQL some runs had none), so it is not asserted here: the resend after a
        // reconnect, with and without DUP, is proven deterministically by the raw MQTT tests
        // in mqtt-access and the pipeline tests.
      } finally {
        await store.close();
      }
    }, 110_000);
  });
}
