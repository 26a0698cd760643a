import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 21: "a process test that stops the server for three expected intervals and
 * restarts it: no device is flagged silent for the server's own downtime, and a device that
 * stays quiet after the restart is flagged on time". Devices are expected every 8 s and are
 * silent after three intervals (24 s); the server is down for 24 s. Without the downtime
 * rule both devices would be flagged by the first scan after the restart.
 */

const INTERVAL_S = 8;
const WINDOW_MS = 3 * INTERVAL_S * 1000;
const SCAN_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AlertBody {
  deviceId: string;
  type: string;
  firstAt: string;
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`silent devices across a server restart (${dialect.name})`, () => {
    let database: TestDatabase;
    const running: ChildServer[] = [];
    const env = {
      FLEETPORT_SILENCE_SCAN_MS: String(SCAN_MS),
      FLEETPORT_SILENT_AFTER_INTERVALS: '3',
    };

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const server of running) server.process.kill('SIGKILL');
      await database?.drop();
    });

    async function call(server: ChildServer, method: string, path: string, json?: unknown, key?: string) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key ?? server.adminKey}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text === '' ? undefined : JSON.parse(text);
    }

    async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    }

    /** Scans this server completed (its /metrics counter). */
    async function scans(server: ChildServer): Promise<number> {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const match = /^fleetport_silence_scans_total (\d+)/m.exec(text);
      return match ? Number(match[1]) : 0;
    }

    const silentAlerts = async (server: ChildServer): Promise<AlertBody[]> =>
      (await call(server, 'GET', '/v1/alerts?type=device_silent')).items;

    it("flags nobody for the server's downtime, and a device quiet after the restart on time", async () => {
      const first = await spawnServer(database, { env, readyTimeoutMs: 120_000 });
      running.push(first);
      const devices = await provisionDevices(first.url, first.adminKey, {
        typeId: 'beacon',
        deviceIds: ['quiet', 'chatty'],
      });
      await call(first, 'PATCH', '/v1/device-types/beacon', { expectedUplinkIntervalSeconds: INTERVAL_S });
      const token = new Map(devices.map((d) => [d.deviceId, d.token]));
      let payload = 0;
      const uplink = async (server: ChildServer, deviceId: string) => {
        payload += 1;
        await call(
          server,
          'POST',
          '/v1/ingest',
          { hex: payload.toString(16).padStart(4, '0') },
          token.get(deviceId),
        );
      };
      for (const id of ['quiet', 'chatty']) await uplink(first, id);
      // Both watched (the consumer moved their due times) before the server stops.
      let quietSeen = 0;
      await until('both devices watched', async () => {
        const [quiet, chatty] = await Promise.all(
          ['quiet', 'chatty'].map((id) => call(first, 'GET', `/v1/devices/${id}/silence`)),
        );
        quietSeen = Date.parse(quiet.lastSeenAt ?? '');
        return quiet.dueAt !== null && chatty.dueAt !== null;
      });

      // Down for three expected intervals.
      const stopAsked = Date.now();
      first.process.kill('SIGTERM');
      await first.exited;
      const stopped = Date.now();
      await sleep(WINDOW_MS);
      const spawned = Date.now();
      const second = await spawnServer(database, { env, adminKey: first.adminKey, readyTimeoutMs: 120_000 });
      running.push(second);
      const ready = Date.now();
      // chatty speaks every interval from now on; quiet stays quiet.
      let talking = true;
      const chatter = (async () => {
        while (talking) {
          await uplink(second, 'chatty');
          await sleep(INTERVAL_S * 1000 - 1000);
        }
      })();
      try {
        // Two scans after the restart: the first one could have begun before the uplink.
        const before = await scans(second);
        await until('two scans after the restart', async () => (await scans(second)) >= before + 2);
        // Without the rule, both were silent for more than 24 s of wall time by now.
        expect(Date.now() - quietSeen).toBeGreaterThan(WINDOW_MS);
        expect(await silentAlerts(second)).toEqual([]);

        await until('quiet flagged', async () => (await silentAlerts(second)).length > 0, 120_000);
        const alerts = await silentAlerts(second);
        expect(alerts.map((a) => a.deviceId)).toEqual(['quiet']);
        const flaggedAt = Date.parse(alerts[0]?.firstAt ?? '');
        // The downtime counted is at least the time no process ran, at most from the stop
        // request to the restart being ready (the last sign of life is at shutdown).
        expect(flaggedAt).toBeGreaterThanOrEqual(quietSeen + WINDOW_MS + (spawned - stopped));
        expect(flaggedAt).toBeLessThanOrEqual(quietSeen + WINDOW_MS + (ready - stopAsked) + SCAN_MS + 5_000);
        const quiet = await call(second, 'GET', '/v1/devices/quiet/silence');
        expect(quiet).toMatchObject({ silent: true, dueAt: null });
      } finally {
        talking = false;
        await chatter;
      }
      // Its next uplink clears it.
      await uplink(second, 'quiet');
      await until(
        'quiet cleared',
        async () =>
          (await call(second, 'GET', '/v1/alerts?type=device_silent&state=cleared')).items.length === 1,
      );
      second.process.kill('SIGTERM');
      await second.exited;
    }, 300_000);
  });
}
