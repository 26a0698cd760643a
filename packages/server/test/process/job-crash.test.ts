import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { type ChildServer, freePort, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 20: "a process test that kills the server with SIGKILL in the middle of a job and
 * restarts it: the job finishes and no device is done twice". Devices listen over MQTT, so
 * each command is sent (and its device done) as soon as the job queues it; the rollout rate
 * spreads the job over a few seconds, and the server is killed when part of it is done.
 */

const DEVICES = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface JobBody {
  id: string;
  status: string;
  progress: { targeted: number; succeeded: number; failed: number; inProgress: number; pending: number };
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`a fleet job across SIGKILL (${dialect.name})`, () => {
    let database: TestDatabase;
    const running: ChildServer[] = [];
    const clients: MqttClient[] = [];

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const client of clients) client.end(true);
      for (const server of running) server.process.kill('SIGKILL');
      await database?.drop();
    });

    async function api<T>(server: ChildServer, method: string, path: string, json?: unknown): Promise<T> {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${server.adminKey}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    }

    async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    }

    it('finishes the job after a SIGKILL and a restart, each device with one command', async () => {
      const mqttPort = await freePort();
      const httpPort = await freePort();
      const env = { FLEETPORT_MQTT_PORT: String(mqttPort), FLEETPORT_HTTP_PORT: String(httpPort) };
      // Starting takes long on a loaded machine; what is tested begins once it is up.
      const first = await spawnServer(database, { env, readyTimeoutMs: 120_000 });
      running.push(first);
      const ids = Array.from({ length: DEVICES }, (_, i) => `jc${String(i).padStart(3, '0')}`);
      const devices = await provisionDevices(first.url, first.adminKey, { typeId: 'valve', deviceIds: ids });

      // Every device listens for its commands, and reconnects while the server is away.
      const received = new Map<string, Set<string>>();
      await Promise.all(
        devices.map(async ({ deviceId, token }) => {
          const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
            clientId: deviceId,
            username: deviceId,
            password: token,
            protocolVersion: 5,
            reconnectPeriod: 200,
            connectTimeout: 5000,
          });
          clients.push(client);
          client.on('message', (topic) => {
            const commandId = topic.split('/').at(-1) ?? '';
            const seen = received.get(deviceId) ?? new Set<string>();
            received.set(deviceId, seen);
            seen.add(commandId);
          });
          await new Promise<void>((resolve, reject) => {
            client.once('connect', () => resolve());
            client.once('error', reject);
          });
          await client.subscribeAsync(`devices/${deviceId}/down/#`, { qos: 1 });
        }),
      );

      const job = await api<JobBody>(first, 'POST', '/v1/jobs', {
        name: 'crash',
        command: { hex: 'c0ffee', qos: 1 },
        target: { deviceIds: ids },
        rolloutPerMinute: 400,
        maxConcurrency: 5,
      });
      await until('a part of the job to be done', async () => {
        const now = await api<JobBody>(first, 'GET', `/v1/jobs/${job.id}`);
        return now.progress.succeeded >= 6;
      });
      first.process.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const second = await spawnServer(database, { adminKey: first.adminKey, env, readyTimeoutMs: 120_000 });
      running.push(second);
      const midway = await api<JobBody>(second, 'GET', `/v1/jobs/${job.id}`);
      expect(midway.progress.succeeded).toBeGreaterThanOrEqual(6);
      expect(midway.progress.succeeded).toBeLessThan(DEVICES);
      try {
        await until('the job to complete', async () => {
          const now = await api<JobBody>(second, 'GET', `/v1/jobs/${job.id}`);
          return now.status === 'completed';
        });
      } catch (error) {
        // A stall says where it stopped: the job, the devices not done and their commands.
        const now = await api<JobBody>(second, 'GET', `/v1/jobs/${job.id}`);
        const rows = await api<{ items: { deviceId: string; status: string }[] }>(
          second,
          'GET',
          `/v1/jobs/${job.id}/devices?limit=1000`,
        );
        const stuck = rows.items.filter((row) => row.status !== 'succeeded');
        const commands = await Promise.all(
          stuck.map((row) => api<unknown>(second, 'GET', `/v1/devices/${row.deviceId}/commands`)),
        );
        // And the job's scheduler row: none (a lost wake-up), leased on and on (a hung step), or failing.
        const store = openStore({
          databaseUrl: database.databaseUrl,
          dataDir: database.dataDir,
          sqliteSynchronous: 'full',
          databasePoolSize: 1,
        });
        const ticks = await store.db
          .selectFrom('scheduled_jobs')
          .selectAll()
          .where('key', 'like', `%${job.id}%`)
          .execute()
          .finally(() => store.close());
        throw new Error(
          `${(error as Error).message}\nat ${Date.now()}, ticks: ${JSON.stringify(ticks)}\n` +
            `job: ${JSON.stringify(now)}\nnot done: ${JSON.stringify(stuck)}\n` +
            `their commands: ${JSON.stringify(commands)}\nfirst server: ${first.output().slice(-4000)}\n` +
            `second server: ${second.output().slice(-4000)}`,
        );
      }
      const done = await api<JobBody>(second, 'GET', `/v1/jobs/${job.id}`);
      expect(done.progress).toMatchObject({
        targeted: DEVICES,
        succeeded: DEVICES,
        failed: 0,
        inProgress: 0,
        pending: 0,
      });

      const executions = await api<{
        items: { deviceId: string; attempts: number; commandId: string | null }[];
      }>(second, 'GET', `/v1/jobs/${job.id}/devices?limit=1000`);
      expect(executions.items).toHaveLength(DEVICES);
      for (const execution of executions.items) {
        expect(execution.attempts, execution.deviceId).toBe(1);
        const commands = await api<{ items: { id: string; idempotencyKey: string }[] }>(
          second,
          'GET',
          `/v1/devices/${execution.deviceId}/commands`,
        );
        // One command per device, the one the execution recorded, whatever the crash cut short.
        expect(
          commands.items.map((c) => [c.id, c.idempotencyKey]),
          execution.deviceId,
        ).toEqual([[execution.commandId, `job:${job.id}:1`]]);
      }
      // No device was handed two different commands.
      for (const id of ids) expect(received.get(id)?.size ?? 0, id).toBeLessThanOrEqual(1);
      expect(second.output()).not.toMatch(/"level":(50|60)/);
      second.process.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }, 480_000);
  });
}
