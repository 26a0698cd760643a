import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oweCleanup } from '../support/cleanup.js';
import {
  BrokerUnavailable,
  type BrokerUnderTest,
  profileFlags,
  type RunningBroker,
  type StartOptions,
} from './broker-under-test.js';
import type { MosquittoTools } from './mosquitto-tools.js';
import { freePort, REPO_ROOT, type Spawned, spawnWithFileLimit, waitForPort } from './processes.js';

/** How long a broker may take to listen after its process started. */
const START_TIMEOUT_MS = 30_000;

/**
 * Mosquitto's settings for the benchmark. Defaults except: anonymous clients on one
 * loopback listener, no persistence file, no log, and no limit on the queue of QoS 1/2
 * messages per client (`max_queued_messages`, default 1000): with the default, Mosquitto
 * drops QoS 1 messages for a subscriber that falls behind, which the QoS 1 check would
 * (rightly) call a loss. Aedes and Fleetport queue without such a limit too.
 */
function mosquittoConfig(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest none',
    'max_queued_messages 0',
    '',
  ].join('\n');
}

/** Debian's Mosquitto, from a generated config file in a temporary directory. */
export function mosquittoBroker(tools: MosquittoTools): BrokerUnderTest {
  return {
    name: 'mosquitto',
    description: `mosquitto ${tools.version} (${tools.mosquitto}; max_queued_messages 0, otherwise defaults)`,
    async start() {
      const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-mosquitto-'));
      const removeDir = () => rmSync(dir, { recursive: true, force: true });
      const settled = oweCleanup(async () => removeDir());
      const port = await freePort();
      const configFile = path.join(dir, 'mosquitto.conf');
      writeFileSync(configFile, mosquittoConfig(port));
      const broker = spawnWithFileLimit(tools.mosquitto, ['-c', configFile]);
      const stop = async () => {
        await broker.stop();
        removeDir();
        settled();
      };
      try {
        await waitForPort(
          port,
          broker,
          START_TIMEOUT_MS,
          (status) => new Error(`mosquitto exited (${status}) before listening: ${broker.stderrTail()}`),
        );
      } catch (error) {
        await stop();
        throw error;
      }
      return { port, pid: broker.pid, stop };
    },
  };
}

/** Starts `script` (a TypeScript file beside this one) under Node with tsx, given a port. */
async function startNodeBroker(
  script: string,
  onEarlyExit: (status: number | string, started: Spawned) => Error,
  options: StartOptions | undefined,
): Promise<RunningBroker> {
  const port = await freePort();
  const file = fileURLToPath(new URL(script, import.meta.url));
  const started = spawnWithFileLimit(process.execPath, [
    ...profileFlags(options),
    '--import',
    'tsx',
    file,
    String(port),
  ]);
  try {
    await waitForPort(port, started, START_TIMEOUT_MS, (status) => onEarlyExit(status, started));
  } catch (error) {
    await started.stop();
    throw error;
  }
  return { port, pid: started.pid, stop: () => started.stop() };
}

/** Aedes (the devDependency) with its in-memory defaults, in a child process. */
export function aedesBroker(version: string): BrokerUnderTest {
  return {
    name: 'aedes',
    description: `aedes ${version} (in-memory persistence, own Node process, node ${process.version})`,
    start: (options) =>
      startNodeBroker(
        './aedes-broker.ts',
        (status, started) => new Error(`aedes exited (${status}) before listening: ${started.stderrTail()}`),
        options,
      ),
  };
}

const FLEETPORT_MQTT_INDEX = path.join(REPO_ROOT, 'packages/server/src/mqtt/index.ts');

/**
 * Fleetport's broker alone (in-memory persistence, anonymous hooks) in a child process,
 * through `fleetport-broker.ts`; not available until `packages/server/src/mqtt/index.ts`
 * exists with the API that script assumes.
 */
export function fleetportBroker(): BrokerUnderTest {
  return {
    name: 'fleetport',
    description: `fleetport broker (in-memory persistence, anonymous hooks, own Node process, node ${process.version})`,
    async start(options) {
      if (!existsSync(FLEETPORT_MQTT_INDEX)) {
        throw new BrokerUnavailable(`${path.relative(REPO_ROOT, FLEETPORT_MQTT_INDEX)} does not exist yet`);
      }
      return startNodeBroker(
        './fleetport-broker.ts',
        (status, started) => {
          const lines = started.stderrTail().split('\n');
          const reason = lines.find((line) => line.startsWith('fleetport broker not available:'));
          return reason !== undefined
            ? new BrokerUnavailable(reason.replace('fleetport broker not available: ', ''))
            : new BrokerUnavailable(
                `its process exited (${status}) before listening: ${lines.slice(-5).join(' ')}`,
              );
        },
        options,
      );
    },
  };
}
